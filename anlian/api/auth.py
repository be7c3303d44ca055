"""POST /api/v1/auth/token: exchange a username and password for a bearer token."""

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from ..auth import try_login
from ..db import get_session
from ..services import users
from .base import ApiBlueprint, Schema, commit, length

blp = ApiBlueprint(
    "api_auth", __name__, url_prefix="/api/v1/auth", public=True, description="Bearer tokens"
)


class CredentialsSchema(Schema):
    username = ma.fields.String(required=True, validate=length(min=1, max=64))
    password = ma.fields.String(required=True, validate=length(min=1, max=200), load_only=True)


class TokenSchema(Schema):
    token = ma.fields.String()
    role = ma.fields.String()
    expires_at = ma.fields.DateTime()


@blp.route("/token")
class Token(MethodView):
    @blp.doc(security=[])
    @blp.arguments(CredentialsSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="Wrong username or password")
    @blp.alt_response(429, description="Too many failed attempts (Retry-After says how long)")
    def post(self, credentials):
        """Issue a bearer token"""
        user, refusal = try_login(credentials["username"], credentials["password"])
        if user is None:
            status, message, retry = refusal
            abort(status, message=message, headers={"Retry-After": str(retry)} if retry else {})
        session = get_session()
        ttl = current_app.config["TOKEN_TTL_HOURS"]
        raw, token = users.issue_token(session, user, ttl_hours=ttl)
        commit()
        return {"token": raw, "role": user.role, "expires_at": token.expires_at}

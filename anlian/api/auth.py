"""POST /api/v1/auth/token: exchange a username and password for a bearer token."""

import marshmallow as ma
from flask import current_app, g
from flask.views import MethodView
from flask_smorest import abort

from models import User

from ..auth import authenticate_bearer, current_scope, try_login
from ..db import get_session
from ..services import accounts, users
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


class PasswordSchema(Schema):
    current_password = ma.fields.String(required=True, validate=length(min=1, max=200))
    new_password = ma.fields.String(required=True, validate=length(min=1, max=200))


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

    @blp.doc(security=[{"bearerAuth": []}])
    @blp.response(204)
    def delete(self):
        """Revoke the token this request is made with"""
        authenticate_bearer()
        scope, session = current_scope(), get_session()
        user = session.get(User, scope.user_id)
        accounts.revoke_tokens(session, scope, user, token_hash=g.token_hash)
        commit()


@blp.route("/password")
class Password(MethodView):
    @blp.doc(security=[{"bearerAuth": []}])
    @blp.arguments(PasswordSchema)
    @blp.response(204)
    def post(self, data):
        """Change your own password; every session and token of yours ends"""
        authenticate_bearer()
        scope, session = current_scope(), get_session()
        user = session.get(User, scope.user_id)
        accounts.change_password(
            session, scope, user, current=data["current_password"], new=data["new_password"]
        )
        commit()

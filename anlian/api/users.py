"""Accounts, managed by the bureau: create, disable or enable, revoke tokens."""

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import func, select

from models import Enterprise, User
from models.vocab import ROLES

from ..auth import current_scope
from ..db import get_session
from ..scope import require
from ..services import accounts, users
from .base import ApiBlueprint, PageArgs, Schema, commit, length, one_of, page_of

blp = ApiBlueprint("users", __name__, url_prefix="/api/v1", description="Accounts and tokens")


def _password_policy(value: str) -> None:
    if problems := users.password_problems(value):
        raise ma.ValidationError(problems)


class UserSchema(Schema):
    username = ma.fields.String(required=True, validate=length(min=3, max=64))
    password = ma.fields.String(
        required=True, load_only=True, validate=[length(min=1, max=200), _password_policy]
    )
    role = ma.fields.String(required=True, validate=one_of(ROLES))
    chain_id = ma.fields.Integer(allow_none=True, load_default=None)
    uscc = ma.fields.String(allow_none=True, load_default=None, validate=length(equal=18))
    display_name = ma.fields.String(load_default="", validate=length(min=0, max=100))
    active = ma.fields.Boolean(dump_only=True)
    locked_until = ma.fields.DateTime(dump_only=True, allow_none=True)


def _item(user: User, uscc: str | None) -> dict:
    fields = ("username", "role", "chain_id", "display_name", "active", "locked_until")
    return {name: getattr(user, name) for name in fields} | {"uscc": uscc}


def _user(session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        abort(404)
    return user


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(UserSchema))
    def get(self, args):
        """All accounts (bureau)"""
        require(current_scope().is_bureau)
        session, page, per_page = get_session(), args["page"], args["per_page"]
        query = select(User, Enterprise.uscc).outerjoin(
            Enterprise, Enterprise.id == User.enterprise_id
        )
        total = session.execute(select(func.count()).select_from(User)).scalar_one()
        rows = session.execute(
            query.order_by(User.username).limit(per_page).offset((page - 1) * per_page)
        ).all()
        items = [_item(user, uscc) for user, uscc in rows]
        return {"items": items, "total": total, "page": page, "per_page": per_page}

    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create an account (bureau)"""
        scope = current_scope()
        require(scope.is_bureau)
        user = users.create_user(get_session(), scope, **data)
        commit()
        return _item(user, data.get("uscc"))


@blp.route("/users/<string:username>/<any(disable, enable, 'revoke-tokens'):action>")
class UserAction(MethodView):
    @blp.response(204)
    def post(self, username, action):
        """Disable or enable an account, or revoke all its tokens (bureau)"""
        scope = current_scope()
        require(scope.is_bureau)
        session = get_session()
        user = _user(session, username)
        if action == "revoke-tokens":
            accounts.revoke_tokens(session, scope, user)
        else:
            accounts.set_active(session, scope, user, active=action == "enable")
        commit()

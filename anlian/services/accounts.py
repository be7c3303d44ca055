"""Account changes that end access: password change, disable/enable, token revocation.

Each ends the user's other web sessions (the session generation moves on) and revokes their
API tokens, and is audited in the same transaction.
"""

from sqlalchemy import update

from models import ApiToken, User
from models.base import N_, utcnow

from ..errors import Invalid
from . import audit, users


def revoke_tokens(session, scope, user: User, *, token_hash: str | None = None) -> None:
    """Revoke all of the user's live tokens, or just the one with `token_hash`."""
    query = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if token_hash is not None:
        query = query.where(ApiToken.token_hash == token_hash)
    session.execute(query.values(revoked_at=utcnow()))
    audit.record(
        session,
        scope,
        action="revoke_tokens",
        entity="user",
        entity_id=user.id,
        after={"token": "current" if token_hash else "all"},
    )


def change_password(session, scope, user: User, *, current: str, new: str) -> None:
    """Set a new password after checking the current one; every other session and token ends."""
    errors: dict[str, list] = {}
    if users.authenticate(session, user.username, current) is None:
        errors["current_password"] = [N_("The current password is not correct.")]
    if problems := users.password_problems(new):
        errors["new_password"] = problems
    elif new == current:
        errors["new_password"] = [N_("The new password must differ from the current one.")]
    if errors:
        raise Invalid(errors)
    user.password_hash = users.hash_password(new)
    users.end_sessions(session, user)
    revoke_tokens(session, scope, user)
    audit.record(session, scope, action="change_password", entity="user", entity_id=user.id)


def set_active(session, scope, user: User, *, active: bool) -> None:
    """Disable (ending every session and token at once) or re-enable an account."""
    before = user.active
    user.active = active
    if not active:
        users.end_sessions(session, user)
        revoke_tokens(session, scope, user)
    audit.record(
        session,
        scope,
        action="enable" if active else "disable",
        entity="user",
        entity_id=user.id,
        before={"active": before},
        after={"active": active},
    )

"""Users, passwords and API tokens."""

import functools
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from models import ApiToken, Chain, Enterprise, User
from models.base import N_, utcnow
from models.vocab import ROLES

from ..errors import Invalid
from . import audit

MIN_PASSWORD_LENGTH = 10


@functools.cache
def _dummy_hash() -> str:
    """Checked when a username does not exist, so a failed login takes as long either way."""
    return generate_password_hash("not-a-real-password", method="scrypt")


def hash_password(password: str) -> str:
    """An scrypt hash of `password`."""
    return generate_password_hash(password, method="scrypt")


def password_problems(password: str) -> list[str]:
    """Why a new password is not acceptable (empty when it is)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(N_("Password must be at least 10 characters."))
    if password.isdigit() or password.isalpha():
        problems.append(N_("Password must mix letters with digits or symbols."))
    return problems


def create_user(
    session,
    scope,
    *,
    username: str,
    password: str,
    role: str,
    chain_id: int | None = None,
    uscc: str | None = None,
    display_name: str = "",
) -> User:
    """Add a user after checking the role's owner exists; raises Invalid naming the field."""
    errors: dict[str, list[str]] = {}
    if role not in ROLES:
        errors["role"] = [(N_("Must be one of: {choices}."), {"choices": "bureau, chain, sme"})]
    if session.execute(select(User.id).where(User.username == username)).first():
        errors["username"] = [N_("This username is taken.")]
    if problems := password_problems(password):
        errors["password"] = problems
    enterprise_id = _owner_errors(session, role, chain_id, uscc, errors)
    if errors:
        raise Invalid(errors)
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        chain_id=chain_id if role == "chain" else None,
        enterprise_id=enterprise_id,
        display_name=display_name,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        scope,
        action="create",
        entity="user",
        entity_id=user.id,
        after={
            "username": username,
            "role": role,
            "chain_id": user.chain_id,
            "enterprise_id": enterprise_id,
        },
    )
    return user


def _owner_errors(session, role, chain_id, uscc, errors) -> int | None:
    """Check a chain user has an existing chain and an SME user an existing enterprise."""
    if role == "chain" and (chain_id is None or session.get(Chain, chain_id) is None):
        errors["chain_id"] = [N_("A chain user needs an existing chain.")]
    if role != "sme":
        return None
    found = session.execute(select(Enterprise.id).where(Enterprise.uscc == uscc)).scalar()
    if found is None:
        errors["uscc"] = [N_("An SME user needs an existing enterprise.")]
    return found


def authenticate(session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def token_digest(raw: str) -> str:
    """The stored form of a raw bearer token (SHA-256 hex)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(session, user: User, *, ttl_hours: int) -> tuple[str, ApiToken]:
    """A new bearer token for `user`; only its hash is stored, the raw value returned once."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=token_digest(raw),
        expires_at=utcnow() + timedelta(hours=ttl_hours),
    )
    session.add(token)
    session.flush()
    return raw, token


def user_for_token(session, raw: str) -> User | None:
    """The active user a valid, unexpired, unrevoked token belongs to."""
    query = (
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(raw), ApiToken.revoked_at.is_(None))
        .where(ApiToken.expires_at > utcnow(), User.active.is_(True))
    )
    return session.execute(query).scalar_one_or_none()


def end_sessions(session, user: User) -> None:
    """Invalidate every web session of `user` (logout, password change, disable)."""
    user.session_generation += 1
    session.add(user)

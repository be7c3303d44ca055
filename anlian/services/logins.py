"""Login throttling, counted in the database so every worker and host agrees.

A username with MAX_FAILURES failed attempts within WINDOW is locked for LOCK (its password
is not even checked meanwhile, so guessing cannot go on); an address with MAX_IP_FAILURES
failures within WINDOW is refused outright (spraying many usernames).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from models import LoginAttempt, User

from . import audit, users

MAX_FAILURES = 5
MAX_IP_FAILURES = 50
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


@dataclass(frozen=True)
class LoginResult:
    """The user on success; otherwise why not (bad_credentials | locked | throttled)."""

    user: User | None
    refusal: str | None = None
    retry_after: int | None = None  # seconds


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _failures(session, column, value, since: datetime) -> int:
    query = select(func.count()).where(
        column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
    )
    return session.execute(query).scalar_one()


def attempt_login(
    session, scope, *, username: str, password: str, ip: str | None, now: datetime
) -> LoginResult:
    """Check credentials unless the account or the address is throttled; record the attempt."""
    if ip and _failures(session, LoginAttempt.ip, ip, now - WINDOW) >= MAX_IP_FAILURES:
        return LoginResult(None, "throttled", int(WINDOW.total_seconds()))
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    locked_until = as_utc(user.locked_until) if user else None
    if locked_until and locked_until > now:
        session.add(LoginAttempt(username=username, ip=ip, succeeded=False, at=now))
        return LoginResult(None, "locked", int((locked_until - now).total_seconds()) + 1)
    found = users.authenticate(session, username, password)
    session.add(LoginAttempt(username=username, ip=ip, succeeded=found is not None, at=now))
    if found is not None:
        return LoginResult(found)
    session.flush()
    if user and _failures(session, LoginAttempt.username, username, now - WINDOW) >= MAX_FAILURES:
        user.locked_until = now + LOCK
        audit.record(
            session,
            scope,
            action="lock",
            entity="user",
            entity_id=user.id,
            after={"locked_until": user.locked_until, "reason": "failed logins"},
        )
    return LoginResult(None, "bad_credentials")

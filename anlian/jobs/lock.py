"""The single-scheduler lock: one `scheduler_lock` row, held while its heartbeat is fresh.

A row rather than a PostgreSQL advisory lock so that SQLite behaves the same, and so that the
bureau can see who holds it. Expiry and takeover are decided in SQL (one clock: the
timestamps every process writes in UTC); the takeover is a conditional UPDATE on the holder
read, so of two processes racing for an expired lock exactly one wins.
"""

import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from models import SchedulerLock
from models.base import utcnow

from ..db import session_scope

NAME = "scheduler"


class LockHeld(Exception):
    """Another live scheduler holds the lock."""

    def __init__(self, holder: str, heartbeat_at):
        super().__init__(f"another scheduler ({holder}) holds the lock, heartbeat {heartbeat_at}")
        self.holder = holder


def worker_id() -> str:
    """host:pid:random, unique per scheduler process start."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def acquire(engine, holder: str, *, ttl: int, now: datetime | None = None) -> None:
    """Take the lock, or raise LockHeld while another holder's heartbeat is fresh."""
    now = now or utcnow()
    try:
        with session_scope(engine) as session:
            _take(session, holder, now=now, stale_before=now - timedelta(seconds=ttl))
    except IntegrityError:
        raise LockHeld("a scheduler starting at the same moment", now) from None


def _take(session, holder: str, *, now: datetime, stale_before: datetime) -> None:
    current = session.execute(
        select(
            SchedulerLock.holder,
            SchedulerLock.heartbeat_at,
            (SchedulerLock.heartbeat_at < stale_before).label("expired"),
        ).where(SchedulerLock.name == NAME)
    ).one_or_none()
    if current is None:
        session.add(SchedulerLock(name=NAME, holder=holder, acquired_at=now, heartbeat_at=now))
        session.flush()
        return
    if current.holder != holder and not current.expired and not _gone(current.holder, holder):
        raise LockHeld(current.holder, current.heartbeat_at)
    taken = session.execute(
        update(SchedulerLock)
        .where(SchedulerLock.name == NAME, SchedulerLock.holder == current.holder)
        .values(holder=holder, acquired_at=now, heartbeat_at=now)
    )
    if taken.rowcount != 1:
        raise LockHeld(current.holder, current.heartbeat_at)


def _gone(other: str, me: str) -> bool:
    """True when `other` was a process on this host that no longer runs (a crash or a kill):
    its lock need not be waited out."""
    host, _, rest = other.partition(":")
    pid = rest.partition(":")[0]
    if host != me.partition(":")[0] or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True  # an earlier start of this very process id (containers reuse pid 1)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def heartbeat(engine, holder: str, *, now: datetime | None = None) -> bool:
    """Refresh the heartbeat; False when the lock is no longer ours."""
    with session_scope(engine) as session:
        kept = session.execute(
            update(SchedulerLock)
            .where(SchedulerLock.name == NAME, SchedulerLock.holder == holder)
            .values(heartbeat_at=now or utcnow())
        )
    return kept.rowcount == 1


def release(engine, holder: str) -> None:
    """Give the lock up (only if still ours)."""
    with session_scope(engine) as session:
        session.execute(
            delete(SchedulerLock).where(SchedulerLock.name == NAME, SchedulerLock.holder == holder)
        )


def holder(session) -> str | None:
    """Who holds the lock now, if anyone."""
    return session.execute(
        select(SchedulerLock.holder).where(SchedulerLock.name == NAME)
    ).scalar_one_or_none()

"""JobRun bookkeeping: claiming an occurrence, finishing, failing, resuming, listing.

(job, scheduled_for) is unique among runs that are not `skipped` (index uq_job_run_occurrence),
so whichever scheduler inserts first owns an occurrence and any other records a skip. Times
are stored in UTC: SQLite keeps the wall-clock digits of whatever zone it is handed.
"""

import socket
import zlib
from datetime import UTC, datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from models import JobRun, User
from models.base import N_, utcnow

from .. import months
from ..errors import Invalid

MONTH_CLOSE = "month_close"
# One lock for all scheduled work: closes and refreshes rewrite the same snapshots.
_ADVISORY_KEY = zlib.crc32(b"anlian:jobs")


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime (SQLite hands timestamps back naive, in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def period_of(job: str, scheduled_for: datetime, zone) -> str:
    """The month a run works on: the month just ended for a close, else the running one."""
    month = months.of(scheduled_for.astimezone(zone).date())
    return months.shift(month, -1) if job == MONTH_CLOSE else month


def serialise(session) -> None:
    """Hold the jobs lock until this transaction ends (SQLite's BEGIN IMMEDIATE already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})


def claim(session, *, job: str, scheduled_for: datetime, period: str, worker: str):
    """A `running` row for this occurrence, or None (a `skipped` row is recorded instead)
    when another run already holds it."""
    when = as_utc(scheduled_for)
    run = JobRun(job=job, scheduled_for=when, period=period, worker=worker)
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        session.add(
            JobRun(
                job=job,
                scheduled_for=when,
                period=period,
                worker=worker,
                status="skipped",
                finished_at=utcnow(),
                error="another run holds this occurrence",
            )
        )
        session.flush()
        return None
    return run


def start_manual(session, scope, *, job: str, period: str) -> JobRun:
    """A run a user asked for; it is its own occurrence (scheduled now)."""
    run = JobRun(
        job=job,
        scheduled_for=utcnow(),
        period=period,
        worker=f"{socket.gethostname()}:web",
        triggered_by=scope.user_id,
    )
    session.add(run)
    session.flush()
    return run


def finish(session, run: JobRun, counts: dict) -> None:
    """Mark the run succeeded with its counts (in the work's own transaction)."""
    run.status, run.finished_at = "succeeded", utcnow()
    run.counts = {**(run.counts or {}), **counts}
    session.add(run)
    session.flush()


def fail(session, run_id: int, error: BaseException) -> None:
    """Mark the run failed with a one-line reason (the traceback goes to the log)."""
    reason = f"{type(error).__name__}: {error}".splitlines()[0][:500]
    session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(status="failed", finished_at=utcnow(), error=reason)
    )


def check_closable(month: str, *, current_month: str) -> None:
    """422 unless `month` is a well-formed month that has ended."""
    if not months.is_month(month):
        raise Invalid({"month": [N_("Must be a month written YYYY-MM.")]})
    if month >= current_month:
        raise Invalid({"month": [(N_("{month} has not ended yet."), {"month": month})]})


def interrupted(session, *, worker: str) -> list[int]:
    """Scheduled runs left `running` by another process (killed mid-run), oldest first."""
    query = (
        select(JobRun.id)
        .where(JobRun.status == "running", JobRun.triggered_by.is_(None))
        .where(JobRun.worker != worker)
        .order_by(JobRun.scheduled_for, JobRun.id)
    )
    return list(session.execute(query).scalars())


def resume(session, run_id: int, *, worker: str) -> JobRun | None:
    """Take over an interrupted run, once: a run interrupted twice is marked failed."""
    run = session.get(JobRun, run_id, with_for_update=True)
    if run is None or run.status != "running" or run.worker == worker:
        return None
    resumed = (run.counts or {}).get("resumed", 0)
    if resumed:
        run.status, run.finished_at = "failed", utcnow()
        run.error = "interrupted again after being resumed; not retried"
        session.flush()
        return None
    run.counts = {"resumed": resumed + 1, "interrupted_worker": run.worker}
    run.worker, run.started_at = worker, utcnow()
    session.flush()
    return run


def last_scheduled(session, job: str) -> datetime | None:
    """The latest occurrence of `job` the scheduler fired (any outcome)."""
    latest = session.execute(
        select(func.max(JobRun.scheduled_for)).where(
            JobRun.job == job, JobRun.triggered_by.is_(None)
        )
    ).scalar()
    return as_utc(latest) if latest else None


def last_success_start(session, job: str) -> datetime | None:
    """When the latest successful run of `job` started."""
    latest = session.execute(
        select(func.max(JobRun.started_at)).where(JobRun.job == job, JobRun.status == "succeeded")
    ).scalar()
    return as_utc(latest) if latest else None


def list_runs(session, *, job=None, status=None, page: int = 1, per_page: int = 50):
    """Runs newest first, with the username of whoever triggered a manual one."""
    query = select(JobRun, User.username).outerjoin(User, User.id == JobRun.triggered_by)
    if job:
        query = query.where(JobRun.job == job)
    if status:
        query = query.where(JobRun.status == status)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [item(run, username) for run, username in rows], total


def item(run: JobRun, username: str | None) -> dict:
    """A run as the API and the bureau page show it."""
    return {
        "id": run.id,
        "job": run.job,
        "scheduled_for": as_utc(run.scheduled_for),
        "period": run.period,
        "status": run.status,
        "started_at": as_utc(run.started_at),
        "finished_at": as_utc(run.finished_at) if run.finished_at else None,
        "counts": run.counts or {},
        "error": run.error,
        "worker": run.worker,
        "triggered_by": username,
    }

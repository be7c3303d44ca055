"""Start-up catch-up: runs killed mid-way are re-run, and occurrences missed while no
scheduler was running are run, each once.

The persistent job store alone cannot do this: a job re-added with replace_existing=True gets
its next run time recomputed from now, and a run killed mid-way is never retried. The
JobRun table knows both: `running` rows of a dead worker, and the last occurrence fired.
Every missed month close is run, oldest first (each closes its own month); of the other jobs,
which only bring the present up to date, only the latest missed occurrence.
"""

from datetime import datetime, timedelta

from models.base import utcnow

from ..db import session_scope
from ..services import job_runs
from .runner import execute, perform
from .settings import JOBS

EVERY_MISSED = frozenset({job_runs.MONTH_CLOSE})
MAX_OCCURRENCES = 20_000


def catch_up(app, *, worker: str, now: datetime | None = None) -> list[int]:
    """Resume interrupted runs, then run missed occurrences; the ids of the runs made."""
    now = now or utcnow()
    engine = app.extensions["anlian_engine"]
    with session_scope(engine) as session:
        resumed = [
            run.id
            for run_id in job_runs.interrupted(session, worker=worker)
            if (run := job_runs.resume(session, run_id, worker=worker)) is not None
        ]
    for run_id in resumed:
        perform(app, run_id)
    made = list(resumed)
    for job in JOBS:
        for occurrence in missed(app, job, now=now):
            made.append(execute(app, job, occurrence, worker=worker))
    return [run_id for run_id in made if run_id is not None]


def missed(app, job: str, *, now: datetime) -> list[datetime]:
    """Occurrences of `job` due since the last one fired (within catch_up_days), to run."""
    settings = app.extensions["scheduler_settings"]
    with session_scope(app.extensions["anlian_engine"], write=False) as session:
        last = job_runs.last_scheduled(session, job)
    start = now - timedelta(days=settings.catch_up_days)
    if last is not None and last > start:
        start = last
    times = occurrences(settings.trigger(job), after=start, until=now)
    return times if job in EVERY_MISSED else times[-1:]


def occurrences(trigger, *, after: datetime, until: datetime) -> list[datetime]:
    """The trigger's fire times in (after, until], oldest first."""
    times: list[datetime] = []
    when = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    while when is not None and when <= until and len(times) < MAX_OCCURRENCES:
        times.append(when)
        when = trigger.get_next_fire_time(when, when)
    return times

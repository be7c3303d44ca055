"""Running one occurrence of a job: claim it, do the work in one transaction, record it.

APScheduler only hands a job to its executor: a run killed mid-way is never retried by it.
So each occurrence is first claimed by a committed `running` JobRun row (a second scheduler
firing the same occurrence records `skipped`), then the work and the `succeeded` mark are
committed together: a kill leaves the previous state and a `running` row that the next
start-up resumes (catchup.py).
"""

import logging
from contextvars import ContextVar
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from flask import current_app

from models import JobRun

from .. import clock
from ..db import session_scope
from ..services import audit, job_runs, scheduled

log = logging.getLogger(__name__)
# Set by AppExecutor around each run: the occurrence APScheduler fired, and who fired it.
SCHEDULED_FOR: ContextVar[datetime] = ContextVar("scheduled_for")
WORKER: ContextVar[str] = ContextVar("worker")


def fire(job: str, scheduled_for: str | None = None) -> int | None:
    """APScheduler's entry point (module level: the job store keeps only its dotted path)."""
    when = datetime.fromisoformat(scheduled_for) if scheduled_for else SCHEDULED_FOR.get()
    return execute(current_app._get_current_object(), job, when, worker=WORKER.get())


def execute(app, job: str, scheduled_for: datetime, *, worker: str) -> int | None:
    """Run one occurrence unless another run holds it; the run's id, or None if skipped."""
    period = job_runs.period_of(job, scheduled_for, ZoneInfo(app.config["TIMEZONE"]))
    with session_scope(app.extensions["anlian_engine"]) as session:
        run = job_runs.claim(
            session, job=job, scheduled_for=scheduled_for, period=period, worker=worker
        )
        run_id = run.id if run is not None else None
    if run_id is None:
        log.info("%s at %s: another run holds it, skipped", job, scheduled_for)
        return None
    perform(app, run_id)
    return run_id


def perform(app, run_id: int) -> bool:
    """The work of a claimed run and its `succeeded` mark in one transaction; on failure the
    previous state stays and the run is marked failed."""
    engine = app.extensions["anlian_engine"]
    try:
        with session_scope(engine) as session:
            job_runs.serialise(session)
            run = session.get(JobRun, run_id)
            job_runs.finish(session, run, TASKS[run.job](session, app, run))
    except Exception as error:
        log.exception("job run %s failed", run_id)
        with session_scope(engine) as session:
            job_runs.fail(session, run_id, error)
        return False
    return True


def _day(app, run: JobRun):
    """The bureau's date of the occurrence: jobs work as of when they were due."""
    zone = ZoneInfo(app.config["TIMEZONE"])
    return job_runs.as_utc(run.scheduled_for).astimezone(zone).date()


def _month_close(session, app, run: JobRun) -> dict:
    config = app.extensions["scoring_config"]
    return scheduled.close_month(session, month=run.period, config=config, today=_day(app, run))


def _overdue_sweep(session, app, run: JobRun) -> dict:
    config = app.extensions["scoring_config"]
    return scheduled.sweep_overdue(session, config=config, today=_day(app, run))


def _provisional_refresh(session, app, run: JobRun) -> dict:
    since = job_runs.last_success_start(session, run.job)
    config = app.extensions["scoring_config"]
    return scheduled.refresh_changed(session, config=config, today=_day(app, run), since=since)


TASKS = {
    "month_close": _month_close,
    "overdue_sweep": _overdue_sweep,
    "provisional_refresh": _provisional_refresh,
}


def close_now(session, scope, *, month: str) -> JobRun:
    """A bureau user's month close, run at once in the request's unit of work and audited;
    a failure is recorded as a failed run before the error propagates (→ 500)."""
    job_runs.check_closable(month, current_month=clock.current_month())
    job_runs.serialise(session)
    run = job_runs.start_manual(session, scope, job=job_runs.MONTH_CLOSE, period=month)
    try:
        counts = scheduled.close_month(
            session,
            month=month,
            config=current_app.extensions["scoring_config"],
            today=clock.today(),
        )
        job_runs.finish(session, run, counts)
        audit.record(
            session,
            scope,
            action="run",
            entity="job_run",
            entity_id=run.id,
            after={"job": run.job, "month": month},
        )
        session.commit()
    except Exception as error:
        session.rollback()
        failed = job_runs.start_manual(session, scope, job=job_runs.MONTH_CLOSE, period=month)
        job_runs.fail(session, failed.id, error)
        session.commit()
        raise
    return run


class AppExecutor(ThreadPoolExecutor):
    """A thread pool that runs each job inside the app's context and tells it which
    occurrence it is running (APScheduler does not pass the scheduled time to the job)."""

    def __init__(self, app, worker: str, max_workers: int):
        super().__init__(max_workers)
        self.app, self.worker = app, worker

    def _do_submit_job(self, job, run_times):
        def callback(future):
            error = future.exception()
            if error is not None:
                self._run_job_error(job.id, error, error.__traceback__)
            else:
                self._run_job_success(job.id, future.result())

        future = self._pool.submit(
            _run_in_app,
            self.app,
            self.worker,
            job,
            job._jobstore_alias,
            run_times,
            self._logger.name,
        )
        future.add_done_callback(callback)


def _run_in_app(app, worker, job, jobstore_alias, run_times, logger_name) -> list:
    """APScheduler's own run_job, one occurrence at a time, inside an app context."""
    events = []
    with app.app_context():
        for run_time in run_times:
            tokens = SCHEDULED_FOR.set(run_time), WORKER.set(worker)
            try:
                events += run_job(job, jobstore_alias, [run_time], logger_name)
            finally:
                SCHEDULED_FOR.reset(tokens[0])
                WORKER.reset(tokens[1])
    return events

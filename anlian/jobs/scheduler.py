"""The scheduler process: APScheduler 3 with the schedule in a SQLAlchemy job store on the
application database, guarded by the single-scheduler lock.

Scheduled jobs live in the `default` store (table apscheduler_jobs) under stable ids, re-added
with replace_existing=True at every start; housekeeping (heartbeat, webhook deliveries,
start-up catch-up) lives in a `local` memory store, since it belongs to this process only.
"""

import logging
import signal
import threading

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app

from ..db import make_engine
from . import catchup, delivery, lock
from .runner import WORKER, AppExecutor, fire
from .settings import JOBS

log = logging.getLogger(__name__)
JOBSTORE_TABLE = "apscheduler_jobs"


def build(app, worker: str, jobstore, *, scheduler_cls=BlockingScheduler):
    """A scheduler (not started) with every job of the schedule and the housekeeping;
    `jobstore` keeps the schedule (serve() gives it the database)."""
    settings = app.extensions["scheduler_settings"]
    scheduler = scheduler_cls(
        timezone=settings.zone,
        jobstores={"default": jobstore, "local": MemoryJobStore()},
        executors={"default": AppExecutor(app, worker, settings.max_workers)},
        job_defaults={
            "misfire_grace_time": settings.misfire_grace_seconds,
            "coalesce": settings.coalesce,
            "max_instances": 1,
        },
    )
    for job in JOBS:
        scheduler.add_job(
            fire, settings.trigger(job), args=[job], id=job, name=job, replace_existing=True
        )
    scheduler.add_job(
        heartbeat, "interval", seconds=settings.heartbeat_seconds, id="heartbeat", jobstore="local"
    )
    scheduler.add_job(
        deliver_webhooks,
        "interval",
        seconds=settings.webhook_poll_seconds,
        id="webhooks",
        jobstore="local",
    )
    scheduler.add_job(start_up, "date", id="catch_up", jobstore="local", misfire_grace_time=None)
    return scheduler


def serve(app) -> None:
    """Take the lock (or raise lock.LockHeld), run until stopped, give the lock back."""
    settings, engine = app.extensions["scheduler_settings"], app.extensions["anlian_engine"]
    worker = lock.worker_id()
    lock.acquire(engine, worker, ttl=settings.lock_ttl_seconds)
    # The store gets an engine of its own; disposed again below, since a shutdown from
    # another thread can race one last look for due jobs past the store's own dispose.
    store_engine = make_engine(app.config["DATABASE_URL"])
    try:
        store = SQLAlchemyJobStore(engine=store_engine, tablename=JOBSTORE_TABLE)
        scheduler = app.extensions["anlian_scheduler"] = build(app, worker, store)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _stop)
        log.info("scheduler %s started", worker)
        _run(scheduler)
    finally:
        app.extensions.pop("anlian_scheduler", None)
        store_engine.dispose()
        lock.release(engine, worker)
        log.info("scheduler %s stopped", worker)


def _run(scheduler) -> None:
    """Block until shut down, Ctrl-C or SIGTERM; running jobs finish (each is one
    transaction, so waiting is safe and quick to reason about)."""
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)


def _stop(_signum, _frame):
    raise SystemExit(0)


def start_up() -> None:
    """Catch up on interrupted and missed runs once, in the pool, beside the heartbeat."""
    app = current_app._get_current_object()
    made = catchup.catch_up(app, worker=WORKER.get())
    log.info("start-up catch-up: %d run(s)", len(made))


def heartbeat() -> None:
    """Keep the lock fresh; stop the scheduler if another process has taken it over."""
    app = current_app._get_current_object()
    if not lock.heartbeat(app.extensions["anlian_engine"], WORKER.get()):
        log.error("scheduler lock lost to another process; stopping")
        scheduler = app.extensions.get("anlian_scheduler")
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)


def deliver_webhooks() -> None:
    """Send the webhook events that are due (new ones and retries)."""
    app = current_app._get_current_object()
    delivery.deliver_due(app)

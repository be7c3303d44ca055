"""The scheduler process: its lock, its job store, start-up catch-up, and a close killed
mid-run (in a subprocess) that the next start completes.

These tests write the APScheduler table or kill a process, so each gets a database of its
own: a copy of the migrated template on SQLite, a scratch database on PostgreSQL.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, inspect, make_url, select, text

from anlian import create_app, migrate
from anlian.db import open_session
from anlian.jobs import catchup, lock
from anlian.jobs import scheduler as job_scheduler
from anlian.jobs.settings import JOBS
from models import JobRun, SchedulerLock, ScoreSnapshot
from tests.conftest import PG_URL, Factory, _truncate_all

ROOT = Path(__file__).resolve().parents[1]
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Sweep and refresh on 29 February only: these tests watch the month close alone.
RARELY = {"overdue_sweep": "0 3 29 2 *", "provisional_refresh": "0 4 29 2 *"}

CHILD = """
import sys, time
from datetime import datetime
from anlian import create_app
from anlian.jobs import runner
from anlian.services import month_close

url, marker, due = sys.argv[1:]

def stall(session, *, month, config):
    # The snapshots are written (flushed, not committed): say so, then wait for the kill.
    session.flush()
    open(marker, "w").close()
    time.sleep(120)

month_close.STEPS = (*month_close.STEPS, stall)
app = create_app({"DATABASE_URL": url, "SECRET_KEY": "k"})
runner.execute(app, "month_close", datetime.fromisoformat(due), worker="victim:1:k")
print("finished")
"""


@pytest.fixture(scope="module")
def scratch_pg(database):
    """A migrated scratch PostgreSQL database for this module, dropped afterwards."""
    if database["backend"] != "postgresql":
        yield None
        return
    name = f"anlian_jobs_{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def own_app(database, scratch_pg, tmp_path):
    """The app on a database of its own, with a quick heartbeat and a rare sweep/refresh."""
    if scratch_pg is None:
        shutil.copy(database["template"], tmp_path / "own.db")
    url = scratch_pg or f"sqlite:///{tmp_path / 'own.db'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SCHEDULER": {"heartbeat_seconds": 1, "cron": RARELY},
        }
    )
    yield app
    engine = app.extensions["anlian_engine"]
    if scratch_pg is not None:
        _truncate_all(engine)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
    engine.dispose()


@pytest.fixture
def own_db(own_app):
    session = open_session(own_app.extensions["anlian_engine"], write=True)
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def firms(own_db):
    """Four enterprises, one chain: enough for a close to have something to score."""
    make = Factory(own_db)
    chain = make.chain()
    for _ in range(3):
        make.membership(chain, make.enterprise())
    return 4


def closed_runs(session, job="month_close") -> list[JobRun]:
    session.commit()
    session.expire_all()  # the sessions keep objects across commits (expire_on_commit=False)
    return list(
        session.execute(
            select(JobRun).where(JobRun.job == job).order_by(JobRun.scheduled_for)
        ).scalars()
    )


def count_snapshots(session, month: str) -> int:
    session.commit()
    return session.execute(
        select(func.count())
        .select_from(ScoreSnapshot)
        .where(ScoreSnapshot.month == month, ScoreSnapshot.kind == "closed")
    ).scalar_one()


def test_a_close_killed_mid_run_leaves_nothing_and_the_restart_completes_it(
    own_app, own_db, firms, tmp_path
):
    marker, due = tmp_path / "writing", datetime(2025, 7, 1, 2, tzinfo=SHANGHAI)
    url = own_app.config["DATABASE_URL"]
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(marker), due.isoformat()],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the close never started writing"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == -signal.SIGKILL and b"finished" not in out
    (run,) = closed_runs(own_db)
    assert run.status == "running" and run.worker == "victim:1:k"
    assert count_snapshots(own_db, "2025-06") == 0  # one transaction: nothing half-written
    catchup.catch_up(own_app, worker="restarted:1:k", now=due + timedelta(minutes=10))
    (run,) = closed_runs(own_db)
    assert run.status == "succeeded" and run.counts["resumed"] == 1
    assert count_snapshots(own_db, "2025-06") == firms


def test_the_scheduler_process_keeps_the_schedule_in_the_database_and_catches_up_once(
    own_app, own_db, firms
):
    engine = own_app.extensions["anlian_engine"]
    now = datetime.now(SHANGHAI)
    expected = len(catchup.missed(own_app, "month_close", now=now))  # 1-3 by the calendar
    first = serve_until_caught_up(own_app, own_db, expected=expected)
    months_closed = [run.period for run in first]
    assert len(months_closed) == expected and months_closed[-1] < f"{now:%Y-%m}"
    assert all(count_snapshots(own_db, month) == firms for month in months_closed)
    stored = own_db.execute(text("SELECT id FROM apscheduler_jobs ORDER BY id")).scalars()
    assert list(stored) == sorted(JOBS)
    assert "apscheduler_jobs" in inspect(engine).get_table_names()
    assert lock.holder(own_db) is None  # given back on the way out
    again = serve_until_caught_up(own_app, own_db, expected=expected)
    assert [run.id for run in again] == [run.id for run in first]  # caught up once only


def serve_until_caught_up(app, session, *, expected: int) -> list[JobRun]:
    """Run the real (blocking) scheduler in a thread until `expected` closes are done."""
    thread = threading.Thread(target=job_scheduler.serve, args=(app,))
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not _settled(session, app, expected):
            assert thread.is_alive() and time.monotonic() < deadline, closed_runs(session)
            time.sleep(0.1)
        beat = session.execute(select(SchedulerLock.heartbeat_at)).scalar_one()
        time.sleep(1.5)
        session.commit()
        assert session.execute(select(SchedulerLock.heartbeat_at)).scalar_one() > beat
    finally:
        while thread.is_alive() and "anlian_scheduler" not in app.extensions:
            time.sleep(0.05)
        if thread.is_alive():
            app.extensions["anlian_scheduler"].shutdown(wait=True)
        thread.join(timeout=30)
    assert not thread.is_alive()
    return closed_runs(session)


def _settled(session, app, expected: int) -> bool:
    done = [run for run in closed_runs(session) if run.status == "succeeded"]
    return len(done) >= expected and lock.holder(session) is not None


def test_a_second_scheduler_refuses_to_start_while_the_lock_is_held(app, db, runner):
    db.add(SchedulerLock(name="scheduler", holder="elsewhere:4242:abcd"))
    db.commit()
    result = runner.invoke(args=["scheduler"])
    assert result.exit_code == 1
    assert "not starting" in result.output and "elsewhere:4242:abcd" in result.output
    assert "Traceback" not in result.output
    assert db.execute(select(func.count()).select_from(JobRun)).scalar_one() == 0


def test_the_lock_expires_and_is_taken_over_by_one_process(app, db):
    db.commit()  # the fixture's session holds SQLite's write lock until then
    engine = app.extensions["anlian_engine"]
    start = datetime.now(UTC)
    lock.acquire(engine, "a:1:x", ttl=60, now=start)
    with pytest.raises(lock.LockHeld):
        lock.acquire(engine, "b:2:y", ttl=60, now=start + timedelta(seconds=30))
    assert lock.heartbeat(engine, "a:1:x", now=start + timedelta(seconds=50))
    with pytest.raises(lock.LockHeld):
        lock.acquire(engine, "b:2:y", ttl=60, now=start + timedelta(seconds=100))
    lock.acquire(engine, "b:2:y", ttl=60, now=start + timedelta(seconds=200))
    assert not lock.heartbeat(engine, "a:1:x")  # a learns it lost the lock and stops
    lock.release(engine, "a:1:x")  # not a's to release
    assert lock.holder(db) == "b:2:y"


def test_a_dead_process_on_this_host_does_not_hold_the_lock(app, db):
    db.commit()
    engine = app.extensions["anlian_engine"]
    gone = subprocess.Popen(["true"])
    gone.wait()
    mine = lock.worker_id()
    host = mine.split(":")[0]
    lock.acquire(engine, f"{host}:{gone.pid}:dead", ttl=300)
    lock.acquire(engine, mine, ttl=300)
    assert lock.holder(db) == mine

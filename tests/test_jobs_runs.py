"""Scheduled runs: exactly once per occurrence, recorded, caught up once, dated right."""

import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import func, select

from anlian import months
from anlian.jobs import catchup, scheduler
from anlian.jobs import runner as job_runner
from anlian.services import month_close
from models import Accident, Hazard, JobRun, ScoreSnapshot, WorkHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRMS = ("x", "y", "both", "outsider", "leader_a", "leader_b")


def give_hours(db, world, last_month: str, count: int = 14) -> None:
    """Hours for every enterprise of the world in the `count` months up to `last_month`."""
    for key in FIRMS:
        firm = world[key]
        for month in months.window(last_month, count):
            db.add(WorkHours(enterprise_id=firm.id, month=month, hours=firm.headcount * 174.0))
    db.commit()


def fatal(db, firm, day: date, ref: str = "F1") -> None:
    db.add(
        Accident(
            enterprise_id=firm.id,
            source_ref=ref,
            occurred_on=day,
            month=months.of(day),
            severity="fatal",
            deaths=1,
        )
    )
    db.commit()


def runs(db, job: str | None = None) -> list[JobRun]:
    db.commit()  # a fresh read: SQLite's WAL shows a transaction one snapshot throughout
    db.expire_all()  # and the session keeps objects across commits (expire_on_commit=False)
    query = select(JobRun).order_by(JobRun.scheduled_for, JobRun.id)
    if job:
        query = query.where(JobRun.job == job)
    return list(db.execute(query).scalars())


def snapshots(db, month: str, kind: str = "closed") -> int:
    db.commit()
    return db.execute(
        select(func.count())
        .select_from(ScoreSnapshot)
        .where(ScoreSnapshot.month == month, ScoreSnapshot.kind == kind)
    ).scalar_one()


def test_two_schedulers_firing_the_same_close_leave_one_run_and_one_skip(app, world, db):
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    pair = [
        scheduler.build(app, f"host-{n}:1:t", MemoryJobStore(), scheduler_cls=BackgroundScheduler)
        for n in (1, 2)
    ]
    for each in pair:
        each.add_job(
            job_runner.fire,
            DateTrigger(run_date=due),
            args=["month_close"],
            id="month_close",
            replace_existing=True,
        )
        for other in ("overdue_sweep", "provisional_refresh", "heartbeat", "webhooks", "catch_up"):
            each.remove_job(other)
    try:
        for each in pair:
            each.start()
        deadline = time.monotonic() + 30
        while len([r for r in runs(db) if r.status != "running"]) < 2:
            assert time.monotonic() < deadline, runs(db)
            time.sleep(0.1)
    finally:
        for each in pair:
            each.shutdown(wait=True)
    done = runs(db, "month_close")
    assert sorted(r.status for r in done) == ["skipped", "succeeded"]
    assert {r.worker for r in done} == {"host-1:1:t", "host-2:1:t"}
    month = months.shift(months.of(due.astimezone(SHANGHAI).date()), -1)
    assert {r.period for r in done} == {month}
    assert snapshots(db, month) == len(FIRMS)


def test_two_threads_racing_for_one_occurrence(app, world, db):
    due = datetime(2025, 7, 1, 2, 0, tzinfo=SHANGHAI)
    results = []

    def fire(worker):
        results.append(job_runner.execute(app, "month_close", due, worker=worker))

    threads = [threading.Thread(target=fire, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(None) == 1 and len(results) == 2
    assert sorted(r.status for r in runs(db)) == ["skipped", "succeeded"]
    assert snapshots(db, "2025-06") == len(FIRMS)


def test_start_up_catches_up_every_missed_close_once(app, world, db):
    give_hours(db, world, "2025-06")
    now = datetime(2025, 7, 3, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    made = catchup.catch_up(app, worker="w1", now=now)
    closes = runs(db, "month_close")
    assert [r.period for r in closes] == ["2025-05", "2025-06"]
    assert [r.scheduled_for.replace(tzinfo=UTC) for r in closes] == [
        datetime(2025, 6, 1, 2, tzinfo=SHANGHAI),
        datetime(2025, 7, 1, 2, tzinfo=SHANGHAI),
    ]
    assert all(r.status == "succeeded" for r in runs(db)) and len(made) == 4
    # Only the latest sweep and refresh: they bring the present up to date.
    assert [r.scheduled_for.replace(tzinfo=UTC) for r in runs(db, "overdue_sweep")] == [
        datetime(2025, 7, 3, 0, 10, tzinfo=SHANGHAI)
    ]
    assert snapshots(db, "2025-05") == snapshots(db, "2025-06") == len(FIRMS)
    assert catchup.catch_up(app, worker="w2", now=now) == []
    later = catchup.catch_up(app, worker="w3", now=now + timedelta(days=1))
    assert len(later) == 2 and len(runs(db, "month_close")) == 2


def test_a_failed_close_keeps_the_previous_state_and_says_why(app, world, db, monkeypatch):
    def broken(session, *, month, config):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(month_close, "STEPS", (*month_close.STEPS, broken))
    run_id = job_runner.execute(
        app, "month_close", datetime(2025, 7, 1, 2, tzinfo=SHANGHAI), worker="w"
    )
    (run,) = runs(db)
    assert run.id == run_id and run.status == "failed" and "disk on fire" in run.error
    assert snapshots(db, "2025-06") == 0


def test_an_interrupted_run_is_resumed_once_only(app, world, db):
    due = datetime(2025, 7, 1, 2, tzinfo=SHANGHAI)
    db.add(
        JobRun(
            job="month_close",
            scheduled_for=due.astimezone(UTC),
            period="2025-06",
            worker="dead:1:x",
        )
    )
    db.commit()
    assert catchup.catch_up(app, worker="w1", now=due + timedelta(minutes=5))
    (close,) = runs(db, "month_close")
    assert close.status == "succeeded" and close.counts["resumed"] == 1
    assert close.counts["interrupted_worker"] == "dead:1:x"
    assert snapshots(db, "2025-06") == len(FIRMS)
    again = JobRun(
        job="month_close",
        scheduled_for=datetime(2025, 8, 1, tzinfo=UTC),
        period="2025-07",
        worker="dead:2:y",
        counts={"resumed": 1},
    )
    db.add(again)
    db.commit()
    catchup.catch_up(app, worker="w2", now=datetime(2025, 8, 1, 1, tzinfo=UTC))
    db.refresh(again)
    assert again.status == "failed" and "not retried" in again.error


def test_overdue_sweep_marks_exactly_the_hazards_past_their_deadline(app, world, db):
    x, y, both = world["x"], world["y"], world["both"]
    rows = {
        "yesterday": (x, date(2025, 7, 9), None, None),
        "today": (x, date(2025, 7, 10), None, None),
        "tomorrow": (x, date(2025, 7, 11), None, None),
        "rectified": (x, date(2025, 7, 1), date(2025, 7, 5), None),
        "no_deadline": (both, None, None, None),
        "marked_before": (both, date(2025, 7, 1), None, date(2025, 7, 2)),
        "major_y": (y, date(2025, 6, 30), None, None),
    }
    for ref, (firm, deadline, rectified, marked) in rows.items():
        db.add(
            Hazard(
                enterprise_id=firm.id,
                source_ref=ref,
                found_on=date(2025, 6, 1),
                month="2025-06",
                level="major" if ref == "major_y" else "general",
                deadline=deadline,
                rectified_on=rectified,
                overdue_marked_on=marked,
            )
        )
    db.commit()
    stamp = db.execute(select(Hazard.updated_at).where(Hazard.source_ref == "yesterday")).scalar()
    # 00:10 on the 10th in Shanghai is still the 9th in UTC: the job must date it the 10th.
    job_runner.execute(
        app, "overdue_sweep", datetime(2025, 7, 10, 0, 10, tzinfo=SHANGHAI), worker="w"
    )
    db.commit()
    marked = dict(db.execute(select(Hazard.source_ref, Hazard.overdue_marked_on)).all())
    assert marked == {
        "yesterday": date(2025, 7, 10),
        "today": None,
        "tomorrow": None,
        "rectified": None,
        "no_deadline": None,
        "marked_before": date(2025, 7, 2),
        "major_y": date(2025, 7, 10),
    }
    (run,) = runs(db)
    assert run.status == "succeeded" and run.period == "2025-07"
    assert run.counts["hazards_marked"] == 2 and run.counts["refreshed"] == 2
    provisional = set(
        db.execute(
            select(ScoreSnapshot.enterprise_id).where(
                ScoreSnapshot.kind == "provisional", ScoreSnapshot.month == "2025-07"
            )
        ).scalars()
    )
    assert provisional == {x.id, y.id}
    assert (
        db.execute(select(Hazard.updated_at).where(Hazard.source_ref == "yesterday")).scalar()
        == stamp
    )


def test_provisional_refresh_rescores_only_what_changed(app, world, db):
    give_hours(db, world, "2025-06")
    hour = datetime(2025, 7, 10, 10, 25, tzinfo=SHANGHAI)
    first = job_runner.execute(app, "provisional_refresh", hour, worker="w")
    assert db.get(JobRun, first).counts["refreshed"] == len(FIRMS)
    fatal(db, world["y"], date(2025, 7, 8))
    job_runner.execute(app, "provisional_refresh", hour + timedelta(hours=1), worker="w")
    job_runner.execute(app, "provisional_refresh", hour + timedelta(hours=2), worker="w")
    counts = [r.counts for r in runs(db, "provisional_refresh")]
    assert [c["refreshed"] for c in counts] == [len(FIRMS), 1, 0]
    assert counts[1]["alerts"] == 1  # y fell to D under the death veto
    grade = db.execute(
        select(ScoreSnapshot.grade).where(
            ScoreSnapshot.enterprise_id == world["y"].id, ScoreSnapshot.kind == "provisional"
        )
    ).scalar_one()
    assert grade == "D"


def test_the_app_never_starts_a_scheduler(app, runner):
    assert "anlian_scheduler" not in app.extensions
    assert not [t for t in threading.enumerate() if "APScheduler" in t.name]
    assert "scheduler" in runner.invoke(args=["--help"]).output


def test_the_turn_of_the_month_does_not_repeat_a_refresh_alert(app, world, db):
    give_hours(db, world, "2025-07")
    july = datetime(2025, 7, 20, 9, 25, tzinfo=SHANGHAI)
    job_runner.execute(app, "provisional_refresh", july, worker="w")
    fatal(db, world["y"], date(2025, 7, 21))
    job_runner.execute(app, "provisional_refresh", july + timedelta(days=1), worker="w")
    # 00:25 on 1 August: August's first, full refresh; y is still D, as in its July one.
    job_runner.execute(
        app, "provisional_refresh", datetime(2025, 8, 1, 0, 25, tzinfo=SHANGHAI), worker="w"
    )
    counts = [r.counts for r in runs(db, "provisional_refresh")]
    assert [c["refreshed"] for c in counts] == [len(FIRMS), 1, len(FIRMS)]
    assert [c["alerts"] for c in counts] == [0, 1, 0]

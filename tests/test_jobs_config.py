"""The [SCHEDULER] table: defaults, overrides, and one clear line for every mistake."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from anlian import create_app
from anlian.config import ConfigError
from anlian.jobs import catchup, settings


def test_the_shipped_schedule():
    shipped = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k"})
    schedule = shipped.extensions["scheduler_settings"]
    assert schedule.timezone == "Asia/Shanghai" and schedule.coalesce is True
    assert set(schedule.cron) == set(settings.JOBS)
    close = schedule.trigger("month_close")
    after = datetime(2025, 6, 15, tzinfo=ZoneInfo("UTC"))
    # 02:00 on the 1st in Shanghai, not in the machine's zone (UTC here).
    assert close.get_next_fire_time(None, after) == datetime(
        2025, 7, 1, 2, tzinfo=ZoneInfo("Asia/Shanghai")
    )


def test_overrides_keep_the_other_defaults():
    schedule = settings.from_mapping({"catch_up_days": 5, "cron": {"overdue_sweep": "0 1 * * *"}})
    assert schedule.catch_up_days == 5 and schedule.cron["month_close"] == "0 2 1 * *"
    assert schedule.cron["overdue_sweep"] == "0 1 * * *"


@pytest.mark.parametrize(
    "table, named",
    [
        ({"interval": 3}, "SCHEDULER.interval"),
        ({"coalesce": "yes"}, "SCHEDULER.coalesce"),
        ({"misfire_grace_seconds": True}, "SCHEDULER.misfire_grace_seconds"),
        ({"lock_ttl_seconds": 0}, "SCHEDULER.lock_ttl_seconds"),
        ({"timezone": "Mars/Olympus"}, "SCHEDULER.timezone"),
        ({"cron": {"month_close": "0 2 32 * *"}}, "SCHEDULER.cron.month_close"),
        ({"cron": {"month_close": "monthly"}}, "SCHEDULER.cron.month_close"),
        ({"cron": {"backup": "0 3 * * *"}}, "SCHEDULER.cron.backup"),
        ({"cron": {"overdue_sweep": 5}}, "SCHEDULER.cron.overdue_sweep"),
    ],
)
def test_a_mistake_is_one_line_naming_the_key(table, named):
    with pytest.raises(ConfigError) as problem:
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "SCHEDULER": table})
    assert named in str(problem.value) and "\n" not in str(problem.value)


def test_the_environment_can_move_a_job(monkeypatch):
    monkeypatch.setenv("ANLIAN_SCHEDULER__CRON__PROVISIONAL_REFRESH", "*/15 * * * *")
    moved = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k"})
    assert moved.extensions["scheduler_settings"].cron["provisional_refresh"] == "*/15 * * * *"


def test_occurrences_are_listed_in_order_and_bounded():
    trigger = settings.SchedulerSettings().trigger("provisional_refresh")
    start = datetime(2025, 7, 1, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    hours = catchup.occurrences(trigger, after=start, until=start.replace(hour=3))
    assert [t.hour for t in hours] == [0, 1, 2] and all(t.minute == 25 for t in hours)
    assert catchup.occurrences(trigger, after=hours[0], until=hours[0]) == []

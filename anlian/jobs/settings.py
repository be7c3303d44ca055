"""The [SCHEDULER] table of config.toml, checked once at start-up (anlian/config.py checks only
the top-level keys): an unknown key or a bad value is one ConfigError line naming it."""

from dataclasses import dataclass, field, fields
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from ..config import ConfigError

# Stable job ids: they are the APScheduler job ids and JobRun.job.
JOBS = ("month_close", "overdue_sweep", "provisional_refresh")


@dataclass(frozen=True)
class SchedulerSettings:
    """What the scheduler process and the webhook sender need, with their defaults."""

    timezone: str = "Asia/Shanghai"
    misfire_grace_seconds: int = 3600
    coalesce: bool = True
    catch_up_days: int = 62
    lock_ttl_seconds: int = 300
    heartbeat_seconds: int = 30
    max_workers: int = 4
    webhook_timeout_seconds: int = 10
    webhook_max_attempts: int = 6
    webhook_backoff_seconds: int = 60
    webhook_poll_seconds: int = 60
    cron: dict = field(
        default_factory=lambda: {
            "month_close": "0 2 1 * *",
            "overdue_sweep": "10 0 * * *",
            "provisional_refresh": "25 * * * *",
        }
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def trigger(self, job: str) -> CronTrigger:
        """The job's cron trigger, in the scheduler's zone (never the machine's)."""
        return CronTrigger.from_crontab(self.cron[job], timezone=self.zone)


def from_mapping(table: dict) -> SchedulerSettings:
    """Settings from the [SCHEDULER] table; raises ConfigError naming the offending key."""
    known = {f.name: f for f in fields(SchedulerSettings)}
    defaults = SchedulerSettings()
    values = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"unknown setting SCHEDULER.{key}")
        values[key] = _checked(key, value, getattr(defaults, key))
    settings = SchedulerSettings(**(values | {"cron": defaults.cron | values.get("cron", {})}))
    _check_zone(settings.timezone)
    for job in JOBS:
        try:
            settings.trigger(job)
        except ValueError as problem:
            raise ConfigError(f"setting SCHEDULER.cron.{job}: {problem}") from None
    return settings


def _checked(key: str, value, default):
    """`value` if it has the default's type (and is positive for numbers)."""
    if isinstance(default, bool) or isinstance(value, bool):
        if type(value) is not type(default):
            raise ConfigError(f"setting SCHEDULER.{key} must be {type(default).__name__}")
        return value
    if not isinstance(value, type(default)):
        raise ConfigError(f"setting SCHEDULER.{key} must be {type(default).__name__}")
    if isinstance(value, int) and value < 1:
        raise ConfigError(f"setting SCHEDULER.{key} must be at least 1")
    if isinstance(value, dict):
        for job, expr in value.items():
            if job not in JOBS:
                raise ConfigError(f"unknown setting SCHEDULER.{key}.{job}")
            if not isinstance(expr, str):
                raise ConfigError(f"setting SCHEDULER.{key}.{job} must be a crontab string")
    return value


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise ConfigError(f"setting SCHEDULER.timezone: unknown time zone {name!r}") from None

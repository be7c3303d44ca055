"""Scheduled work: month close, overdue sweep, provisional refresh, webhook deliveries.

The schedule is data ([SCHEDULER] in config.toml). Jobs run only in the scheduler process
(`flask --app app scheduler`, see docs/scheduler.md); creating the app never starts one.
"""

from . import settings


def init_app(app) -> None:
    """Validate [SCHEDULER] at start-up; nothing is started here."""
    app.extensions["scheduler_settings"] = settings.from_mapping(app.config["SCHEDULER"])

"""The one place that reads the clock, in the bureau's time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def today() -> date:
    """Today's date where the bureau is (Asia/Shanghai by default)."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def month_before(month: str) -> str:
    """The `YYYY-MM` month before `month`."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def current_month() -> str:
    """This month, `YYYY-MM`."""
    day = today()
    return f"{day.year:04d}-{day.month:02d}"


def last_closed_month() -> str:
    """The latest month that has ended: the default `as_of` of scores."""
    return month_before(current_month())

"""The one place that reads the clock, in the bureau's time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from . import months


def today() -> date:
    """Today's date where the bureau is (Asia/Shanghai by default)."""
    return now().date()


def now() -> datetime:
    """The current time where the bureau is."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"]))


def current_month() -> str:
    """This month, `YYYY-MM`."""
    return months.of(today())


def last_closed_month() -> str:
    """The latest month that has ended: the default `as_of` of scores."""
    return months.shift(current_month(), -1)

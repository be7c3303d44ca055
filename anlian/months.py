"""`YYYY-MM` month arithmetic: the platform's unit of time for scores and trends."""

import calendar
import re
from datetime import date

from models.base import month_of as of  # noqa: F401  (the one definition, re-exported)

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def is_month(text: str) -> bool:
    """True for a well-formed `YYYY-MM`."""
    return isinstance(text, str) and bool(MONTH_PATTERN.match(text))


def index(month: str) -> int:
    """Months since year 0: makes differences and shifts plain integer arithmetic."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def from_index(value: int) -> str:
    return f"{value // 12:04d}-{value % 12 + 1:02d}"


def shift(month: str, months: int) -> str:
    """The month `months` after (or before, if negative) `month`."""
    return from_index(index(month) + months)


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def last_day(month: str) -> date:
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, calendar.monthrange(year, number)[1])


def window(as_of: str, size: int) -> list[str]:
    """The `size` months ending with `as_of`, newest first (the engine's column order)."""
    return [shift(as_of, -k) for k in range(size)]


def span(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, oldest first."""
    return [from_index(i) for i in range(index(first), index(last) + 1)]

"""The demo's 36-month time axis, with dates as proleptic ordinals for vectorised arithmetic."""

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

MONTHS = 36
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class DemoError(Exception):
    """The demo data set cannot be generated (bad arguments or a non-empty database)."""


@dataclass(frozen=True)
class Calendar:
    """The months with data: labels `YYYY-MM`, first-day ordinals, lengths and month numbers."""

    labels: tuple[str, ...]
    start: np.ndarray
    days: np.ndarray
    month_no: np.ndarray

    @property
    def first_day(self) -> int:
        """Ordinal of the first day with data."""
        return int(self.start[0])

    @property
    def last_day(self) -> int:
        """Ordinal of end_month's last day: nothing is dated after it."""
        return int(self.start[-1] + self.days[-1] - 1)

    def month_index(self, ordinal: int) -> int:
        """Index of the month that holds `ordinal`."""
        return int(np.searchsorted(self.start, ordinal, side="right") - 1)


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) of a `YYYY-MM` string, or DemoError."""
    match = _MONTH.match(text or "")
    if not match:
        raise DemoError(f"end_month must be YYYY-MM, not {text!r}")
    return int(match.group(1)), int(match.group(2))


def default_end_month(today: date) -> str:
    """The last closed month: the month before `today`'s."""
    index = today.year * 12 + today.month - 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def make_calendar(end_month: str) -> Calendar:
    """The MONTHS months ending with `end_month`."""
    year, month = parse_month(end_month)
    index = year * 12 + month - 1 - np.arange(MONTHS - 1, -1, -1)
    years, numbers = index // 12, index % 12 + 1
    start = [date(int(y), int(m), 1).toordinal() for y, m in zip(years, numbers, strict=True)]
    after = index + 1
    ends = [date(int(i // 12), int(i % 12 + 1), 1).toordinal() for i in after]
    labels = tuple(f"{int(y):04d}-{int(m):02d}" for y, m in zip(years, numbers, strict=True))
    start_arr = np.array(start, dtype=np.int64)
    return Calendar(labels, start_arr, np.array(ends) - start_arr, numbers.astype(np.int64))


def expand(rng, counts: np.ndarray, cal: Calendar):
    """Events from an enterprise × month count matrix: enterprise, month and day ordinal."""
    ent, mon = np.nonzero(counts)
    reps = counts[ent, mon]
    ent, mon = np.repeat(ent, reps), np.repeat(mon, reps)
    return ent, mon, cal.start[mon] + rng.integers(0, cal.days[mon])


class Dates:
    """A cache from ordinal to `date` over the span the demo uses (fast row building)."""

    def __init__(self, cal: Calendar, margin: int = 400):
        self.base = cal.first_day - margin
        self.cache = [date.fromordinal(o) for o in range(self.base, cal.last_day + margin)]

    def __call__(self, ordinal: int) -> date:
        """The date of `ordinal`."""
        offset = ordinal - self.base
        if 0 <= offset < len(self.cache):
            return self.cache[offset]
        return date.fromordinal(ordinal)

"""The funnel plot: each enterprise's injury rate over the period against its hours worked,
judged against Poisson limits around its own industry's rate, so a small firm with one
accident is not mistaken for an outlier and a large one cannot hide in a league table."""

from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select, true

from models import Enterprise, EnterpriseTotals
from scoring.stats import funnel_flags, funnel_limits, poisson_limit

from ..scope import Scope, enterprise_filter, supplier_ids
from .trends import R, Selection, data_span
from .trends_base import fetch, within, without_gc
from .trends_cache import latest, rows

LEVELS = (0.95, 0.998)
GRID = 60
MAX_OUTLIERS = 50


@dataclass(frozen=True)
class PerEnterprise:
    """Every enterprise with hours worked in a span: its cases and hours, and who it is."""

    ids: np.ndarray
    cases: np.ndarray
    hours: np.ndarray
    at: np.ndarray  # index into people
    people: "People"

    @property
    def industry(self) -> np.ndarray:
        return self.people.industry[self.at]

    @property
    def town(self) -> np.ndarray:
        return self.people.town[self.at]


@dataclass(frozen=True)
class People:
    """Who every enterprise is (read once per data version)."""

    ids: np.ndarray
    uscc: np.ndarray
    name: np.ndarray
    industry: np.ndarray
    town: np.ndarray


def people(session) -> People:
    return latest(session, ("trends_people",), lambda: _people(session))


@without_gc
def _people(session) -> People:
    e = Enterprise
    found = fetch(session, select(e.id, e.uscc, e.name, e.industry, e.town).order_by(e.id))
    columns = list(zip(*found, strict=True)) if found else [(), (), (), (), ()]
    ids = np.array(columns[0], dtype=np.int64)
    return People(ids, *(np.array(c, dtype=object) for c in columns[1:]))


def per_enterprise(session, span) -> PerEnterprise:
    """One aggregate over the rollup in primary-key order, placed against the enterprises in
    numpy (cached per data version and span, shared by every view and the effect's control
    count)."""
    return latest(session, ("trends_per_enterprise", span), lambda: _per_enterprise(session, span))


@without_gc
def _per_enterprise(session, span) -> PerEnterprise:
    inside = within(session, span)
    stored = EnterpriseTotals
    if inside is None and fetch(session, select(stored.enterprise_id).limit(1)):
        # The whole data: each enterprise's sums are stored (trends_totals).
        sums = select(stored.enterprise_id, stored.cases, stored.hours)
        sums = sums.where(stored.hours > 0).order_by(stored.enterprise_id)
    else:
        sums = (
            select(R.enterprise_id, func.sum(R.cases), func.sum(R.hours))
            .where(true() if inside is None else inside)
            .group_by(R.enterprise_id)
            .having(func.sum(R.hours) > 0)
        )
    found = fetch(session, sums)
    columns = list(zip(*found, strict=True)) if found else [(), (), ()]
    ids = np.array(columns[0], dtype=np.int64)
    who = people(session)
    return PerEnterprise(
        ids=ids,
        cases=np.array([float(c or 0) for c in columns[1]]),
        hours=np.array([float(h) for h in columns[2]]),
        at=np.searchsorted(who.ids, ids),
        people=who,
    )


def _visible(session, scope: Scope, sel: Selection) -> np.ndarray | None:
    """Enterprise ids the caller may see in the selection (None: no restriction)."""
    if scope.is_bureau and sel.chain_id is None:
        return None
    query = select(Enterprise.id).where(enterprise_filter(scope))
    if sel.chain_id is not None:
        query = query.where(Enterprise.id.in_(supplier_ids(sel.chain_id)))
    return np.array([row[0] for row in rows(session, query)], dtype=np.int64)


def industry_rates(found: PerEnterprise) -> dict[str, float]:
    """{industry: cases per hour} over the period, city-wide (the benchmark of each firm)."""
    codes, inverse = np.unique(found.industry.astype(str), return_inverse=True)
    cases = np.bincount(inverse, weights=found.cases, minlength=codes.size)
    hours = np.bincount(inverse, weights=found.hours, minlength=codes.size)
    pairs = zip(codes.tolist(), cases.tolist(), hours.tolist(), strict=True)
    return {code: n / h if h > 0 else 0.0 for code, n, h in pairs}


def _above(cases: np.ndarray, expected: np.ndarray, level: float) -> np.ndarray:
    """True above the upper limit. Only enterprises with a case can be (the limit is ≥ 0), so
    the limits are computed for those alone: the same values funnel_flags would give."""
    out = np.zeros(cases.size, dtype=bool)
    some = np.flatnonzero(cases > 0)
    if some.size:
        out[some] = cases[some] > poisson_limit(expected[some], 1 - (1.0 - level) / 2.0)
    return out


def funnel(session, scope: Scope, sel: Selection, *, industry=None) -> dict:
    """Points and limits for one industry, and the outliers of every industry in view."""
    span = data_span(session, sel)
    if span is None:
        return {"months": None, "industry": industry, "industry_rate": None, "points": [],
                "limits": None, "outliers": [], "flagged": {}}  # fmt: skip
    every = per_enterprise(session, span)
    rates = industry_rates(every)
    keep = np.ones(every.ids.size, dtype=bool)
    visible = _visible(session, scope, sel)
    if visible is not None:
        keep &= np.isin(every.ids, visible)
    if sel.industry is not None:
        keep &= every.industry == sel.industry
    if sel.town is not None:
        keep &= every.town == sel.town
    at = np.flatnonzero(keep)
    cases, hours, kinds = every.cases[at], every.hours[at], every.industry[at]
    industry = industry or sel.industry or _busiest(kinds)
    expected = np.array([rates.get(k, 0.0) for k in kinds.tolist()]) * hours
    above = {level: _above(cases, expected, level) for level in LEVELS}
    mine = np.flatnonzero(kinds == industry)
    flags = {level: funnel_flags(cases[mine], expected[mine], level=level) for level in LEVELS}
    return {
        "months": span,
        "industry": industry,
        "industry_rate": rates.get(industry, 0.0) * 1e6,
        "points": [_point(every, at[i], flags, n) for n, i in enumerate(mine.tolist())],
        "limits": _limits(rates.get(industry, 0.0) * 1e6, hours[mine]),
        "outliers": _outliers(every, at, cases, expected, above[LEVELS[-1]]),
        "flagged": {str(level): int(f.sum()) for level, f in above.items()},
    }


def _busiest(kinds: np.ndarray) -> str | None:
    """The industry with the most enterprises in view (ties: the first code)."""
    if kinds.size == 0:
        return None
    codes, counts = np.unique(kinds.astype(str), return_counts=True)
    return str(codes[int(np.argmax(counts))])


def _point(every: PerEnterprise, i: int, flags, n: int) -> dict:
    cases, hours = float(every.cases[i]), float(every.hours[i])
    return {
        "uscc": every.people.uscc[every.at[i]],
        "name": every.people.name[every.at[i]],
        "cases": int(cases),
        "hours": hours,
        "rate": cases * 1e6 / hours,
        "flag95": int(flags[LEVELS[0]][n]),
        "flag998": int(flags[LEVELS[-1]][n]),
    }


def _limits(rate_per_million: float, hours: np.ndarray) -> dict | None:
    """Limit curves on a log-spaced grid of hours covering the points."""
    if hours.size == 0:
        return None
    grid = np.geomspace(max(hours.min(), 1.0), max(hours.max(), 2.0), GRID)
    limits = funnel_limits(rate_per_million, grid, levels=LEVELS)
    out = {"hours": grid.tolist()}
    for level, (low, high) in limits.items():
        out[str(level)] = {"low": low.tolist(), "high": high.tolist()}
    return out


def _outliers(every: PerEnterprise, at, cases, expected, above) -> list[dict]:
    """Above the 99.8% limit of their own industry, largest excess over expected first."""
    flagged, who = np.flatnonzero(above), every.people
    order = flagged[np.argsort(-(cases[flagged] - expected[flagged]), kind="stable")]
    return [
        {
            "uscc": who.uscc[every.at[at[i]]],
            "name": who.name[every.at[at[i]]],
            "industry": who.industry[every.at[at[i]]],
            "cases": int(cases[i]),
            "hours": float(every.hours[at[i]]),
            "expected": float(expected[i]),
            "rate": float(cases[i]) * 1e6 / float(every.hours[at[i]]),
        }
        for i in order[:MAX_OUTLIERS].tolist()
    ]

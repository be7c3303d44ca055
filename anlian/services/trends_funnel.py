"""The funnel plot: each enterprise's injury rate over the period against its hours worked,
judged against Poisson limits around its own industry's rate, so a small firm with one
accident is not mistaken for an outlier and a large one cannot hide in a league table."""

import numpy as np
from sqlalchemy import func, select

from models import Enterprise
from scoring.stats import funnel_flags, funnel_limits

from ..scope import Scope, enterprise_filter, supplier_ids
from .trends import R, Selection, data_span, months_between
from .trends_cache import rows

LEVELS = (0.95, 0.998)
GRID = 60
MAX_OUTLIERS = 50


def _per_enterprise(session, span) -> list:
    """(id, uscc, name, industry, town, cases, hours) of every enterprise with hours in the
    period: one aggregate in primary-key order, then the names (cached, shared by all views)."""
    sums = (
        select(R.enterprise_id, func.sum(R.cases).label("cases"), func.sum(R.hours).label("hours"))
        .where(months_between(R.month, span))
        .group_by(R.enterprise_id)
        .having(func.sum(R.hours) > 0)
        .subquery()
    )
    e = Enterprise
    query = select(e.id, e.uscc, e.name, e.industry, e.town, sums.c.cases, sums.c.hours).join(
        sums, sums.c.enterprise_id == e.id
    )
    return rows(session, query)


def _visible(session, scope: Scope, sel: Selection) -> set[int] | None:
    """Enterprise ids the caller may see in the selection (None: no restriction)."""
    if scope.is_bureau and sel.chain_id is None:
        return None
    query = select(Enterprise.id).where(enterprise_filter(scope))
    if sel.chain_id is not None:
        query = query.where(Enterprise.id.in_(supplier_ids(sel.chain_id)))
    return {row[0] for row in rows(session, query)}


def industry_rates(found) -> dict[str, float]:
    """{industry: cases per hour} over the period, city-wide (the benchmark of each firm)."""
    totals: dict[str, list[float]] = {}
    for row in found:
        pair = totals.setdefault(row[3], [0.0, 0.0])
        pair[0] += float(row[5] or 0)
        pair[1] += float(row[6])
    return {code: c / h if h > 0 else 0.0 for code, (c, h) in totals.items()}


def funnel(session, scope: Scope, sel: Selection, *, industry=None) -> dict:
    """Points and limits for one industry, and the outliers of every industry in view."""
    span = data_span(session, sel)
    if span is None:
        return {"months": None, "industry": industry, "industry_rate": None, "points": [],
                "limits": None, "outliers": [], "flagged": {}}  # fmt: skip
    every = _per_enterprise(session, span)
    rates = industry_rates(every)
    visible = _visible(session, scope, sel)
    found = [
        r
        for r in every
        if (visible is None or r[0] in visible)
        and (sel.industry is None or r[3] == sel.industry)
        and (sel.town is None or r[4] == sel.town)
    ]
    industry = industry or sel.industry or _busiest(found)
    cases = np.array([float(r[5] or 0) for r in found])
    hours = np.array([float(r[6]) for r in found])
    expected = np.array([rates.get(r[3], 0.0) for r in found]) * hours
    flags = {level: funnel_flags(cases, expected, level=level) for level in LEVELS}
    mine = [i for i, r in enumerate(found) if r[3] == industry]
    return {
        "months": span,
        "industry": industry,
        "industry_rate": rates.get(industry, 0.0) * 1e6,
        "points": [_point(found[i], flags, i) for i in mine],
        "limits": _limits(rates.get(industry, 0.0) * 1e6, hours[mine]),
        "outliers": _outliers(found, cases, expected, flags[LEVELS[-1]]),
        "flagged": {str(level): int((f == 1).sum()) for level, f in flags.items()},
    }


def _busiest(found) -> str | None:
    industries = [r[3] for r in found]
    return max(set(industries), key=industries.count) if industries else None


def _point(row, flags, i: int) -> dict:
    _id, uscc, name, _industry, _town, cases, hours = row
    return {
        "uscc": uscc,
        "name": name,
        "cases": int(cases or 0),
        "hours": float(hours),
        "rate": float(cases or 0) * 1e6 / float(hours),
        "flag95": int(flags[LEVELS[0]][i]),
        "flag998": int(flags[LEVELS[-1]][i]),
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


def _outliers(found, cases, expected, flags) -> list[dict]:
    """Above the 99.8% limit of their own industry, largest excess over expected first."""
    above = np.flatnonzero(flags == 1)
    order = above[np.argsort(-(cases[above] - expected[above]), kind="stable")][:MAX_OUTLIERS]
    return [
        {
            "uscc": found[i][1],
            "name": found[i][2],
            "industry": found[i][3],
            "cases": int(cases[i]),
            "hours": float(found[i][6]),
            "expected": float(expected[i]),
            "rate": float(cases[i]) * 1e6 / float(found[i][6]),
        }
        for i in order
    ]

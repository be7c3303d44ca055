"""The effect of joining, the arithmetic half: pooled windows of the included suppliers and the
weighted never-linked control → changes with intervals, DiDs, reporting integrity, and the
event-time rows. Arrays in, plain dicts out (no SQL here)."""

import numpy as np

from models.base import N_
from scoring.poisson import poisson_interval
from scoring.stats import Pool, change, did, pool, proportions, window_weights

from .trends import SUMS

# metric: (count column, exposure column, per, squares column, events column)
METRICS = {
    "injury_rate": ("cases", "hours", 1e6, None, None),
    "enforcement_rate": ("enforcement_cases", "enterprises", 100.0, None, None),
    "penalty_per_enterprise": ("penalty_cny", "enterprises", 1.0, "penalty_sq", "penalty_events"),
    "inspection_rate": ("inspections", "enterprises", 100.0, None, None),
    "penalty_per_inspection": ("penalty_cny", "inspections", 1.0, "penalty_sq", "penalty_events"),
}
# Why a change or its interval is not given (scoring.stats reason codes), as people read it.
REASONS = {
    "no_cases": N_("No cases in either window: there is nothing to compare."),
    "no_cases_before": N_("No cases before joining: a change from zero has no percentage."),
    "no_cases_after": N_("No cases after joining: the rate fell to zero, which has no interval."),
    "no_exposure_before": N_("No exposure before joining: no included supplier has data there."),
    "no_exposure_after": N_("No exposure after joining: no included supplier has data there."),
    "control_no_cases": N_("The never-linked comparison group has no cases in these months."),
    "control_no_cases_before": N_("The never-linked group has no cases in the before months."),
    "control_no_cases_after": N_("The never-linked group has no cases in the after months."),
    "control_no_exposure_before": N_("The never-linked group has no hours in the before months."),
    "control_no_exposure_after": N_("The never-linked group has no hours in the after months."),
}
FEW_EVENTS = N_("Fewer than 10 events in a window: a wide interval, read it with care.")
DID_METRICS = ("injury_rate", "enforcement_rate", "penalty_per_enterprise", "inspection_rate")
COLUMNS = tuple(SUMS)


def _pool(arrays, spec, part=slice(None), weights=None) -> Pool:
    count, exposure, _per, squares, events = spec

    def column(name):
        return arrays[name][part] if name else None

    return pool(column(count), column(exposure), weights, column(squares), column(events))


def _plain(ci) -> list | None:
    return [float(ci[0]), float(ci[1])] if ci else None


def _change(before: Pool, after: Pool, per: float) -> dict:
    result = change(before, after, per=per)
    return {
        "before": result.before,
        "after": result.after,
        "change_pct": result.change_pct,
        "ci95": _plain(result.ci95),
        "reason": result.reason,
        "few_events": result.few_events,
        "count_before": before.count,
        "count_after": after.count,
        "exposure_before": before.exposure,
        "exposure_after": after.exposure,
    }


def _did(treated, control, per: float) -> dict:
    result = did(treated, control, per=per)
    return {
        "change_pct": result.change_pct,
        "ci95": _plain(result.ci95),
        "reason": result.reason,
        "control_before": result.control.before,
        "control_after": result.control.after,
        "control_change_pct": result.control.change_pct,
    }


def _did_of(name: str, arrays, control, weights, window: int) -> dict:
    spec = METRICS[name]
    treated = (_pool(arrays, spec, slice(0, window)), _pool(arrays, spec, slice(window, None)))
    w_b, w_a = weights
    compared = (_pool(control, spec, weights=w_b), _pool(control, spec, weights=w_a))
    return _did(treated, compared, spec[2])


def _share(arrays, part_b, part_a, numerator, denominator) -> dict:
    """Before/after shares (%) with Newcombe's interval of the difference in points."""

    def total(name, part):
        return float(np.sum(arrays[name][part]))

    k_b, n_b = numerator(arrays, part_b), total(denominator, part_b)
    k_a, n_a = numerator(arrays, part_a), total(denominator, part_a)
    result = proportions(k_b, n_b, k_a, n_a)
    return {
        "before": result.before,
        "after": result.after,
        "change_pp": result.change_pp,
        "ci95": _plain(result.ci95),
        "rising": result.rising,
        "counts": [k_b, k_a],
        "totals": [n_b, n_a],
    }


def _official(arrays, part) -> float:
    return float(np.sum(arrays["accidents"][part] - arrays["accidents_self_reported"][part]))


def _enforced(arrays, part) -> float:
    return float(np.sum(arrays["enforcement_cases"][part]))


def assemble(arrays, hist: dict, control: dict, first: int, window: int, n_control: int) -> dict:
    """One key's result: the metrics' changes, the DiDs, integrity and the event-time rows."""
    if arrays is None:
        arrays = {c: np.zeros(2 * window) for c in COLUMNS}
    before, after = slice(0, window), slice(window, 2 * window)
    w_b, w_a = window_weights(hist, first, len(control["hours"]), window)
    result = {"window": window, "n_enterprises": sum(hist.values()), "n_control": n_control}
    for name, spec in METRICS.items():
        t_b, t_a = _pool(arrays, spec, before), _pool(arrays, spec, after)
        result[name] = _change(t_b, t_a, spec[2])
    weights = (w_b, w_a)
    result["did"] = {name: _did_of(name, arrays, control, weights, window) for name in DID_METRICS}
    result["did"]["n_control"] = n_control
    result["reporting_integrity"] = _share(arrays, before, after, _official, "accidents")
    result["enforcement_per_inspection"] = _share(arrays, before, after, _enforced, "inspections")
    result["event_time"] = _event_time(arrays, hist, control, first, window)
    return result


def _event_time(arrays, hist: dict, control: dict, first: int, window: int) -> list[dict]:
    """Pooled injury rate by month relative to joining, with its exact 95% interval, beside the
    never-linked rate over the same calendar months (weighted by the suppliers joining)."""
    rel = np.arange(-window, window)
    cases, hours = arrays["cases"], arrays["hours"]
    low, high = poisson_interval(cases.astype(np.int64), hours, 0.95, 1e6)
    c_cases, c_hours = np.zeros(rel.size), np.zeros(rel.size)
    if hist:
        joins, counts = np.array(list(hist)), np.array(list(hist.values()), dtype=np.float64)
        at = joins[:, None] - first + rel[None, :]
        c_cases = (counts[:, None] * control["cases"][at]).sum(axis=0)
        c_hours = (counts[:, None] * control["hours"][at]).sum(axis=0)
    return [
        {
            "rel": int(r),
            "cases": float(cases[i]),
            "hours": float(hours[i]),
            "injury_rate": _per_million(cases[i], hours[i]),
            "low": None if np.isnan(low[i]) else float(low[i]),
            "high": None if np.isnan(high[i]) else float(high[i]),
            "control_rate": _per_million(c_cases[i], c_hours[i]),
        }
        for i, r in enumerate(rel)
    ]


def _per_million(count: float, hours: float) -> float | None:
    return float(count) * 1e6 / float(hours) if hours > 0 else None

"""Predictive validity: do closed scores foresee next year's accidents better than raw counts?

For each closed month t whose whole trailing window and following 12 months have data, every
enterprise scored at t is one observation: its risk (100 − score), the naive baseline
(accidents on file in the 12 months up to t), its exposure (hours worked in the window) and
the outcome (any accident in t+1 … t+12). A month whose window reaches back before the first
month with data is left out: its "12-month" score and count would rest on a few months only.

"Any accident" depends on size as much as on safety: a 2,000-person plant has some accident
in most years however well it is run, and raw counts carry that size. The score is a rate,
deliberately blind to size, so the like-for-like comparison ranks firms only against firms of
similar exposure (AUC within exposure quintiles); the pooled AUC is reported beside it, and
so is the pooled AUC of the exposure alone, which shows how much of "any accident" is size.
"""

import numpy as np
from sqlalchemy import func, select

from models import MonthlyRollup, ScoreSnapshot, WorkHours
from scoring.evaluate import auc, incidence_by_group, quantile_bands, stratified_auc

from .. import months

HORIZON = 12
EXPOSURE_BANDS = 5


def observations(
    session, *, last_month: str, window: int = 12, first_month: str | None = None
) -> dict[str, np.ndarray]:
    """Columns risk, baseline, grade and outcome over every eligible (enterprise, month).

    Eligible: closed months t with t − (window − 1) ≥ `first_month` (default: the first month
    with hours on file) and t + 12 ≤ `last_month`."""
    if first_month is None:
        first_month = session.execute(select(func.min(WorkHours.month))).scalar() or last_month
    closed = (
        session.execute(
            select(ScoreSnapshot.month).where(ScoreSnapshot.kind == "closed").distinct()
        )
        .scalars()
        .all()
    )
    eligible = sorted(
        m
        for m in closed
        if months.shift(m, 1 - window) >= first_month and months.shift(m, HORIZON) <= last_month
    )
    parts = [_month_observations(session, month, window) for month in eligible]
    if not parts:
        keys = ("risk", "baseline", "hours", "grade", "outcome", "next_accidents", "next_hours")
        return {key: np.array([]) for key in keys}
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def _window_totals(session, first: str, last: str) -> dict[int, tuple[int, float]]:
    """Accidents and hours per enterprise over months first..last (from the rollup)."""
    query = (
        select(
            MonthlyRollup.enterprise_id,
            func.sum(MonthlyRollup.accidents),
            func.sum(MonthlyRollup.hours),
        )
        .where(MonthlyRollup.month.between(first, last))
        .group_by(MonthlyRollup.enterprise_id)
    )
    return {eid: (int(n or 0), float(h or 0)) for eid, n, h in session.execute(query).all()}


def _month_observations(session, month: str, window: int) -> dict[str, np.ndarray]:
    rows = session.execute(
        select(
            ScoreSnapshot.enterprise_id,
            ScoreSnapshot.score,
            ScoreSnapshot.grade,
            ScoreSnapshot.components["rate_interval"]["hours"].as_float(),
        ).where(ScoreSnapshot.month == month, ScoreSnapshot.kind == "closed")
    ).all()
    past = _window_totals(session, months.shift(month, 1 - window), month)
    future = _window_totals(session, months.shift(month, 1), months.shift(month, HORIZON))
    ids = [r[0] for r in rows]
    after = np.array([future.get(i, (0, 0.0)) for i in ids], dtype=np.float64).reshape(-1, 2)
    return {
        "risk": 100.0 - np.array([r[1] for r in rows], dtype=np.float64),
        "baseline": np.array([past.get(i, (0, 0.0))[0] for i in ids], dtype=np.float64),
        "hours": np.array([r[3] or 0.0 for r in rows], dtype=np.float64),
        "grade": np.array([r[2] for r in rows], dtype=str),
        "outcome": after[:, 0] > 0,
        "next_accidents": after[:, 0],
        "next_hours": after[:, 1],
    }


def rate_by_group(groups, accidents, hours) -> dict:
    """Next-year accidents per million hours worked, per group (size-neutral incidence)."""
    out = {}
    for group in np.unique(groups):
        mask = groups == group
        exposure = hours[mask].sum()
        out[group.item()] = float(accidents[mask].sum() * 1e6 / exposure) if exposure else None
    return out


def evaluate(session, *, last_month: str, window: int = 12, first_month: str | None = None) -> dict:
    """AUC of the score and of the baseline, incidence by grade and by baseline count."""
    data = observations(session, last_month=last_month, window=window, first_month=first_month)
    outcome = data["outcome"]
    if not outcome.size:
        return {"observations": 0, "positives": 0}
    bands = quantile_bands(data["hours"], EXPOSURE_BANDS)
    return {
        "observations": int(outcome.size),
        "positives": int(outcome.sum()),
        "auc_score": auc(data["risk"], outcome),
        "auc_baseline": auc(data["baseline"], outcome),
        "auc_score_within_exposure": stratified_auc(data["risk"], outcome, bands),
        "auc_baseline_within_exposure": stratified_auc(data["baseline"], outcome, bands),
        # Not a contender (the score must not use size): how far size alone gets pooled.
        "auc_exposure": auc(data["hours"], outcome),
        "by_grade": incidence_by_group(data["grade"], outcome),
        "rate_by_grade": rate_by_group(data["grade"], data["next_accidents"], data["next_hours"]),
        "by_baseline": incidence_by_group(np.minimum(data["baseline"], 2).astype(int), outcome),
    }


def format_report(report: dict) -> str:
    """The evaluation as a short plain-text table."""
    lines = [
        f"observations (enterprise-months): {report['observations']:,}; "
        f"with an accident in the next 12 months: {report['positives']:,}",
    ]
    if not report["observations"]:
        return lines[0] + (
            "\n(no closed month has a full window before it and 12 months of data after it yet)"
        )
    lines += [
        "AUC for 'any accident in the next 12 months'   score   baseline (accidents in window)",
        f"  within exposure quintiles (like for like)   {_fmt(report['auc_score_within_exposure'])}"
        f"   {_fmt(report['auc_baseline_within_exposure'])}",
        f"  pooled (size counts too)                     {_fmt(report['auc_score'])}"
        f"   {_fmt(report['auc_baseline'])}",
        f"  (reference, pooled: hours worked alone, i.e. size {_fmt(report['auc_exposure'])})",
        "next-year accident incidence by grade:",
    ]
    rates = report["rate_by_grade"]
    lines += [
        f"  {grade}: {row['incidence']:6.1%} of {row['n']:,}; "
        f"{_fmt(rates.get(grade), 2)} accidents per million hours worked"
        for grade, row in report["by_grade"].items()
    ]
    lines.append("next-year incidence by accidents in the window (baseline):")
    lines += [
        f"  {'2+' if group == 2 else group}: {row['incidence']:6.1%} of {row['n']:,}"
        for group, row in report["by_baseline"].items()
    ]
    return "\n".join(lines)


def _fmt(value, digits: int = 3) -> str:
    return "n/a" if value is None or value != value else f"{value:.{digits}f}"

"""Predictive validity: do closed scores foresee next year's accidents better than raw counts?

For each closed month t whose following 12 months all have data, every enterprise scored at t
is one observation: its risk (100 − score), the naive baseline (accidents on file in the 12
months up to t) and the outcome (any accident in t+1 … t+12).
"""

import numpy as np
from sqlalchemy import func, select

from models import Accident, ScoreSnapshot
from scoring.evaluate import auc, incidence_by_group

from .. import months

HORIZON = 12


def observations(session, *, last_month: str, window: int = 12) -> dict[str, np.ndarray]:
    """Columns risk, baseline, grade and outcome over every eligible (enterprise, month)."""
    closed = (
        session.execute(
            select(ScoreSnapshot.month).where(ScoreSnapshot.kind == "closed").distinct()
        )
        .scalars()
        .all()
    )
    eligible = sorted(m for m in closed if months.shift(m, HORIZON) <= last_month)
    parts = [_month_observations(session, month, window) for month in eligible]
    if not parts:
        return {key: np.array([]) for key in ("risk", "baseline", "grade", "outcome")}
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def _accident_counts(session, first: str, last: str) -> dict[int, int]:
    query = (
        select(Accident.enterprise_id, func.count())
        .where(Accident.month.between(first, last))
        .group_by(Accident.enterprise_id)
    )
    return dict(session.execute(query).all())


def _month_observations(session, month: str, window: int) -> dict[str, np.ndarray]:
    rows = session.execute(
        select(ScoreSnapshot.enterprise_id, ScoreSnapshot.score, ScoreSnapshot.grade).where(
            ScoreSnapshot.month == month, ScoreSnapshot.kind == "closed"
        )
    ).all()
    past = _accident_counts(session, months.shift(month, 1 - window), month)
    future = _accident_counts(session, months.shift(month, 1), months.shift(month, HORIZON))
    ids = [r[0] for r in rows]
    return {
        "risk": 100.0 - np.array([r[1] for r in rows], dtype=np.float64),
        "baseline": np.array([past.get(i, 0) for i in ids], dtype=np.float64),
        "grade": np.array([r[2] for r in rows], dtype=str),
        "outcome": np.array([future.get(i, 0) > 0 for i in ids], dtype=bool),
    }


def evaluate(session, *, last_month: str, window: int = 12) -> dict:
    """AUC of the score and of the baseline, incidence by grade and by baseline count."""
    data = observations(session, last_month=last_month, window=window)
    baseline_group = np.minimum(data["baseline"], 2).astype(int)
    return {
        "observations": int(data["outcome"].size),
        "positives": int(data["outcome"].sum()),
        "auc_score": auc(data["risk"], data["outcome"]) if data["outcome"].size else None,
        "auc_baseline": auc(data["baseline"], data["outcome"]) if data["outcome"].size else None,
        "by_grade": incidence_by_group(data["grade"], data["outcome"]),
        "by_baseline": incidence_by_group(baseline_group, data["outcome"]),
    }


def format_report(report: dict) -> str:
    """The evaluation as a short plain-text table."""
    lines = [
        f"observations (enterprise-months): {report['observations']:,}; "
        f"with an accident in the next 12 months: {report['positives']:,}",
        f"AUC, safety score (100 - score):       {_fmt(report['auc_score'])}",
        f"AUC, naive baseline (accidents in window): {_fmt(report['auc_baseline'])}",
        "next-year accident incidence by grade:",
    ]
    lines += [
        f"  {grade}: {row['incidence']:6.1%} of {row['n']:,}"
        for grade, row in report["by_grade"].items()
    ]
    lines.append("next-year incidence by accidents in the window (baseline):")
    lines += [
        f"  {'2+' if group == 2 else group}: {row['incidence']:6.1%} of {row['n']:,}"
        for group, row in report["by_baseline"].items()
    ]
    return "\n".join(lines)


def _fmt(value) -> str:
    return "n/a" if value is None or value != value else f"{value:.3f}"

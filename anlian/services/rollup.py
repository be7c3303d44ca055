"""The enterprise × month rollup (models.MonthlyRollup), rebuilt from the raw records.

One INSERT … SELECT over a UNION ALL of per-table GROUP BYs, for every enterprise or for
the ones a change touched; callers run it in the transaction that changed the records, so
the rollup never disagrees with them. Hazards count in the month they were found (a
cohort): found, and of those rectified by their deadline. The per-month totals of each
(industry, town) cell (trends_totals) follow in the same transaction.
"""

from sqlalchemy import case, delete, func, insert, literal, select, union_all

from models import Accident, Hazard, Inspection, MonthlyRollup, WorkHours
from models.vocab import ENFORCEMENT_OUTCOMES

from . import trends_totals

COLUMNS = (
    "hours",
    "accidents",
    "accidents_self_reported",
    "cases",
    "fatalities",
    "inspections",
    "enforcement_cases",
    "penalty_cny",
    "hazards_found",
    "hazards_rectified_on_time",
)
CHUNK = 5000


def _part(table, **values):
    """One table's contribution: its (enterprise_id, month) groups, zeros elsewhere."""
    columns = [table.enterprise_id.label("enterprise_id"), table.month.label("month")]
    columns += [values.get(name, literal(0)).label(name) for name in COLUMNS]
    return select(*columns).group_by(table.enterprise_id, table.month)


def _sources(enterprise_ids):
    on_time = (Hazard.rectified_on.is_not(None)) & (
        Hazard.deadline.is_(None) | (Hazard.rectified_on <= Hazard.deadline)
    )
    parts = [
        _part(WorkHours, hours=func.sum(WorkHours.hours)),
        _part(
            Accident,
            accidents=func.count(),
            accidents_self_reported=func.sum(case((Accident.source == "self_report", 1), else_=0)),
            cases=func.sum(Accident.injured + Accident.deaths),
            fatalities=func.sum(Accident.deaths),
        ),
        _part(
            Inspection,
            inspections=func.count(),
            enforcement_cases=func.sum(
                case((Inspection.outcome.in_(ENFORCEMENT_OUTCOMES), 1), else_=0)
            ),
            penalty_cny=func.sum(Inspection.penalty_cny),
        ),
        _part(
            Hazard,
            hazards_found=func.count(),
            hazards_rectified_on_time=func.sum(case((on_time, 1), else_=0)),
        ),
    ]
    if enterprise_ids is not None:
        tables = (WorkHours, Accident, Inspection, Hazard)
        parts = [
            p.where(t.enterprise_id.in_(enterprise_ids)) for p, t in zip(parts, tables, strict=True)
        ]
    return union_all(*parts).subquery()


def _rebuild(session, enterprise_ids) -> None:
    source = _sources(enterprise_ids)
    totals = select(
        source.c.enterprise_id, source.c.month, *(func.sum(source.c[name]) for name in COLUMNS)
    ).group_by(source.c.enterprise_id, source.c.month)
    stale = delete(MonthlyRollup)
    if enterprise_ids is not None:
        stale = stale.where(MonthlyRollup.enterprise_id.in_(enterprise_ids))
    session.execute(stale)
    session.execute(insert(MonthlyRollup).from_select(["enterprise_id", "month", *COLUMNS], totals))


def rebuild_all(session) -> None:
    """Recompute the whole rollup (after the demo load, or to repair)."""
    _rebuild(session, None)
    trends_totals.rebuild(session)


def refresh(session, enterprise_ids) -> None:
    """Recompute the rollup rows of the given enterprises (all their months)."""
    ids = sorted({int(i) for i in enterprise_ids})
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        before = trends_totals.touched_sums(session, chunk)
        _rebuild(session, chunk)
        trends_totals.refresh_enterprises(session, chunk)
        trends_totals.refresh_cells(session, before, trends_totals.touched_sums(session, chunk))

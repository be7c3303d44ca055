"""The monthly rollup equals a recomputation from the raw records."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from anlian.demo import generate
from anlian.services import rollup
from models import Accident, Hazard, Inspection, MonthlyRollup, WorkHours


def _by_hand(db) -> dict:
    expected = defaultdict(lambda: defaultdict(float))
    for row in db.execute(select(WorkHours)).scalars():
        expected[(row.enterprise_id, row.month)]["hours"] += row.hours
    for row in db.execute(select(Accident)).scalars():
        key = expected[(row.enterprise_id, row.month)]
        key["accidents"] += 1
        key["cases"] += row.injured + row.deaths
        key["fatalities"] += row.deaths
        key["accidents_self_reported"] += row.source == "self_report"
    for row in db.execute(select(Inspection)).scalars():
        key = expected[(row.enterprise_id, row.month)]
        key["inspections"] += 1
        key["enforcement_cases"] += row.outcome in ("warning", "fine", "suspension", "referral")
        key["penalty_cny"] += float(row.penalty_cny)
    for row in db.execute(select(Hazard)).scalars():
        key = expected[(row.enterprise_id, row.month)]
        key["hazards_found"] += 1
        key["hazards_rectified_on_time"] += row.rectified_on is not None and (
            row.deadline is None or row.rectified_on <= row.deadline
        )
    return expected


def _stored(db) -> dict:
    stored = {}
    for row in db.execute(select(MonthlyRollup)).scalars():
        values = {name: float(getattr(row, name)) for name in rollup.COLUMNS}
        stored[(row.enterprise_id, row.month)] = {k: v for k, v in values.items() if v}
    return stored


def test_rebuild_matches_raw_records(db):
    generate(db, seed=3, scale="small", end_month="2025-12")
    rollup.rebuild_all(db)
    expected = {
        k: {n: pytest.approx(v, rel=1e-9) for n, v in d.items() if v}
        for k, d in _by_hand(db).items()
    }
    assert _stored(db) == expected


def test_refresh_touches_only_the_given_enterprises(db, make):
    a, b = make.enterprise(), make.enterprise()
    db.add(WorkHours(enterprise_id=a.id, month="2025-01", hours=100))
    db.add(WorkHours(enterprise_id=b.id, month="2025-01", hours=200))
    db.commit()
    rollup.refresh(db, [a.id])
    rows = db.execute(select(MonthlyRollup)).scalars().all()
    assert [(r.enterprise_id, r.hours) for r in rows] == [(a.id, 100.0)]
    db.add(
        Inspection(
            enterprise_id=a.id,
            source_ref="X",
            inspected_on=date(2025, 1, 9),
            month="2025-01",
            outcome="fine",
            penalty_cny=Decimal("5000.50"),
        )
    )
    rollup.refresh(db, [a.id, b.id])
    rows = {r.enterprise_id: r for r in db.execute(select(MonthlyRollup)).scalars()}
    assert rows[a.id].enforcement_cases == 1 and rows[a.id].penalty_cny == Decimal("5000.50")
    assert rows[b.id].hours == 200.0

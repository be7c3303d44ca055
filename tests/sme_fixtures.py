"""Fixtures for the SME portal and records tests: a fixed clock and a year of records."""

from datetime import date

import pytest
from sqlalchemy import func, select

from anlian import clock, months
from anlian.services import rollup, scores
from models import Accident, Hazard, Inspection, WorkHours

TODAY = date(2025, 6, 25)
MONTH = "2025-06"
CLOSED = "2025-05"


@pytest.fixture(name="today")
def today_fixture(monkeypatch):
    """Freeze the platform's clock (clock.current_month follows clock.today)."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture(name="records")
def records_fixture(app, db, world, today):
    """Hours for everyone; x has a serious injury, a fine, an overdue and an open hazard.

    May is closed, so x has an official score, and the running month is June 2025.
    """
    firms = [world[k] for k in ("x", "y", "both", "outsider", "leader_a", "leader_b")]
    for firm in firms:
        for month in months.window(MONTH, 14):
            db.add(WorkHours(enterprise_id=firm.id, month=month, hours=firm.headcount * 174.0))
    x = world["x"]
    db.add_all(
        [
            Accident(
                enterprise_id=x.id,
                source_ref="A1",
                occurred_on=date(2025, 3, 4),
                month="2025-03",
                severity="serious",
                injured=1,
            ),
            Inspection(
                enterprise_id=x.id,
                source_ref="I1",
                inspected_on=date(2025, 4, 1),
                month="2025-04",
                outcome="fine",
                penalty_cny=20000,
            ),
            Hazard(
                enterprise_id=x.id,
                source_ref="H1",
                found_on=date(2025, 5, 2),
                month="2025-05",
                level="general",
                deadline=date(2025, 5, 20),
                description="消防通道堵塞",
            ),
            Hazard(
                enterprise_id=x.id,
                source_ref="H2",
                found_on=date(2025, 6, 20),
                month="2025-06",
                level="general",
                deadline=date(2025, 7, 20),
                source="self_check",
                description="配电箱未上锁",
            ),
            Hazard(
                enterprise_id=world["y"].id,
                source_ref="HY",
                found_on=date(2025, 6, 1),
                month="2025-06",
                level="general",
                deadline=date(2025, 7, 1),
                description="叉车无证驾驶",
            ),
        ]
    )
    db.flush()
    rollup.rebuild_all(db)
    scores.close_month(db, month=CLOSED, config=app.extensions["scoring_config"])
    db.commit()
    return world


def hazard_of(db, source_ref: str) -> Hazard:
    """A hazard by its reference, read afresh."""
    fresh(db)
    return db.execute(select(Hazard).where(Hazard.source_ref == source_ref)).scalar_one()


def count(db, table) -> int:
    """Rows in a table, read afresh."""
    fresh(db)
    return db.execute(select(func.count()).select_from(table)).scalar_one()


def fresh(db) -> None:
    """End the test session's transaction, so its next read sees what requests committed."""
    db.commit()
    db.expire_all()

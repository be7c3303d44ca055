"""A small world for the trend tests whose rates, intervals and DiD can be worked out on paper.

Twelve months of 2024, 10,000 hours per enterprise-month. Chain A: s1 joins 2024-05-10,
s2 joins 2024-07-01 and leaves 2024-09-15 (kept: intention to treat). Chain B: s3 joins
2024-02-01 (its before window falls outside the data, so it is not in the effect) and s4 joins
2024-06-01, works no hours in June and has no accident at all. n1, n2 never linked. The two
leaders work hours and the first has accidents, which must not reach the control group.
"""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from anlian.services import rollup
from models import Accident, Inspection, MonthlyRollup, WorkHours

MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
HOURS = 10_000.0


def _day(month: str, day: int) -> date:
    return date(int(month[:4]), int(month[5:]), day)


class Records:
    """Adds raw records; `done()` rebuilds the rollup and commits."""

    def __init__(self, db):
        self.db, self.serial = db, 0

    def hours(self, enterprise, month: str, hours: float = HOURS):
        self.db.add(WorkHours(enterprise_id=enterprise.id, month=month, hours=hours))

    def accident(self, enterprise, month: str, *, injured=1, deaths=0, source="bureau"):
        self.serial += 1
        self.db.add(
            Accident(
                enterprise_id=enterprise.id,
                source_ref=f"A{self.serial}",
                occurred_on=_day(month, 20),
                month=month,
                severity="fatal" if deaths else "minor",
                injured=injured,
                deaths=deaths,
                source=source,
            )
        )

    def inspection(self, enterprise, month: str, outcome: str, penalty: int = 0):
        self.serial += 1
        self.db.add(
            Inspection(
                enterprise_id=enterprise.id,
                source_ref=f"I{self.serial}",
                inspected_on=_day(month, 12),
                month=month,
                outcome=outcome,
                penalty_cny=Decimal(penalty),
            )
        )

    def done(self):
        self.db.flush()
        rollup.rebuild_all(self.db)
        self.db.commit()


def build_hand_world(make, db) -> dict:
    """The world described above; returns its enterprises, chains and users."""
    la, lb = (make.enterprise(headcount=3000) for _ in range(2))
    chain_a, chain_b = make.chain(la, joined_on=date(2023, 6, 1)), make.chain(lb)
    s1, s2, s3, s4, n1, n2 = (make.enterprise() for _ in range(6))
    make.membership(chain_a, s1, joined_on=date(2024, 5, 10))
    make.membership(chain_a, s2, joined_on=date(2024, 7, 1), left_on=date(2024, 9, 15))
    make.membership(chain_b, s3, joined_on=date(2024, 2, 1))
    make.membership(chain_b, s4, joined_on=date(2024, 6, 1))
    rec = Records(db)
    for firm in (la, lb, s1, s2, s3, n1, n2):
        for month in MONTHS:
            rec.hours(firm, month)
    for month in MONTHS:
        rec.hours(s4, month, 0.0 if month == "2024-06" else HOURS)
    _records(rec, la=la, s1=s1, s2=s2, s3=s3, n1=n1, n2=n2)
    rec.done()
    return {
        "la": la, "lb": lb, "chain_a": chain_a, "chain_b": chain_b,
        "s1": s1, "s2": s2, "s3": s3, "s4": s4, "n1": n1, "n2": n2,
    }  # fmt: skip


def _records(rec: Records, *, la, s1, s2, s3, n1, n2) -> None:
    # Chain A suppliers: before 5 cases in 3 accidents, after 2 cases in 2 accidents.
    rec.accident(s1, "2024-03", injured=2, source="self_report")
    rec.accident(s1, "2024-04")
    rec.accident(s2, "2024-04", injured=2)
    rec.accident(s1, "2024-06", source="insurance")
    rec.accident(s2, "2024-09", injured=0, deaths=1)  # after s2 left: still counted
    rec.inspection(s1, "2024-03", "warning")
    rec.inspection(s2, "2024-05", "fine", 2000)
    rec.inspection(s1, "2024-06", "none")
    rec.inspection(s2, "2024-08", "fine", 1000)
    # s3 (not in the effect) and the leader (not in the control) have accidents too.
    rec.accident(s3, "2024-03", injured=4)
    rec.accident(la, "2024-02", injured=3)
    # Never-linked: February 1, April 1, July 1, August 2 cases.
    rec.accident(n1, "2024-02")
    rec.accident(n2, "2024-04")
    rec.accident(n1, "2024-07")
    rec.accident(n2, "2024-08", injured=2)


@pytest.fixture
def hand(make, db):
    """The hand-computed world."""
    world = build_hand_world(make, db)
    assert db.execute(select(func.count()).select_from(MonthlyRollup)).scalar_one() > 0
    return world

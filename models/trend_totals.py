"""Per-month totals of every (industry, town) cell, what the city, industry and town trend
series are sums of, so a cold dashboard reads a few thousand rows instead of the rollup.

- `MonthlyTotals`: sums of the rollup rows of the cell's enterprises; kept equal to the rollup
  by anlian.services.rollup in the same transaction that changes it (intake, record edits).
- `EnterpriseTotals`: each enterprise's rollup summed over all its months (the funnel's
  per-enterprise sums when its period is the whole data), kept the same way.
- `MonthlyScoreTotals`: the closed snapshots of the cell by grade; written by a step of the
  month close, tagged with that close's `closed_at`, so a reader can tell a month whose
  snapshots were replaced since (and compute it live instead).
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric
from sqlmodel import Field, SQLModel


class MonthlyTotals(SQLModel, table=True):
    """One month of the rollup summed over the enterprises of one industry and town."""

    __tablename__ = "monthly_totals"

    month: str = Field(max_length=7, primary_key=True)
    industry: str = Field(max_length=32, primary_key=True)
    town: str = Field(max_length=16, primary_key=True)
    hours: float = 0.0
    enterprises: int = 0  # rollup rows with hours worked
    cases: int = 0
    fatalities: int = 0
    accidents: int = 0
    accidents_self_reported: int = 0
    inspections: int = 0
    enforcement_cases: int = 0
    penalty_cny: Decimal = Field(default=Decimal(0), sa_type=Numeric(18, 2))
    penalty_sq: float = 0.0  # sum of each row's penalty squared
    penalty_events: int = 0  # rollup rows with a penalty
    hazards_found: int = 0
    hazards_rectified_on_time: int = 0


class MonthlyScoreTotals(SQLModel, table=True):
    """One closed month's snapshots of one industry and town with one grade."""

    __tablename__ = "monthly_score_totals"

    month: str = Field(max_length=7, primary_key=True)
    industry: str = Field(max_length=32, primary_key=True)
    town: str = Field(max_length=16, primary_key=True)
    grade: str = Field(max_length=1, primary_key=True)
    score_sum: float = 0.0
    n: int = 0
    closed_at: datetime = Field(sa_type=DateTime(timezone=True))


class EnterpriseTotals(SQLModel, table=True):
    """One enterprise's rollup rows summed over every month on file."""

    __tablename__ = "enterprise_totals"

    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT", primary_key=True)
    cases: int = 0
    hours: float = 0.0

"""The enterprise × month rollup that trends and the effect of joining read from.

Maintained in the same transaction as the records it sums (intake, record edits), so the
dashboards aggregate ~25,000 × 36 narrow rows instead of the raw record tables.
"""

from decimal import Decimal

from sqlalchemy import Index, Numeric
from sqlmodel import Field, SQLModel


class MonthlyRollup(SQLModel, table=True):
    """Exposure and outcomes of one enterprise in one month (the API's metric inputs)."""

    __tablename__ = "monthly_rollup"
    __table_args__ = (Index("ix_rollup_month", "month", "enterprise_id"),)

    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT", primary_key=True)
    month: str = Field(max_length=7, primary_key=True)
    hours: float = 0.0
    accidents: int = 0
    # Accidents the enterprise itself reported; the rest are known only from official sources.
    accidents_self_reported: int = 0
    cases: int = 0  # injured + deaths
    fatalities: int = 0
    inspections: int = 0
    enforcement_cases: int = 0
    penalty_cny: Decimal = Field(default=Decimal(0), sa_type=Numeric(16, 2))
    hazards_found: int = 0
    hazards_rectified_on_time: int = 0

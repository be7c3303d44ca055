"""The enterprise's safety records: hours worked, accidents, inspections, hazards.

Every record carries `source_ref`, unique per enterprise and kind, so re-importing the same
file matches rows instead of duplicating them, and a `month` (`YYYY-MM`) so that monthly
aggregates group on an indexed column that reads the same on SQLite and PostgreSQL.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import created_at_field, month_check, one_of, updated_at_field
from .vocab import ACCIDENT_SOURCES, HAZARD_LEVELS, HAZARD_SOURCES, OUTCOMES, SEVERITIES


class WorkHours(SQLModel, table=True):
    """Hours worked by an enterprise in one month: the exposure behind every rate."""

    __tablename__ = "work_hours"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "month", name="uq_work_hours_month"),
        CheckConstraint("hours >= 0", name="ck_work_hours_hours"),
        CheckConstraint("headcount IS NULL OR headcount >= 0", name="ck_work_hours_headcount"),
        month_check("month", "ck_work_hours_month"),
        # Covering index for window sums per month across all enterprises.
        Index("ix_work_hours_month_enterprise", "month", "enterprise_id", "hours"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT")
    month: str = Field(max_length=7)
    hours: float
    headcount: int | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Accident(SQLModel, table=True):
    """A work-safety accident with its human toll."""

    __table_args__ = (
        UniqueConstraint("enterprise_id", "source_ref", name="uq_accident_source_ref"),
        one_of("severity", SEVERITIES, "ck_accident_severity"),
        one_of("source", ACCIDENT_SOURCES, "ck_accident_source"),
        CheckConstraint("injured >= 0 AND deaths >= 0", name="ck_accident_counts"),
        CheckConstraint(
            "(severity = 'fatal' AND deaths > 0) OR (severity <> 'fatal' AND deaths = 0)",
            name="ck_accident_fatal_has_deaths",
        ),
        CheckConstraint("direct_loss_cny IS NULL OR direct_loss_cny >= 0", name="ck_accident_loss"),
        month_check("month", "ck_accident_month"),
        Index("ix_accident_month_enterprise", "month", "enterprise_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT", index=True)
    source_ref: str = Field(max_length=64)
    occurred_on: date
    month: str = Field(max_length=7)
    severity: str = Field(max_length=16)
    injured: int = Field(default=0)
    deaths: int = Field(default=0)
    direct_loss_cny: Decimal | None = Field(default=None, sa_type=Numeric(16, 2))
    source: str = Field(default="bureau", max_length=16)
    description: str = Field(default="", sa_type=Text)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Inspection(SQLModel, table=True):
    """An enforcement inspection and its outcome (penalty in CNY where fined)."""

    __table_args__ = (
        UniqueConstraint("enterprise_id", "source_ref", name="uq_inspection_source_ref"),
        one_of("outcome", OUTCOMES, "ck_inspection_outcome"),
        CheckConstraint("penalty_cny >= 0", name="ck_inspection_penalty"),
        CheckConstraint(
            "penalty_cny = 0 OR outcome IN ('fine', 'suspension', 'referral')",
            name="ck_inspection_penalty_outcome",
        ),
        CheckConstraint("violations >= 0", name="ck_inspection_violations"),
        month_check("month", "ck_inspection_month"),
        Index("ix_inspection_month_enterprise", "month", "enterprise_id", "outcome"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT", index=True)
    source_ref: str = Field(max_length=64)
    inspected_on: date
    month: str = Field(max_length=7)
    authority: str = Field(default="应急管理局", max_length=64)
    violations: int = Field(default=0)
    outcome: str = Field(max_length=16)
    penalty_cny: Decimal = Field(default=Decimal(0), sa_type=Numeric(16, 2))
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Hazard(SQLModel, table=True):
    """A hazard (事故隐患), its deadline and, once fixed, its rectification date."""

    __table_args__ = (
        UniqueConstraint("enterprise_id", "source_ref", name="uq_hazard_source_ref"),
        one_of("source", HAZARD_SOURCES, "ck_hazard_source"),
        one_of("level", HAZARD_LEVELS, "ck_hazard_level"),
        CheckConstraint(
            "rectified_on IS NULL OR rectified_on >= found_on", name="ck_hazard_rectified"
        ),
        CheckConstraint("deadline IS NULL OR deadline >= found_on", name="ck_hazard_deadline"),
        month_check("month", "ck_hazard_month"),
        Index("ix_hazard_month_enterprise", "month", "enterprise_id"),
        # Open hazards are what the overdue sweep and the score's hazard component look for.
        Index("ix_hazard_open", "rectified_on", "deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT", index=True)
    source_ref: str = Field(max_length=64)
    found_on: date
    month: str = Field(max_length=7)
    source: str = Field(default="inspection", max_length=16)
    level: str = Field(default="general", max_length=8)
    description: str = Field(default="", sa_type=Text)
    deadline: date | None = None
    rectified_on: date | None = None
    rectify_note: str | None = Field(default=None, sa_type=Text)
    # Set by the daily overdue sweep the first day the hazard is past its deadline unrectified.
    overdue_marked_on: date | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class RecordDispute(SQLModel, table=True):
    """An SME's "this record is wrong" request, for the bureau to resolve."""

    __tablename__ = "record_dispute"
    __table_args__ = (
        one_of(
            "record_kind", ("accident", "inspection", "hazard", "work_hours"), "ck_dispute_kind"
        ),
        one_of("status", ("open", "resolved", "rejected"), "ck_dispute_status"),
        Index("ix_dispute_status", "status", "raised_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT", index=True)
    record_kind: str = Field(max_length=16)
    record_id: int
    message: str = Field(sa_type=Text)
    status: str = Field(default="open", max_length=10)
    raised_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    raised_at: datetime = created_at_field()
    resolved_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    resolution: str | None = Field(default=None, sa_type=Text)

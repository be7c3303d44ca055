"""Safety-score snapshots: one per enterprise per month, closed or provisional."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import created_at_field, month_check, one_of


class ScoreSnapshot(SQLModel, table=True):
    """The engine's result for one enterprise and month, with its explanation inputs.

    `kind` is `closed` for a month-close snapshot (what orders and settlement use) and
    `provisional` for the running current month, refreshed as records change.
    """

    __tablename__ = "score_snapshot"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "month", "kind", name="uq_snapshot_month"),
        one_of("kind", ("closed", "provisional"), "ck_snapshot_kind"),
        one_of("grade", ("A", "B", "C", "D"), "ck_snapshot_grade"),
        CheckConstraint("score >= 0 AND score <= 100", name="ck_snapshot_score"),
        month_check("month", "ck_snapshot_month"),
        Index("ix_snapshot_month_kind", "month", "kind", "enterprise_id", "score", "grade"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT")
    month: str = Field(max_length=7)
    kind: str = Field(default="closed", max_length=12)
    model_version: str = Field(max_length=32)
    score: float
    grade: str = Field(max_length=1)
    color: str = Field(max_length=8)
    veto: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    components: dict = Field(sa_column=Column(JSON, nullable=False))
    computed_at: datetime = created_at_field()


class MonthClose(SQLModel, table=True):
    """What a month close fixed: when, with which model and parameters, and the industry
    accident rates of the window, so later explanations and provisional scores re-use them."""

    __tablename__ = "month_close"
    __table_args__ = (
        UniqueConstraint("month", "kind", name="uq_month_close"),
        one_of("kind", ("closed", "provisional"), "ck_month_close_kind"),
        month_check("month", "ck_month_close_month"),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7)
    kind: str = Field(default="closed", max_length=12)
    model_version: str = Field(max_length=32)
    enterprises: int
    parameters: dict = Field(sa_column=Column(JSON, nullable=False))
    industry_stats: dict = Field(sa_column=Column(JSON, nullable=False))
    closed_at: datetime = created_at_field()

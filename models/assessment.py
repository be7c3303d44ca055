"""A chain's assessment of its suppliers: admission gate, yellow/red codes, appeals, and the
per-period composite standings that orders and settlement follow."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import created_at_field, month_check, one_of, updated_at_field

CODE_STATES = ("clear", "yellow", "red")
ORDER_ACTIONS = ("preferred", "normal", "probation", "suspend_new_orders")


class AdmissionCheck(SQLModel, table=True):
    """One basic safety condition of the admission gate, checked for one supplier."""

    __tablename__ = "admission_check"
    __table_args__ = (
        UniqueConstraint("chain_id", "enterprise_id", "condition_key", name="uq_admission_check"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(foreign_key="chain.id", ondelete="RESTRICT")
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT", index=True)
    condition_key: str = Field(max_length=32)
    met: bool = Field(default=False)
    evidence: str = Field(default="", sa_type=Text)
    verified_on: date | None = None
    verified_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    updated_at: datetime = updated_at_field()


class SupplierCode(SQLModel, table=True):
    """The current yellow/red code of a supplier in a chain (the state machine's state)."""

    __tablename__ = "supplier_code"
    __table_args__ = (
        UniqueConstraint("chain_id", "enterprise_id", name="uq_supplier_code"),
        one_of("state", CODE_STATES, "ck_supplier_code_state"),
        CheckConstraint("clean_periods >= 0", name="ck_supplier_code_clean"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(foreign_key="chain.id", ondelete="RESTRICT")
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT", index=True)
    state: str = Field(default="clear", max_length=8)
    since_period: str | None = Field(default=None, max_length=7)
    reason: str = Field(default="", sa_type=Text)
    clean_periods: int = Field(default=0)
    updated_at: datetime = updated_at_field()


class CodeEvent(SQLModel, table=True):
    """One transition of a supplier's code: what moved it, when, and why."""

    __tablename__ = "code_event"
    __table_args__ = (
        one_of("from_state", CODE_STATES, "ck_code_event_from"),
        one_of("to_state", CODE_STATES, "ck_code_event_to"),
        month_check("period", "ck_code_event_period"),
        Index("ix_code_event_chain_enterprise", "chain_id", "enterprise_id", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(foreign_key="chain.id", ondelete="RESTRICT")
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT")
    period: str = Field(max_length=7)
    from_state: str = Field(max_length=8)
    to_state: str = Field(max_length=8)
    # failing_band | veto | clean_run | appeal_upheld | manual
    trigger: str = Field(max_length=16)
    reason: str = Field(default="", sa_type=Text)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    at: datetime = created_at_field()


class Appeal(SQLModel, table=True):
    """An SME's appeal against a code; the chain leader decides and the decision is kept."""

    __table_args__ = (one_of("status", ("pending", "upheld", "rejected"), "ck_appeal_status"),)

    id: int | None = Field(default=None, primary_key=True)
    code_event_id: int = Field(foreign_key="code_event.id", ondelete="RESTRICT", index=True)
    chain_id: int = Field(foreign_key="chain.id", ondelete="RESTRICT")
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT", index=True)
    reason: str = Field(sa_type=Text)
    status: str = Field(default="pending", max_length=10)
    submitted_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    submitted_at: datetime = created_at_field()
    decided_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    decision_note: str | None = Field(default=None, sa_type=Text)


class Assessment(SQLModel, table=True):
    """A supplier's composite standing in a chain for one period, as fixed by the period's
    close (the consequences that orders and settlement applied)."""

    __table_args__ = (
        UniqueConstraint("chain_id", "enterprise_id", "period", name="uq_assessment"),
        month_check("period", "ck_assessment_period"),
        CheckConstraint(
            "order_action IS NULL OR order_action IN "
            "('preferred', 'normal', 'probation', 'suspend_new_orders')",
            name="ck_assessment_order_action",
        ),
        Index("ix_assessment_chain_period", "chain_id", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(foreign_key="chain.id", ondelete="RESTRICT")
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT", index=True)
    period: str = Field(max_length=7)
    scheme_version: int
    safety_score: float | None = None
    criteria: dict = Field(sa_column=Column(JSON, nullable=False))
    composite: float | None = None
    complete: bool = Field(default=False)
    standing: str | None = Field(default=None, max_length=64)
    order_action: str | None = Field(default=None, max_length=24)
    settlement_adjustment_pct: float | None = None
    veto: bool = Field(default=False)
    admission_passed: bool = Field(default=True)
    computed_at: datetime = created_at_field()

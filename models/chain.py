"""Chain leaders, their supplier memberships, assessment schemes and ratings."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Column, Index, Numeric, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from .base import created_at_field, month_check


class Chain(SQLModel, table=True):
    """A chain leader (链主) and, through memberships, its supplier network."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    leader_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT", index=True)
    joined_on: date
    # The eight basic safety conditions of the admission gate (安全准入), editable per chain:
    # [{"key", "label_zh", "label_en"}]. Defaults in anlian.services.admission.
    admission_conditions: list = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # 首次黄码警示，二次红码清退: a second failing period within this many months is red.
    code_lookback_months: int = Field(default=12, sa_column_kwargs={"server_default": "12"})
    # A yellow code clears after this many clean periods in a row.
    code_clear_after: int = Field(default=3, sa_column_kwargs={"server_default": "3"})
    webhook_url: str | None = Field(default=None, max_length=500)
    # Signs webhook bodies (HMAC-SHA256); generated when the webhook is configured.
    webhook_secret: str | None = Field(default=None, max_length=128)
    created_at: datetime = created_at_field()


class Membership(SQLModel, table=True):
    """A supplier's link to a chain; leaving sets `left_on`, rows are never deleted."""

    __table_args__ = (
        UniqueConstraint("chain_id", "enterprise_id", "joined_on", name="uq_membership_join"),
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="ck_membership_dates"),
        CheckConstraint("tier BETWEEN 1 AND 9", name="ck_membership_tier"),
        CheckConstraint(
            "annual_spend_cny IS NULL OR annual_spend_cny >= 0", name="ck_membership_spend"
        ),
        Index("ix_membership_enterprise_chain", "enterprise_id", "chain_id"),
        # At most one open membership of a supplier in a chain.
        Index(
            "uq_membership_open",
            "chain_id",
            "enterprise_id",
            unique=True,
            sqlite_where=text("left_on IS NULL"),
            postgresql_where=text("left_on IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(foreign_key="chain.id", ondelete="RESTRICT", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT")
    tier: int = Field(default=1)
    joined_on: date
    left_on: date | None = None
    annual_spend_cny: Decimal | None = Field(default=None, sa_type=Numeric(16, 2))
    created_at: datetime = created_at_field()


class Scheme(SQLModel, table=True):
    """One version of a chain's assessment scheme: weighted criteria and standing bands.

    Weights are stored in basis points (1/100 of a percent) so that "sums to exactly 100" is
    an integer comparison; `safety_weight_bp` repeats the safety weight so the database itself
    can refuse a scheme below 10%.
    """

    __table_args__ = (
        UniqueConstraint("chain_id", "version", name="uq_scheme_version"),
        CheckConstraint("safety_weight_bp >= 1000", name="ck_scheme_safety_min_10pct"),
        CheckConstraint("version >= 1", name="ck_scheme_version"),
        month_check("effective_from", "ck_scheme_effective_from"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(foreign_key="chain.id", ondelete="RESTRICT", index=True)
    version: int
    effective_from: str = Field(max_length=7)
    safety_weight_bp: int
    # [{"key", "label", "weight_bp"}]
    criteria: list = Field(sa_column=Column(JSON, nullable=False))
    # [{"min_score", "label", "color", "order_action", "settlement_adjustment_pct"}]
    bands: list = Field(sa_column=Column(JSON, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


class Rating(SQLModel, table=True):
    """A chain's own rating of a supplier on one criterion for one period (never `safety`)."""

    __table_args__ = (
        UniqueConstraint(
            "chain_id", "enterprise_id", "period", "criterion", name="uq_rating_natural_key"
        ),
        CheckConstraint("score >= 0 AND score <= 100", name="ck_rating_score"),
        CheckConstraint("criterion <> 'safety'", name="ck_rating_not_safety"),
        month_check("period", "ck_rating_period"),
        Index("ix_rating_chain_period", "chain_id", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(foreign_key="chain.id", ondelete="RESTRICT")
    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT")
    period: str = Field(max_length=7)
    criterion: str = Field(max_length=32)
    score: Decimal = Field(sa_type=Numeric(5, 2))
    created_at: datetime = created_at_field()

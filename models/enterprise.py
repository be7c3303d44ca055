"""Enterprises under supervision, keyed by their USCC."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from .base import created_at_field, one_of, updated_at_field
from .vocab import INDUSTRIES, RISK_COLORS, STANDARDIZATION, TOWNS


class Enterprise(SQLModel, table=True):
    """An enterprise: its identity, size and the foundation facts the score uses."""

    __table_args__ = (
        one_of("industry", INDUSTRIES, "ck_enterprise_industry"),
        one_of("town", TOWNS, "ck_enterprise_town"),
        one_of("standardization", STANDARDIZATION, "ck_enterprise_standardization"),
        # NULL (class not yet assigned) passes a CHECK, as SQL intends.
        one_of("risk_color", RISK_COLORS, "ck_enterprise_risk_color"),
        CheckConstraint("headcount >= 0", name="ck_enterprise_headcount"),
        CheckConstraint("LENGTH(uscc) = 18", name="ck_enterprise_uscc_length"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uscc: str = Field(max_length=18, unique=True, index=True)
    name: str = Field(max_length=200)
    industry: str = Field(max_length=32, index=True)
    town: str = Field(max_length=16, index=True)
    headcount: int = Field(default=0)
    standardization: str = Field(default="none", max_length=16)
    # A standardization grade is valid for three years from grading.
    standardization_expires_on: date | None = None
    risk_color: str | None = Field(default=None, max_length=8)
    steward: bool = Field(default=False)
    # 严重失信名单: listed while listed_on <= day and (repaired_on is null or > day).
    dishonest_listed_on: date | None = None
    dishonest_repaired_on: date | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()

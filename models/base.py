"""Shared column helpers for the tables: timestamps, enum checks, months."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime
from sqlmodel import Field

# The largest values the columns hold on PostgreSQL: INTEGER, and money as
# Numeric(16, 2). Inputs beyond them are refused as invalid rather than overflowing (a 500).
INT_MAX = 2**31 - 1
MONEY_MAX = Decimal("99999999999999.99")


def N_(message: str) -> str:
    """Mark a message for translation without translating it here (the ground has no Flask)."""
    return message


def utcnow() -> datetime:
    """The current time, timezone-aware (SQLModel refuses naive datetimes)."""
    return datetime.now(UTC)


def created_at_field():
    """A timezone-aware creation timestamp filled at insert."""
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


def updated_at_field():
    """A timezone-aware timestamp refreshed by every ORM update."""
    return Field(
        default_factory=utcnow,
        sa_type=DateTime(timezone=True),
        nullable=False,
        sa_column_kwargs={"onupdate": utcnow},
    )


def one_of(column: str, values, name: str) -> CheckConstraint:
    """A CHECK constraint keeping `column` inside an enumeration."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


def month_of(day: date) -> str:
    """The `YYYY-MM` month a date falls in: the grouping key of every monthly aggregate."""
    return f"{day.year:04d}-{day.month:02d}"


MONTH_CHECK = "LENGTH({col}) = 7 AND SUBSTR({col}, 5, 1) = '-'"


def month_check(column: str, name: str) -> CheckConstraint:
    """A CHECK that a month column is written `YYYY-MM`."""
    return CheckConstraint(MONTH_CHECK.format(col=column), name=name)

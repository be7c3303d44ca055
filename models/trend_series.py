"""Each enterprise's rollup as one stored vector, so the trend block of the few thousand
linked enterprises is a few thousand small reads instead of ~130,000 rollup rows.

Kept equal to the rollup by anlian.services.trends_series in the same transaction that
changes it (rollup.refresh / rebuild_all, next to enterprise_totals).
"""

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel


class EnterpriseSeries(SQLModel, table=True):
    """One enterprise's rollup rows, month by month from `first_month`: little-endian float64,
    months × trends_series.COLUMNS (format `version`), zeros for months without a row."""

    __tablename__ = "enterprise_series"

    enterprise_id: int = Field(foreign_key="enterprise.id", ondelete="RESTRICT", primary_key=True)
    first_month: str = Field(max_length=7)
    version: int = 1
    data: bytes = Field(sa_type=LargeBinary)

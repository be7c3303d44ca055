"""Stored totals for the trend views (per month and cell, per enterprise), filled from the data

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The application keeps both tables up to date from now on (anlian.services.trends_totals);
# the months already on file are summed here once, in SQL of this revision's schema.
FILL_TOTALS = """
INSERT INTO monthly_totals (month, industry, town, hours, enterprises, cases, fatalities,
    accidents, accidents_self_reported, inspections, enforcement_cases, penalty_cny,
    penalty_sq, penalty_events, hazards_found, hazards_rectified_on_time)
SELECT r.month, e.industry, e.town, SUM(r.hours), SUM(CASE WHEN r.hours > 0 THEN 1 ELSE 0 END),
    SUM(r.cases), SUM(r.fatalities), SUM(r.accidents), SUM(r.accidents_self_reported),
    SUM(r.inspections), SUM(r.enforcement_cases), SUM(r.penalty_cny),
    SUM(CAST(r.penalty_cny AS FLOAT) * CAST(r.penalty_cny AS FLOAT)),
    SUM(CASE WHEN r.penalty_cny > 0 THEN 1 ELSE 0 END), SUM(r.hazards_found),
    SUM(r.hazards_rectified_on_time)
FROM monthly_rollup r JOIN enterprise e ON e.id = r.enterprise_id
GROUP BY r.month, e.industry, e.town
"""
FILL_ENTERPRISES = """
INSERT INTO enterprise_totals (enterprise_id, cases, hours)
SELECT enterprise_id, SUM(cases), SUM(hours) FROM monthly_rollup GROUP BY enterprise_id
"""
FILL_SCORES = """
INSERT INTO monthly_score_totals (month, industry, town, grade, score_sum, n, closed_at)
SELECT s.month, e.industry, e.town, s.grade, SUM(s.score), COUNT(*), c.closed_at
FROM score_snapshot s
JOIN enterprise e ON e.id = s.enterprise_id
JOIN month_close c ON c.month = s.month AND c.kind = 'closed'
WHERE s.kind = 'closed'
GROUP BY s.month, e.industry, e.town, s.grade, c.closed_at
"""


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString

    def cell():
        return [
            sa.Column("month", text(length=7), nullable=False),
            sa.Column("industry", text(length=32), nullable=False),
            sa.Column("town", text(length=16), nullable=False),
        ]

    counts = ("cases", "fatalities", "accidents", "accidents_self_reported", "inspections")
    counts += ("enforcement_cases",)
    op.create_table(
        "monthly_totals",
        *cell(),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("enterprises", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in counts),
        sa.Column("penalty_cny", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("penalty_sq", sa.Float(), nullable=False),
        sa.Column("penalty_events", sa.Integer(), nullable=False),
        sa.Column("hazards_found", sa.Integer(), nullable=False),
        sa.Column("hazards_rectified_on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "industry", "town"),
    )
    op.create_table(
        "monthly_score_totals",
        *cell(),
        sa.Column("grade", text(length=1), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", "industry", "town", "grade"),
    )
    op.create_table(
        "enterprise_totals",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("enterprise_id"),
    )
    op.execute(FILL_TOTALS)
    op.execute(FILL_ENTERPRISES)
    op.execute(FILL_SCORES)


def downgrade() -> None:
    op.drop_table("enterprise_totals")
    op.drop_table("monthly_score_totals")
    op.drop_table("monthly_totals")

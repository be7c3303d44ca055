"""Each enterprise's rollup as one stored vector (enterprise_series), filled from the rollup

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

import itertools
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The application keeps the table up to date from now on (anlian.services.trends_series);
# the rollup on file is encoded here once, in this revision's format (version 1): per month
# from the first to the last rollup month, little-endian float64 hours, present (1 where a
# rollup row exists) and the event columns of rows with an accident, inspection or hazard.
EVENTS = ("cases", "fatalities", "accidents", "accidents_self_reported", "inspections")
EVENTS += ("enforcement_cases", "penalty_cny", "hazards_found", "hazards_rectified_on_time")
ROLLUP = f"""
SELECT enterprise_id, month, hours, {", ".join(EVENTS).replace("penalty_cny", "CAST(penalty_cny AS FLOAT)")}
FROM monthly_rollup ORDER BY enterprise_id, month
"""  # noqa: E501
EVENT_AT = [1 + EVENTS.index(name) for name in ("accidents", "inspections", "hazards_found")]
CHUNK = 2000


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _encode(rows):
    for enterprise_id, group in itertools.groupby(rows, key=lambda r: r[0]):
        group = list(group)
        at = np.array([_index(r[1]) for r in group], dtype=np.int64)
        found = np.array([r[2:] for r in group], dtype=np.float64)
        vector = np.zeros((at[-1] - at[0] + 1, 2 + len(EVENTS)), dtype="<f8")
        at -= at[0]
        vector[at, 0] = found[:, 0]
        vector[at, 1] = 1
        event = np.logical_or.reduce(found[:, EVENT_AT] > 0, axis=1)
        vector[at[event], 2:] = found[event, 1:]
        yield {"e": enterprise_id, "f": group[0][1], "v": 1, "d": vector.tobytes()}


def upgrade() -> None:
    table = op.create_table(
        "enterprise_series",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("first_month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("enterprise_id"),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.text(ROLLUP)).all()
    insert = sa.insert(table).values(
        enterprise_id=sa.bindparam("e"),
        first_month=sa.bindparam("f"),
        version=sa.bindparam("v"),
        data=sa.bindparam("d"),
    )
    encoded = _encode(rows)
    while chunk := list(itertools.islice(encoded, CHUNK)):
        bind.execute(insert, chunk)


def downgrade() -> None:
    op.drop_table("enterprise_series")

"""Each enterprise's rollup as one stored vector (enterprise_series), filled from the rollup

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

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


def _encode(rows) -> list[dict]:
    """Rows sorted by enterprise and month → (e, f, v, d) per enterprise, in one array."""
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))
    ids = np.array(columns[0], dtype=np.int64)
    index = {m: _index(m) for m in set(columns[1])}
    at = np.array([index[m] for m in columns[1]], dtype=np.int64)
    found = np.array(columns[2:], dtype=np.float64).T
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    counts = np.diff(np.r_[starts, ids.size])
    first = at[starts]
    length = at[np.r_[starts[1:], ids.size] - 1] - first + 1
    offset = np.r_[0, np.cumsum(length)[:-1]]
    row = np.repeat(offset - first, counts) + at
    out = np.zeros((int(length.sum()), 2 + len(EVENTS)), dtype="<f8")
    out[row, 0] = found[:, 0]
    out[row, 1] = 1
    event = np.logical_or.reduce(found[:, EVENT_AT] > 0, axis=1)
    out[row[event], 2:] = found[event, 1:]
    return [
        {"e": e, "f": columns[1][s], "v": 1, "d": out[o : o + n].tobytes()}
        for e, s, o, n in zip(
            ids[starts].tolist(), starts.tolist(), offset.tolist(), length.tolist(), strict=True
        )
    ]


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
    for start in range(0, len(encoded), CHUNK):
        bind.execute(insert, encoded[start : start + CHUNK])


def downgrade() -> None:
    op.drop_table("enterprise_series")

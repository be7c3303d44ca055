"""Each enterprise's rollup stored as one vector (models.EnterpriseSeries): the trend block
(trends_base._block) reads the linked enterprises' vectors instead of their rollup rows.

A vector holds, month by month from the enterprise's first rollup month to its last,
COLUMNS as little-endian float64: the hours, 1 where a rollup row exists, and the event
columns of rows with an event (zeros otherwise, as the block's row read leaves them).
Replaced for the touched enterprises in the transaction that changes their rollup
(trends_totals.refresh_enterprises, called by rollup.refresh and rebuild_all).
"""

import numpy as np
from sqlalchemy import Float, cast, delete, insert, literal, select

from models import EnterpriseSeries, MonthlyRollup

from .. import months

VERSION = 1
EVENTS = ("cases", "fatalities", "accidents", "accidents_self_reported", "inspections")
EVENTS += ("enforcement_cases", "penalty_cny", "hazards_found", "hazards_rectified_on_time")
COLUMNS = ("hours", "present", *EVENTS)
DTYPE = np.dtype("<f8")
R = MonthlyRollup
# Rows with an event: an accident, an inspection or a hazard (trends_base.has_event).
_EVENT_AT = [1 + EVENTS.index(name) for name in ("accidents", "inspections", "hazards_found")]


def _rollup(enterprise_ids):
    columns = [getattr(R, name) for name in EVENTS]
    columns[EVENTS.index("penalty_cny")] = cast(R.penalty_cny, Float)
    query = select(R.enterprise_id, R.month, R.hours, *columns).order_by(R.enterprise_id, R.month)
    if enterprise_ids is not None:
        query = query.where(R.enterprise_id.in_(enterprise_ids))
    return query


def encode(rows) -> list[dict]:
    """EnterpriseSeries rows from rollup rows (enterprise_id, month, hours, *EVENTS) sorted
    by enterprise and month: one array for all (an import refreshes thousands at once)."""
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))
    ids = np.array(columns[0], dtype=np.int64)
    index = {m: months.index(m) for m in set(columns[1])}
    at = np.array([index[m] for m in columns[1]], dtype=np.int64)
    found = np.array(columns[2:], dtype=np.float64).T
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    counts = np.diff(np.r_[starts, ids.size])
    first = at[starts]
    length = at[np.r_[starts[1:], ids.size] - 1] - first + 1
    offset = np.r_[0, np.cumsum(length)[:-1]]
    row = np.repeat(offset - first, counts) + at  # each rollup row's place in `out`
    out = np.zeros((int(length.sum()), len(COLUMNS)), dtype=DTYPE)
    out[row, 0] = found[:, 0]
    out[row, 1] = 1
    event = np.logical_or.reduce(found[:, _EVENT_AT] > 0, axis=1)
    out[row[event], 2:] = found[event, 1:]
    first_month = [columns[1][i] for i in starts.tolist()]
    return [
        {"enterprise_id": e, "first_month": f, "version": VERSION, "data": out[o : o + n].tobytes()}
        for e, f, o, n in zip(
            ids[starts].tolist(), first_month, offset.tolist(), length.tolist(), strict=True
        )
    ]


def refresh(session, enterprise_ids=None) -> None:
    """Replace the vectors of the given enterprises (None: all) from the rollup."""
    from .trends_base import fetch  # trends_base reads through this module

    stale = delete(EnterpriseSeries)
    if enterprise_ids is not None:
        stale = stale.where(EnterpriseSeries.enterprise_id.in_(enterprise_ids))
    session.execute(stale)
    query = _rollup(enterprise_ids)
    # The whole rollup on the raw cursor (fetch: no IN lists), a few enterprises through Core.
    rows = fetch(session, query) if enterprise_ids is None else session.execute(query).all()
    found = encode(rows)
    if found:
        session.execute(insert(EnterpriseSeries), found)


def has_series():
    """A query with one row when any vector is stored (else the block reads the rollup)."""
    return select(literal(1)).select_from(EnterpriseSeries).limit(1)


def read(found, ids: np.ndarray, first: int, n_months: int) -> np.ndarray | None:
    """[enterprise, month, COLUMNS] over `n_months` from month index `first`, from the
    (enterprise_id, first_month, version, data) rows of vectors (None: a vector of another
    format, read the rollup instead)."""
    out = np.zeros((ids.size, n_months, len(COLUMNS)))
    pos = np.searchsorted(ids, np.array([f[0] for f in found], dtype=np.int64))
    for p, (_, first_month, version, data) in zip(pos.tolist(), found, strict=True):
        if version != VERSION:
            return None
        vector = np.frombuffer(data, dtype=DTYPE).reshape(-1, len(COLUMNS))
        start = months.index(first_month) - first
        lo, hi = max(start, 0), min(start + vector.shape[0], n_months)
        if lo < hi:
            out[p, lo:hi] = vector[lo - start : hi - start]
    return out

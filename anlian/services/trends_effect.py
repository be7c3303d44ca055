"""The effect of joining (API.md): windows aligned on each supplier's join month, pooled.

Per linked supplier, J is the month of its first `joined_on` (in the chain, or in any chain for
`all`); the before window is J−window … J−1, the after window J … J+window−1, and only
suppliers whose both windows lie inside the months with data count. Suppliers that left stay in
(intention to treat: dropping them would keep only the ones that did well). The never-linked
control is weighted per calendar month by how many included suppliers' windows hold it.
Three queries: the suppliers' window sums by relative month, their join months, and the
control's monthly sums; the rest is arithmetic on arrays.
"""

import numpy as np
from sqlalchemy import func, literal, select

from models import Enterprise, Membership

from .. import months
from ..scope import Scope, membership_filter
from .trends import (
    SUMS,
    R,
    Selection,
    data_span,
    date_index,
    month_index,
    monthly_sums,
    never_linked,
)
from .trends import universe as universe_of
from .trends_cache import memo, records, rows, scope_key
from .trends_pooling import COLUMNS, assemble


def _joins(sel: Selection, scope: Scope, bounds: tuple[int, int], window: int, by_chain: bool):
    """Included suppliers: (key, enterprise_id, j) with both windows inside `bounds`."""
    m = Membership
    j = func.min(date_index(m.joined_on))
    key = m.chain_id if by_chain else literal(0)
    query = select(key.label("key"), m.enterprise_id, j.label("j")).where(
        membership_filter(scope), universe_of(m.enterprise_id, sel)
    )
    if sel.chain_id is not None:
        query = query.where(m.chain_id == sel.chain_id)
    groups = (m.chain_id, m.enterprise_id) if by_chain else (m.enterprise_id,)
    first, last = bounds
    return query.group_by(*groups).having(j.between(first + window, last - window + 1)).subquery()


def _window_rows(session, joins, window: int) -> list:
    """Sums of the included suppliers by (key, month relative to J)."""
    rel = (month_index(R.month) - joins.c.j).label("rel")
    query = (
        select(joins.c.key, rel, *(f().label(n) for n, f in SUMS.items()))
        .join_from(joins, R, R.enterprise_id == joins.c.enterprise_id)
        .where(month_index(R.month).between(joins.c.j - window, joins.c.j + window - 1))
        .group_by(joins.c.key, rel)
    )
    return records(session, query)


def _join_counts(session, joins) -> dict:
    """{key: {j: suppliers}}."""
    query = select(joins.c.key, joins.c.j, func.count()).group_by(joins.c.key, joins.c.j)
    counts: dict = {}
    for key, j, n in rows(session, query):
        counts.setdefault(key, {})[int(j)] = int(n)
    return counts


def _n_control(session, sel: Selection, span) -> int:
    """Never-linked enterprises in the selection with hours worked in the months with data."""
    worked = (
        select(R.enterprise_id)
        .where(R.enterprise_id == Enterprise.id, R.month.between(*span), R.hours > 0)
        .exists()
    )
    query = select(func.count()).where(
        never_linked(Enterprise.id), universe_of(Enterprise.id, sel), worked
    )
    return int(rows(session, query)[0][0])


def _control(session, scope: Scope, sel: Selection, span) -> dict[str, np.ndarray]:
    """The never-linked group's sums per calendar month of the span, as arrays."""
    labels = months.span(*span)
    wider = Selection(industry=sel.industry, town=sel.town)  # the control is city-wide
    found = monthly_sums(session, scope, wider, "non_members", span)
    return {c: np.array([float(found.get(m, {}).get(c) or 0) for m in labels]) for c in COLUMNS}


def effect(
    session, scope: Scope, sel: Selection, *, window: int = 12, by_chain: bool = False
) -> dict:
    """{"months", "n_control", "results": {key: result}, "empty"}: key 0 without `by_chain`,
    else chain ids; `empty` stands for a key without included suppliers. Read-only if cached."""
    key = ("effect", scope_key(scope), sel, window, by_chain)
    return memo(session, key, lambda: _effect(session, scope, sel, window, by_chain))


def _effect(session, scope: Scope, sel: Selection, window: int, by_chain: bool) -> dict:
    span = data_span(session, sel)
    if span is None:
        empty = assemble(None, {}, {c: np.zeros(0) for c in COLUMNS}, 0, window, 0)
        return {"months": None, "n_control": 0, "results": {}, "empty": empty}
    bounds = (months.index(span[0]), months.index(span[1]))
    joins = _joins(sel, scope, bounds, window, by_chain)
    counts = _join_counts(session, joins)
    treated = _by_key(_window_rows(session, joins, window), window)
    control = _control(session, scope, sel, span)
    n_control = _n_control(session, sel, span)
    results = {
        key: assemble(treated.get(key), hist, control, bounds[0], window, n_control)
        for key, hist in counts.items()
    }
    return {
        "months": span,
        "n_control": n_control,
        "results": results,
        "empty": assemble(None, {}, control, bounds[0], window, n_control),
    }


def _by_key(found, window: int) -> dict:
    """{key: {column: array over relative months −window … window−1}}."""
    out: dict = {}
    for row in found:
        arrays = out.setdefault(row["key"], {c: np.zeros(2 * window) for c in COLUMNS})
        for c in COLUMNS:
            arrays[c][int(row["rel"]) + window] = float(row[c] or 0)
    return out

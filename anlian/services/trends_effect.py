"""The effect of joining (API.md): windows aligned on each supplier's join month, pooled.

Per linked supplier, J is the month of its first `joined_on` (in the chain, or in any chain for
`all`); the before window is J−window … J−1, the after window J … J+window−1, and only
suppliers whose both windows lie inside the months with data count. Suppliers that left stay in
(intention to treat: dropping them would keep only the ones that did well). The never-linked
control is weighted per calendar month by how many included suppliers' windows hold it.
No query of its own: gathers over the arrays of trends_base (every chain at once; one chain's
result is its row of that), then arithmetic (trends_pooling).
"""

import numpy as np

from .. import months
from ..scope import Scope
from . import trends_base as base
from .trends import Selection, data_span
from .trends_cache import memo, scope_key
from .trends_funnel import per_enterprise
from .trends_pooling import COLUMNS, assemble

SUM_COLUMNS = [base.K[c] for c in COLUMNS]


def _joins(blk: base.Block, lk: base.Links, bounds, window: int, by_chain: bool):
    """Included suppliers, sorted by key: (key, block position, J) with both windows inside
    `bounds`; J is the first join (in the chain, or in any of the memberships given)."""
    keys = lk.chain if by_chain else np.zeros_like(lk.chain)
    order = np.lexsort((lk.joined, lk.pos, keys))
    keys, pos, joined = keys[order], lk.pos[order], lk.joined[order]
    starts, keys, pos = base.pairs(keys, pos, blk.ids.size)
    j = np.minimum.reduceat(joined, starts) if starts.size else joined
    first, last = bounds
    inside = (j >= first + window) & (j <= last - window + 1)
    return keys[inside], pos[inside], j[inside]


def _windows(blk: base.Block, keys, pos, j, window: int) -> dict:
    """{key: {column: array over relative months −window … window−1}}."""
    at = j[:, None] - window + np.arange(2 * window)[None, :] - blk.first
    gathered = blk.values[pos[:, None], at][:, :, SUM_COLUMNS]
    return {
        key: {c: rows[:, i] for i, c in enumerate(COLUMNS)}
        for key, rows in base.by_key(keys, gathered).items()
    }


def _join_counts(keys, j) -> dict:
    """{key: {j: suppliers}}."""
    counts: dict = {}
    for key, month in zip(keys.tolist(), j.tolist(), strict=True):
        hist = counts.setdefault(key, {})
        hist[month] = hist.get(month, 0) + 1
    return counts


def _control(session, scope: Scope, sel: Selection, span) -> dict[str, np.ndarray]:
    """The never-linked group's sums per calendar month of the span, as arrays."""
    wider = Selection(industry=sel.industry, town=sel.town)  # the control is city-wide
    found = base.monthly(session, scope, wider, "non_members")
    part = found[base.span_slice(base.block(session), span)]
    return {c: part[:, base.K[c]].copy() for c in COLUMNS}


def _n_control(session, sel: Selection, span) -> int:
    """Never-linked enterprises in the selection with hours worked in the span (from the
    funnel's per-enterprise sums, which the dashboard reads anyway)."""
    found = per_enterprise(session, span)
    keep = ~np.isin(found.ids, base.block(session).ids)
    if sel.industry:
        keep &= found.industry == sel.industry
    if sel.town:
        keep &= found.town == sel.town
    return int(keep.sum())


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
    if sel.chain_id is not None and not by_chain:
        # One chain's result is its row of the all-chains result (same joins, same control).
        wider = Selection(None, sel.industry, sel.town, sel.first, sel.last)
        every = effect(session, scope, wider, window=window, by_chain=True)
        found = every["results"].get(sel.chain_id)
        return every | {"results": {0: found} if found is not None else {}}
    bounds = (months.index(span[0]), months.index(span[1]))
    blk = base.block(session)
    lk = base.selected(blk, base.links(session, scope, blk), sel)
    keys, pos, j = _joins(blk, lk, bounds, window, by_chain)
    treated = _windows(blk, keys, pos, j, window)
    counts = _join_counts(keys, j)
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

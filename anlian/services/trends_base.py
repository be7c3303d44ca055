"""What every trend view is computed from, read once per data version: a few set-based
queries over the whole data span, then numpy for each series, effect, heatmap and table.

- the **block**: every linked supplier and chain leader (a few thousand enterprises) month
  by month, all rollup sums plus their closed score and colour: members in force, a chain's
  suppliers past and present, the join-aligned windows of the effect are masks and gathers
  over it;
- the **totals** of a universe (city, one industry or one town) month by month: sums of the
  stored (month, industry, town) cells of trends_totals, kept by the rollup's writers and the
  month close (computed live from work hours, rollup and snapshots only where nothing is
  stored). The never-linked group is the totals less the block (never linked = not in the
  block);
- the **memberships** the caller may see (anlian.scope.membership_filter), as month indices.

Everything is cached by data version (trends_cache.latest: the newest version only), so a
month close or a record edit recomputes it and every gunicorn worker agrees.
"""

import functools
import gc
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Float, case, cast, func, literal_column, or_, select

from models import Chain, Enterprise, EnterpriseSeries, Membership, ScoreSnapshot, WorkHours

from .. import months
from ..scope import Scope, membership_filter
from . import trends_series, trends_totals
from .trends import SUMS, R, Selection, data_span, months_between, universe
from .trends_cache import latest, scope_key

COLOURS = ("red", "orange", "yellow", "blue")
GRADES = {"A": "blue", "B": "yellow", "C": "orange", "D": "red"}
# Every column of a month's sums; `present` counts rollup rows (the heatmap's cells).
COLUMNS = (*SUMS, "score_sum", "score_n", *COLOURS, "present")
K = {name: i for i, name in enumerate(COLUMNS)}
RAW = ("hours", "cases", "fatalities", "accidents", "accidents_self_reported", "inspections")
RAW += ("enforcement_cases", "penalty_cny", "hazards_found", "hazards_rectified_on_time")
EVENT_SUMS = [name for name in SUMS if name not in ("hours", "enterprises")]
NEVER = np.iinfo(np.int64).max // 2  # "has not left"
STORED = tuple(trends_totals.SUMS)  # the rollup columns of a stored cell


@dataclass(frozen=True)
class Block:
    """Linked suppliers and chain leaders × the months of the data span × COLUMNS."""

    months: tuple[str, ...]
    first: int  # month index of months[0]
    ids: np.ndarray  # enterprise ids, ascending
    values: np.ndarray  # [enterprise, month, column]
    industry: np.ndarray
    town: np.ndarray

    def in_universe(self, sel: Selection) -> np.ndarray:
        keep = np.ones(self.ids.size, dtype=bool)
        if sel.industry:
            keep &= self.industry == sel.industry
        if sel.town:
            keep &= self.town == sel.town
        return keep


@dataclass(frozen=True)
class Links:
    """Memberships the caller may see, rows sorted by (chain, enterprise)."""

    chain: np.ndarray
    pos: np.ndarray  # index into Block.ids
    joined: np.ndarray  # month index of joined_on
    left: np.ndarray  # month index of left_on (NEVER when open)


def block(session) -> Block | None:
    span = data_span(session)
    if span is None:
        return None
    return latest(session, ("trends_block", span), lambda: _block(session, span))


def has_event():
    """Every event column of a rollup row is zero unless it has an accident, an inspection or
    a hazard (cases, deaths, self-reports come with accidents, enforcement and penalties with
    inspections, rectifications with hazards)."""
    return or_(R.accidents > 0, R.inspections > 0, R.hazards_found > 0)


def within(session, span):
    """A condition keeping the rollup's rows to the span, or None when every row already is
    (the month filter is an expression per row, the costliest part of a full scan)."""
    # Two subqueries: SQLite answers a lone min() or max() from the index, not both at once.
    ends = [select(f(R.month)).scalar_subquery() for f in (func.min, func.max)]
    first, last = fetch(session, select(*ends))[0]
    if first is None or span[0] <= first and last <= span[1]:
        return None
    return months_between(R.month, span)


def without_gc(function):
    """Run `function` with the cyclic garbage collector paused: reading 100,000 rows makes as
    many tuples, which set off collections of the whole heap (a third of the time here),
    though none of them is garbage."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        paused = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if paused:
                gc.enable()

    return run


def fetch(session, query) -> list[tuple]:
    """All rows at once as plain tuples, on the DBAPI cursor of the session's transaction: the
    ORM's and Core's per-row work cost more than SQLite's scan. For queries whose columns
    need no result processing (numbers and text; no dates)."""
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect)
    params = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _linked_ids():
    return select(Membership.enterprise_id).union(select(Chain.leader_id))


@without_gc
def _block(session, span) -> Block:
    labels = tuple(months.span(*span))
    at = {m: i for i, m in enumerate(labels)}
    e = Enterprise
    query = select(e.id, e.industry, e.town).where(e.id.in_(_linked_ids())).order_by(e.id)
    attrs = fetch(session, query)
    ids = np.array([a[0] for a in attrs], dtype=np.int64)
    values = np.zeros((ids.size, len(labels), len(COLUMNS)))
    if not _from_series(session, values, ids, span):
        _from_rollup(session, values, ids, at)
    s = ScoreSnapshot
    scores = fetch(
        session,
        select(s.enterprise_id, s.month, s.score, s.grade).where(
            s.kind == "closed", s.enterprise_id.in_(_linked_ids()), s.month.between(*span)
        ),
    )
    if scores:
        columns = list(zip(*scores, strict=True))
        where = (np.searchsorted(ids, np.array(columns[0])), np.array([at[m] for m in columns[1]]))
        values[(*where, K["score_sum"])] = np.array(columns[2], dtype=np.float64)
        values[(*where, K["score_n"])] = 1
        values[(*where, np.array([K[GRADES[g]] for g in columns[3]]))] = 1
    industry = np.array([a[1] for a in attrs], dtype=object)
    town = np.array([a[2] for a in attrs], dtype=object)
    return Block(labels, months.index(span[0]), ids, values, industry, town)


def _from_series(session, values, ids, span) -> bool:
    """The rollup columns of the block from the stored vectors (trends_series); False when
    none is stored (rows written outside the application) or one is of another format."""
    if not fetch(session, trends_series.has_series()):
        return False
    v = EnterpriseSeries
    query = select(v.enterprise_id, v.first_month, v.version, v.data)
    found = fetch(session, query.where(v.enterprise_id.in_(_linked_ids())))
    raw = trends_series.read(found, ids, months.index(span[0]), values.shape[1])
    if raw is None:
        return False
    hours = raw[..., trends_series.COLUMNS.index("hours")]
    values[..., K["hours"]] = hours
    values[..., K["enterprises"]] = hours > 0
    values[..., K["present"]] = raw[..., trends_series.COLUMNS.index("present")]
    for name in trends_series.EVENTS:
        values[..., K[name]] = raw[..., trends_series.COLUMNS.index(name)]
    penalty = values[..., K["penalty_cny"]]
    values[..., K["penalty_sq"]] = penalty * penalty
    values[..., K["penalty_events"]] = penalty > 0
    return True


def _from_rollup(session, values, ids, at) -> None:
    """The rollup columns of the block from the rollup's rows."""
    # Hours for every row, the event columns only for rows with an event (a third here).
    linked = R.enterprise_id.in_(_linked_ids())
    dense = select(R.enterprise_id, R.month, R.hours).where(linked)
    raw = [R.cases, R.fatalities, R.accidents, R.accidents_self_reported, R.inspections]
    raw += [R.enforcement_cases, cast(R.penalty_cny, Float), R.hazards_found]
    raw += [R.hazards_rectified_on_time]
    events = select(R.enterprise_id, R.month, *raw).where(linked, has_event())
    for query in (dense, events):
        found = [r for r in fetch(session, query) if r[1] in at]
        if not found:
            continue
        columns = list(zip(*found, strict=True))
        where = (np.searchsorted(ids, np.array(columns[0])), np.array([at[m] for m in columns[1]]))
        names = RAW[:1] if query is dense else RAW[1:]
        for name, column in zip(names, columns[2:], strict=True):
            values[(*where, K[name])] = np.array(column, dtype=np.float64)
        if query is dense:
            values[(*where, K["enterprises"])] = values[(*where, K["hours"])] > 0
            values[(*where, K["present"])] = 1
        else:
            penalty = values[(*where, K["penalty_cny"])]
            values[(*where, K["penalty_sq"])] = penalty * penalty
            values[(*where, K["penalty_events"])] = penalty > 0


def totals(session, sel: Selection) -> np.ndarray | None:
    """Everyone in the selection's universe (industry, town), month by month: [month, column]."""
    span = data_span(session)
    if span is None:
        return None
    key = ("trends_totals", span, sel.industry, sel.town)
    return latest(session, key, lambda: _totals(session, sel, span))


@without_gc
def _totals(session, sel: Selection, span) -> np.ndarray:
    """From the stored cells (trends_totals): the rollup's sums per month, the closed scores
    of every month whose stored rows are of its current close, the snapshots of the others."""
    if not fetch(session, trends_totals.has_totals()):
        return _live_totals(session, sel, span)
    at = {m: i for i, m in enumerate(months.span(*span))}
    out = np.zeros((len(at), len(COLUMNS)))
    t, st = trends_totals.T, trends_totals.S
    sums = (
        select(t.month, *(func.sum(t.__table__.c[name]) for name in STORED))
        .where(t.month.between(*span), trends_totals.in_cells(sel, t))
        .group_by(t.month)
    )
    columns = [K[name] for name in STORED]
    for month, *found in fetch(session, sums):
        out[at[month], columns] = [float(v or 0) for v in found]
    stored = (
        select(st.month, st.grade, func.sum(st.score_sum), func.sum(st.n))
        .where(st.month.between(*span), trends_totals.in_cells(sel, st))
        .where(trends_totals.current_score_months(span))
        .group_by(st.month, st.grade)
    )
    found = fetch(session, stored)
    s, done = ScoreSnapshot, {row[0] for row in found}
    for first, last in trends_totals.gaps(span, done):
        live = (
            select(s.month, s.grade, func.sum(s.score), func.count())
            .where(s.kind == "closed", s.month.between(first, last))
            .where(universe(s.enterprise_id, sel))
            .group_by(s.month, s.grade)
        )
        found += fetch(session, live)
    for month, grade, total, n in found:
        row = out[at[month]]
        row[K["score_sum"]] += float(total or 0)
        row[K["score_n"]] += n
        row[K[GRADES[grade]]] += n
    return out


@without_gc
def _live_totals(session, sel: Selection, span) -> np.ndarray:
    """The totals from the rollup, work hours and snapshots (no stored cells yet)."""
    at = {m: i for i, m in enumerate(months.span(*span))}
    out = np.zeros((len(at), len(COLUMNS)))
    w = WorkHours
    dense = (
        select(w.month, func.sum(w.hours), func.sum(case((w.hours > 0, 1), else_=0)))
        .where(w.month.between(*span), universe(w.enterprise_id, sel))
        .group_by(w.month)
    )
    for month, hours, active in fetch(session, dense):
        out[at[month], K["hours"]], out[at[month], K["enterprises"]] = hours or 0, active or 0
    # Months outside the span (events in a month nobody worked) are dropped below. Grouped
    # on `month || ''`: on the month itself SQLite walks the month index over every row
    # (a lookup each) instead of sorting the sixth that has an event.
    month = R.month.concat(literal_column("''"))
    events = (
        select(month, *(SUMS[name]() for name in EVENT_SUMS))
        .where(has_event(), universe(R.enterprise_id, sel))
        .group_by(month)
    )
    columns = [K[name] for name in EVENT_SUMS]
    for month, *sums in fetch(session, events):
        if month in at:
            out[at[month], columns] = [float(v or 0) for v in sums]
    s = ScoreSnapshot
    scores = (
        select(s.month, s.grade, func.sum(s.score), func.count())
        .where(s.kind == "closed", s.month.between(*span), universe(s.enterprise_id, sel))
        .group_by(s.month, s.grade)
    )
    for month, grade, total, n in fetch(session, scores):
        row = out[at[month]]
        row[K["score_sum"]] += float(total or 0)
        row[K["score_n"]] += n
        row[K[GRADES[grade]]] += n
    return out


def links(session, scope: Scope, blk: Block) -> Links:
    """The memberships the caller may see, as arrays over the block."""
    key = ("trends_links", scope_key(scope), blk.first, len(blk.months), blk.ids.size)
    return latest(session, key, lambda: _links(session, scope, blk))


def _links(session, scope: Scope, blk: Block) -> Links:
    m = Membership
    query = select(m.chain_id, m.enterprise_id, m.joined_on, m.left_on)
    query = query.where(membership_filter(scope)).order_by(m.chain_id, m.enterprise_id)
    found = session.connection().execute(query).all()  # dates: through SQLAlchemy

    def index(day):
        return NEVER if day is None else day.year * 12 + day.month - 1

    return Links(
        chain=np.array([f[0] for f in found], dtype=np.int64),
        pos=np.searchsorted(blk.ids, np.array([f[1] for f in found], dtype=np.int64)),
        joined=np.array([index(f[2]) for f in found], dtype=np.int64),
        left=np.array([index(f[3]) for f in found], dtype=np.int64),
    )


def _rows(lk: Links, keep: np.ndarray) -> Links:
    return Links(lk.chain[keep], lk.pos[keep], lk.joined[keep], lk.left[keep])


def pairs(keys: np.ndarray, pos: np.ndarray, n: int):
    """Unique (key, enterprise) pairs of rows already sorted by them: (starts, keys, pos)."""
    code = keys * (n + 1) + pos
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if code.size else code
    return starts, keys[starts], pos[starts]


def by_key(keys: np.ndarray, rows: np.ndarray) -> dict[int, np.ndarray]:
    """Sum rows sharing a key (keys sorted): {key: summed row}."""
    if keys.size == 0:
        return {}
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sums = np.add.reduceat(rows, starts, axis=0)
    return {int(k): sums[i] for i, k in enumerate(keys[starts])}


def selected(blk: Block, lk: Links, sel: Selection) -> Links:
    """The memberships of the selection: its chain, suppliers in its universe."""
    keep = blk.in_universe(sel)[lk.pos]
    if sel.chain_id is not None:
        keep &= lk.chain == sel.chain_id
    return _rows(lk, keep)


def members_by_chain(blk: Block, lk: Links) -> dict[int, np.ndarray]:
    """{chain: [month, column]} of the suppliers in force each month (an enterprise once,
    whatever its membership rows)."""
    midx = blk.first + np.arange(len(blk.months))
    force = (lk.joined[:, None] <= midx) & (midx < lk.left[:, None])
    starts, chains, pos = pairs(lk.chain, lk.pos, blk.ids.size)
    if starts.size == 0:
        return {}
    mask = np.logical_or.reduceat(force, starts, axis=0)
    return by_key(chains, mask[:, :, None] * blk.values[pos])


def members_any(blk: Block, lk: Links) -> np.ndarray:
    """[month, column] of the enterprises in force in any of the given memberships."""
    midx = blk.first + np.arange(len(blk.months))
    force = (lk.joined[:, None] <= midx) & (midx < lk.left[:, None])
    mask = np.zeros((blk.ids.size, midx.size), dtype=bool)
    np.logical_or.at(mask, lk.pos, force)
    return np.einsum("em,emk->mk", mask, blk.values)


def suppliers_by_chain(blk: Block, lk: Links) -> dict[int, np.ndarray]:
    """{chain: [month, column]} of its suppliers past and present, every month."""
    starts, chains, pos = pairs(lk.chain, lk.pos, blk.ids.size)
    return by_key(chains, blk.values[pos]) if starts.size else {}


def never_linked(blk: Block, total: np.ndarray, sel: Selection) -> np.ndarray:
    """[month, column] of the never-linked enterprises of the universe: totals less the block."""
    out = total - blk.values[blk.in_universe(sel)].sum(axis=0)
    out[:, K["present"]] = 0
    return np.maximum(out, 0.0) if out.size else out


def monthly(session, scope: Scope, sel: Selection, group: str) -> np.ndarray | None:
    """[month, column] of one group over the whole data span (None without data)."""
    blk = block(session)
    if blk is None:
        return None
    key = ("trends_monthly", blk.months, scope_key(scope), sel.chain_id, sel.industry, sel.town)
    key += (group,)
    return latest(session, key, lambda: _monthly(session, scope, sel, group, blk))


def _monthly(session, scope: Scope, sel: Selection, group: str, blk: Block) -> np.ndarray:
    empty = np.zeros((len(blk.months), len(COLUMNS)))
    if group == "non_members":
        return never_linked(blk, totals(session, sel), sel)
    if group == "all" and sel.chain_id is None:
        return totals(session, sel)
    lk = selected(blk, links(session, scope, blk), sel)
    if group == "members" and sel.chain_id is None:
        return members_any(blk, lk)
    if group == "members":
        return members_by_chain(blk, lk).get(sel.chain_id, empty)
    return suppliers_by_chain(blk, lk).get(sel.chain_id, empty)


def chain_members(session, scope: Scope, sel: Selection) -> dict[int, np.ndarray]:
    """{chain: [month, column]} of every chain's suppliers in force (the heatmap, the chain
    table's mean score), for the selection's universe and chain."""
    blk = block(session)
    if blk is None:
        return {}
    key = ("trends_chain_members", blk.months, scope_key(scope), sel.chain_id, sel.industry)
    key += (sel.town,)
    lk = links(session, scope, blk)
    return latest(session, key, lambda: members_by_chain(blk, selected(blk, lk, sel)))


def month_rows(found: np.ndarray, labels) -> dict[str, dict]:
    """{month: {column: value}} of an array over the data span (for trends.metrics)."""
    return {m: dict(zip(COLUMNS, found[i].tolist(), strict=True)) for i, m in enumerate(labels)}


def span_slice(blk: Block, span) -> slice:
    """The block's months of a span inside the data span."""
    return slice(months.index(span[0]) - blk.first, months.index(span[1]) - blk.first + 1)

"""A closed period's assessment served from the rows its month close stored.

A period's consequences are fixed when the month closes: what orders and settlement applied is
in the `Assessment` rows. For a closed period the ranking is therefore read from those rows,
joined to the enterprise (name, uscc, industry, town), its membership (tier), its safety
snapshot of the period (grade and so colour, vetoes) and its current code, with the trend
against the previous period's stored rows (a self-join), the band colour (from the stored
scheme version's bands), the filters, the sort, the page and the total all done in SQL: one
statement for a page and its total (another only to count past the last page), after one
that checks the period can be served this way, however many suppliers.

For a small page the statement picks the page over the few columns the order and the filters
need (joining only what a filter or the sort asks for: ORDER BY ... LIMIT, no numbering of
the whole chain), then joins everything shown to the page's rows alone; for many rows it
reads everything in one pass. Its shape depends only on which filters are set, the order,
and the scheme's bands; each shape is built once per process with bound parameters for the
values (building a statement of this size costs more than running it on SQLite).

The rows have the same shape and values as the live computation gives right after the close
(tests/test_procurement_stored.py holds the two side by side). What the row needs beyond the
stored columns:
- `rank` and `admission_missing`: the close keeps them in the row's `criteria` JSON under
  `_rank` and `_admission_missing` (criterion keys start with a letter, so the names cannot
  collide); rows closed before that are numbered over the stored rows (a window query) and
  shown the conditions missing now.
- `code`: the supplier's current code, as in the live ranking (it is what the code filter
  means); the `order_action` shown is the one the close applied.
"""

import functools
from dataclasses import dataclass

from sqlalchemy import (
    Float,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from models import (
    Assessment,
    Enterprise,
    Membership,
    MonthClose,
    Scheme,
    ScoreSnapshot,
    SupplierCode,
)
from models.vocab import GRADE_COLORS

from .. import months
from . import admission
from .assessment_table import RowFilters

# Kept in Assessment.criteria by the close besides the scores (criterion keys start with a
# letter, so these cannot collide): the rank, and the conditions a failed admission gate lacked.
RANK = "_rank"
ADMISSION_MISSING = "_admission_missing"
LEGACY = object()  # a complete row closed before the close kept its rank


@dataclass(frozen=True)
class StoredScheme:
    """The scheme version the close applied to the chain's rows of the period."""

    version: int
    criteria: list
    bands: list


def _servable_statement():
    """The check of `servable`, with bound parameters (built once)."""
    chain_id, period, before = bindparam("chain_id"), bindparam("period"), bindparam("before")
    version = (
        select(func.max(Assessment.scheme_version))
        .where(Assessment.chain_id == chain_id, Assessment.period == period)
        .scalar_subquery()
    )
    closed = exists().where(MonthClose.month == period, MonthClose.kind == "closed")
    previous = or_(
        exists().where(Assessment.chain_id == chain_id, Assessment.period == before),
        ~exists().where(Scheme.chain_id == chain_id, Scheme.effective_from <= before),
    )
    return select(Scheme.version, Scheme.criteria, Scheme.bands).where(
        Scheme.chain_id == chain_id, Scheme.version == version, closed, previous
    )


SERVABLE = _servable_statement()


def servable(session, chain_id: int, period: str) -> StoredScheme | None:
    """The scheme version of the chain's stored assessment of `period` when the ranking can be
    served from the stored rows (one query), else None. That needs the month closed, rows
    stored for the chain, and the previous period's composites fixed too: stored rows for the
    chain, or no scheme in force then (the live trend would compare with a live computation
    of that period otherwise)."""
    values = {"chain_id": chain_id, "period": period, "before": months.shift(period, -1)}
    found = session.connection().execute(SERVABLE, values).first()
    return StoredScheme(*found) if found else None


SORT_COLUMNS = {
    "composite": "composite",
    "safety": "safety_score",
    "name": "name",
    "trend": "trend",
    "settlement": "settlement_adjustment_pct",
}
FILTER_COLUMNS = {  # RowFilters field: the column it tests
    "grade": "grade",
    "standing": "order_action",
    "tier": "tier",
    "industry": "industry",
    "town": "town",
    "code": "code",
    "complete": "complete",
}


@dataclass(frozen=True)
class Shape:
    """What the statement's SQL depends on (the values are bound at execution)."""

    filters: tuple  # FILTER_COLUMNS keys that are set, and "q"
    sort: str | None  # a SORT_COLUMNS key, None for the ranking
    descending: bool
    paged: bool
    few: bool  # a page small enough to join what is shown to its rows alone
    one_enterprise: bool
    c_collate: bool  # PostgreSQL: order text by code point
    bands: tuple  # ((lowest composite in the band, colour), ...) highest first


def table(
    session,
    chain,
    scheme: StoredScheme,
    *,
    period: str,
    filters: RowFilters,
    sort: str = "rank",
    descending: bool | None = None,
    page: int | None = None,
    per_page: int | None = None,
    enterprise_id: int | None = None,
) -> tuple[list[dict], int]:
    """(rows of the page, total after the filters) of the chain's stored ranking of `period`,
    ordered as assessment_table.select_rows orders the live rows; one enterprise's row (and no
    rank) when `enterprise_id` is given; every row when `per_page` is None."""
    values = {
        "chain_id": chain.id,
        "period": period,
        "before": months.shift(period, -1),
        "first_day": months.first_day(period),
        "last_day": months.last_day(period),
        "enterprise_id": enterprise_id,
    }
    for field in FILTER_COLUMNS:
        values[field] = getattr(filters, field)
    text = (filters.q or "").strip()
    values |= {"q": text, "q_upper": text.upper(), "q_length": len(text)}
    if per_page is not None:
        values |= {"limit": per_page, "offset": (page - 1) * per_page}
    if sort in SORT_COLUMNS and descending is None:
        descending = sort != "name"
    shape = Shape(
        filters=tuple(f for f in FILTER_COLUMNS if values[f] is not None)
        + (("q",) if text else ()),
        sort=sort if sort in SORT_COLUMNS else None,
        descending=bool(descending),
        paged=per_page is not None,
        few=per_page is not None and per_page <= FEW,
        one_enterprise=enterprise_id is not None,
        c_collate=session.get_bind().dialect.name == "postgresql",
        bands=tuple((_lowest(b["min_score"]), b["color"]) for b in scheme.bands),
    )
    statement, count = _statements(shape)
    connection = session.connection()
    found = connection.execute(statement, values).all()
    if found:
        total = found[0].total
    elif shape.paged and page > 1:  # past the last page: count alone
        total = connection.execute(count, values).scalar_one()
    else:
        total = 0
    chain_id, ranked = chain.id, enterprise_id is None
    rows = [_row(r, period, chain_id, ranked) for r in found]
    _legacy_rank(session, chain_id, period, rows)
    _legacy_admission(session, chain, rows)
    return rows, total


def _lowest(min_score) -> float:
    """The least stored composite in a band starting at `min_score`: band_for compares in
    hundredths, and stored composites are whole hundredths."""
    return (round(float(min_score) * 100) - 0.5) / 100


FEW = 500  # rows per page up to which the shown columns are joined to the page alone


@functools.lru_cache(maxsize=512)
def _statements(shape: Shape):
    """(page statement, count statement) of a shape. A small page is chosen over the columns
    the ranking, filters and order need, and the rest joined to its rows alone; a large one
    (or all rows) reads everything in one pass, which is cheaper when most rows are shown."""
    if shape.few:
        wanted = {"enterprise_id", *RANKING_KEYS}
        wanted |= {FILTER_COLUMNS[f] for f in shape.filters if f != "q"}
        wanted |= {"name"} if "q" in shape.filters else set()
        wanted |= {SORT_COLUMNS[shape.sort]} if shape.sort else set()
    else:
        wanted = set(SHOWN)
    ranking = _ranking(shape, wanted)
    kept = _filters(ranking, shape)
    count = select(func.count()).select_from(ranking).where(*kept)
    if shape.filters:  # counted on the way (filtering twice would cost more)
        total = func.count().over().label("total")
    else:  # every stored row: counted on the (chain, period) index alone
        total = _stored_count(shape).scalar_subquery().label("total")
    order = _order(ranking, shape)
    if not shape.few:
        statement = select(total, *(ranking.c[n] for n in SHOWN)).where(*kept).order_by(*order)
        if shape.paged:
            statement = statement.limit(bindparam("limit")).offset(bindparam("offset"))
        return statement, count
    chosen = select(*(ranking.c[n] for n in sorted(wanted)), total).where(*kept)
    chosen = chosen.order_by(*order).limit(bindparam("limit")).offset(bindparam("offset"))
    return _shown(chosen.subquery("page"), shape), count


def _stored_count(shape: Shape):
    query = select(func.count()).where(
        Assessment.chain_id == bindparam("chain_id"), Assessment.period == bindparam("period")
    )
    if shape.one_enterprise:
        query = query.where(Assessment.enterprise_id == bindparam("enterprise_id"))
    return query


def _ordered(column, c_collate: bool):
    """Text ordered by code point, as Python orders str (SQLite's default; "C" on PostgreSQL)."""
    return column.collate("C") if c_collate else column


def _cents(column):
    return func.round(column * 100, type_=Float)


@dataclass(frozen=True)
class _Tables:
    """Aliases for one level of the statement (the ranking and the shown rows each have
    their own, so the correlated subqueries bind to the right one)."""

    row: type
    firm: type
    prev: type
    closed: type
    code: type

    @classmethod
    def named(cls, tag: str) -> "_Tables":
        return cls(
            aliased(Assessment, name=f"{tag}_row"),
            aliased(Enterprise, name=f"{tag}_firm"),
            aliased(Assessment, name=f"{tag}_prev"),
            aliased(ScoreSnapshot, name=f"{tag}_closed"),
            aliased(SupplierCode, name=f"{tag}_code"),
        )


RANKED, SHOWN_TABLES = _Tables.named("ranked"), _Tables.named("shown")

# The columns that need a join besides the stored row and its enterprise.
NEEDS = {
    "previous_composite": "prev",
    "trend": "prev",
    "grade": "snapshot",
    "provisional": "snapshot",
    "code": "code",
}


def _columns(t: _Tables, bands: tuple) -> dict:
    """Every column of a shown row, as expressions over the aliases `t`."""
    row, prev, closed = t.row, t.prev, t.closed
    provisional = select(ScoreSnapshot.id).where(
        ScoreSnapshot.enterprise_id == row.enterprise_id,
        ScoreSnapshot.month == bindparam("period"),
        ScoreSnapshot.kind == "provisional",
    )
    in_force = (  # suppliers.in_force, with the period's first and last day bound
        Membership.joined_on <= bindparam("last_day")
    ) & or_(Membership.left_on.is_(None), Membership.left_on > bindparam("first_day"))
    tier = (
        select(Membership.tier)
        .where(
            Membership.chain_id == row.chain_id,
            Membership.enterprise_id == row.enterprise_id,
            in_force,
        )
        .order_by(Membership.joined_on.desc())
        .limit(1)
        .scalar_subquery()
    )
    trend = case(
        (
            and_(row.composite.is_not(None), prev.composite.is_not(None)),
            (_cents(row.composite) - _cents(prev.composite)) / literal(100.0, Float),
        ),
        else_=null(),
    )
    # The snapshot's vetoes are read only where the stored row has one (the snapshot rows
    # are wide); its grade comes from the (month, kind, enterprise, score, grade) index.
    veto_rules = (
        select(ScoreSnapshot.veto)
        .where(
            ScoreSnapshot.enterprise_id == row.enterprise_id,
            ScoreSnapshot.month == bindparam("period"),
        )
        .order_by(ScoreSnapshot.kind)  # closed before provisional
        .limit(1)
        .scalar_subquery()
    )
    return {
        "enterprise_id": row.enterprise_id,
        "uscc": t.firm.uscc,
        "name": t.firm.name,
        "industry": t.firm.industry,
        "town": t.firm.town,
        "tier": tier,
        "safety_score": row.safety_score,
        # A closed period has closed snapshots: the provisional one is looked up only for
        # an enterprise without (COALESCE and CASE stop at the first branch that answers).
        "grade": func.coalesce(
            closed.grade, provisional.with_only_columns(ScoreSnapshot.grade).scalar_subquery()
        ),
        "provisional": case((closed.id.is_(None), provisional.exists()), else_=False),
        "criteria": row.criteria,
        "composite": row.composite,
        "complete": row.complete,
        "previous_composite": prev.composite,
        "trend": trend,
        "standing": row.standing,
        "band_color": _band_color(row, bands),
        "order_action": row.order_action,
        "settlement_adjustment_pct": row.settlement_adjustment_pct,
        "veto": row.veto,
        "veto_rules": case((row.veto.is_(True), veto_rules), else_=null()),
        "admission_passed": row.admission_passed,
        "code": func.coalesce(t.code.state, "clear"),
    }


SHOWN = (  # the order _row unpacks, after the total
    "enterprise_id",
    "uscc",
    "name",
    "industry",
    "town",
    "tier",
    "safety_score",
    "grade",
    "provisional",
    "criteria",
    "composite",
    "complete",
    "previous_composite",
    "trend",
    "standing",
    "band_color",
    "order_action",
    "settlement_adjustment_pct",
    "veto",
    "veto_rules",
    "admission_passed",
    "code",
)


def _joined(query, t: _Tables, names):
    """`query` from the stored row and its enterprise, with the joins `names` need."""
    row = t.row
    query = query.join(t.firm, t.firm.id == row.enterprise_id)
    needs = {NEEDS[name] for name in names if name in NEEDS}
    if "prev" in needs:
        query = query.outerjoin(
            t.prev,
            and_(
                t.prev.chain_id == row.chain_id,
                t.prev.enterprise_id == row.enterprise_id,
                t.prev.period == bindparam("before"),
            ),
        )
    if "snapshot" in needs:
        query = query.outerjoin(
            t.closed,
            and_(
                t.closed.enterprise_id == row.enterprise_id,
                t.closed.month == bindparam("period"),
                t.closed.kind == "closed",
            ),
        )
    if "code" in needs:
        query = query.outerjoin(
            t.code,
            and_(t.code.chain_id == row.chain_id, t.code.enterprise_id == row.enterprise_id),
        )
    return query


def _ranking(shape: Shape, wanted: set):
    """The chain's stored rows of the period with the `wanted` columns."""
    t = RANKED
    columns = _columns(t, shape.bands)
    names = sorted(wanted)
    query = select(*(columns[n].label(n) for n in names)).select_from(t.row)
    query = _joined(query, t, names).where(
        t.row.chain_id == bindparam("chain_id"), t.row.period == bindparam("period")
    )
    if shape.one_enterprise:
        query = query.where(t.row.enterprise_id == bindparam("enterprise_id"))
    return query.subquery("ranking")


def _shown(chosen, shape: Shape):
    """Everything shown of the rows `chosen` (enterprise_id, total and what the order
    needs), in the same order."""
    t = SHOWN_TABLES
    columns = _columns(t, shape.bands)
    query = select(chosen.c.total, *(columns[n].label(n) for n in SHOWN))
    query = query.select_from(chosen).join(
        t.row,
        and_(
            t.row.chain_id == bindparam("chain_id"),
            t.row.period == bindparam("period"),
            t.row.enterprise_id == chosen.c.enterprise_id,
        ),
    )
    return _joined(query, t, SHOWN).order_by(*_order(chosen, shape))


def _band_color(row, bands: tuple):
    """The colour of the band the stored row fell in, as composite.standing chose it: the
    lowest band on a veto, none when incomplete, else the highest band whose minimum the
    composite reaches."""
    if not bands:
        return null()
    lowest = bands[-1][1]
    reaches = [(row.composite >= least, color) for least, color in bands]
    return case(
        (row.veto.is_(True), lowest), (row.composite.is_(None), null()), *reaches, else_=lowest
    )


def _filters(ranking, shape: Shape) -> list:
    """WHERE clauses for assessment_table.RowFilters (the same tests, in SQL)."""
    c = ranking.c
    kept = [c[FILTER_COLUMNS[f]] == bindparam(f) for f in shape.filters if f != "q"]
    if "q" in shape.filters:
        # Case-sensitive containment, as Python's `in` (LIKE ignores ASCII case on SQLite).
        position = func.strpos if shape.c_collate else func.instr
        prefix = func.substr(c.uscc, 1, bindparam("q_length")) == bindparam("q_upper")
        kept.append(or_(position(c.name, bindparam("q")) > 0, prefix))
    return kept


RANKING_KEYS = ("complete", "composite", "uscc")


def _order(rows, shape: Shape) -> list:
    """ORDER BY for select_rows' orders: the ranking (complete rows by composite, highest
    first, then incomplete ones; uscc breaks ties), reversed when descending; or a column
    with rows lacking it last and ties in ranking order (Python's sort is stable)."""
    complete, composite = rows.c.complete, rows.c.composite
    uscc = _ordered(rows.c.uscc, shape.c_collate)
    ranking = [complete.desc(), composite.desc(), uscc.asc()]
    if shape.sort is None:
        return [complete.asc(), composite.asc(), uscc.desc()] if shape.descending else ranking
    key = rows.c[SORT_COLUMNS[shape.sort]]
    ordered = _ordered(key, shape.c_collate) if shape.sort == "name" else key
    return [key.is_(None), ordered.desc() if shape.descending else ordered.asc(), *ranking]


def _row(r, period: str, chain_id: int, ranked: bool) -> dict:
    """The response row (the live row's keys that the API and the export use)."""
    (
        _total,
        enterprise_id,
        uscc,
        name,
        industry,
        town,
        tier,
        safety_score,
        grade,
        provisional,
        criteria,
        composite,
        complete,
        previous_composite,
        trend,
        standing,
        band_color,
        order_action,
        settlement_adjustment_pct,
        veto,
        veto_rules,
        admission_passed,
        code,
    ) = r
    criteria = criteria.copy()
    rank = criteria.pop(RANK, None)
    missing = criteria.pop(ADMISSION_MISSING, [] if admission_passed else None)
    if complete and rank is None:
        rank = LEGACY  # closed before the close kept the rank
    return {
        "chain_id": chain_id,
        "enterprise_id": enterprise_id,
        "period": period,
        "uscc": uscc,
        "name": name,
        "rank": rank if ranked else None,
        "tier": tier,
        "industry": industry,
        "town": town,
        "safety_score": safety_score,
        "grade": grade,
        "color": GRADE_COLORS.get(grade),  # the engine's colour of each grade
        "provisional": bool(provisional),
        "criteria": criteria,
        "composite": composite,
        "complete": complete,
        "previous_composite": previous_composite,
        "trend": trend,
        "standing": standing,
        "band_color": band_color,
        "order_action": order_action,
        "settlement_adjustment_pct": settlement_adjustment_pct,
        "veto": veto,
        "veto_rules": list(veto_rules or ()),
        "admission_passed": admission_passed,
        "admission_missing": missing,
        "code": code,
    }


def _legacy_rank(session, chain_id: int, period: str, rows: list[dict]) -> None:
    """Ranks of complete rows closed before the close kept them, numbered over the chain's
    stored rows as assessment_engine.ranked numbers live ones (one query, only when such a
    row is on the page)."""
    legacy = {r["enterprise_id"]: r for r in rows if r["rank"] is LEGACY}
    if not legacy:
        return
    c_collate = session.get_bind().dialect.name == "postgresql"
    position = func.row_number().over(
        order_by=(Assessment.composite.desc(), _ordered(Enterprise.uscc, c_collate).asc())
    )
    numbered = (
        select(Assessment.enterprise_id, position.label("rank"))
        .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
        .where(
            Assessment.chain_id == chain_id,
            Assessment.period == period,
            Assessment.complete.is_(True),
        )
        .subquery()
    )
    query = select(numbered).where(numbered.c.enterprise_id.in_(list(legacy)))
    for enterprise_id, rank in session.connection().execute(query):
        legacy[enterprise_id]["rank"] = rank


def _legacy_admission(session, chain, rows: list[dict]) -> None:
    """Rows closed before the close kept the missing conditions: the ones missing now (one
    query, only when such a row is on the page)."""
    legacy = [r for r in rows if r["admission_missing"] is None]
    if not legacy:
        return
    met = admission.gate(session, [chain], [r["enterprise_id"] for r in legacy])
    required = [c["key"] for c in admission.conditions(chain)]
    for row in legacy:
        have = met.get((chain.id, row["enterprise_id"]), ())
        row["admission_missing"] = [k for k in required if k not in have]

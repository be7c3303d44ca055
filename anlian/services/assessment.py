"""Chain assessments: every supplier's composite standing for a period, computed for whole
chains in one set-based pass (a fixed number of queries however many suppliers), the
month-close step that fixes them and moves the yellow/red codes, and an SME's standings.

A live assessment always reflects the current ratings, scheme and snapshots; the `Assessment`
rows written at the close are what orders and settlement applied for that period. `table` is
the ranking as the API serves it: a closed period straight from those rows (filtered, sorted
and paged in SQL, assessment_stored.py), the running one computed live.
"""

from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from models import Appeal, Assessment, Chain
from scoring import ScoringConfig

from .. import months
from ..scope import Scope
from . import admission, audit, codes, composite, schemes
from . import assessment_cache as cache
from . import assessment_inputs as inputs
from . import assessment_stored as stored_rows
from .assessment_engine import add_trend, evaluate, ranked
from .assessment_table import RowFilters, page, select_rows
from .scores import latest_close

CHUNK = 5000
NO_FILTERS = RowFilters()
STORED = (
    "scheme_version",
    "safety_score",
    "composite",
    "complete",
    "standing",
    "order_action",
    "settlement_adjustment_pct",
    "veto",
    "admission_passed",
)  # and "criteria", with what the admission gate lacked (_criteria_kept)


@dataclass(frozen=True)
class Table:
    """A page of a chain's ranking: its rows, the total after the filters, the scheme version
    and criteria of the period, and whether it came from the rows the close stored."""

    rows: list[dict]
    total: int
    scheme_version: int | None
    criteria: list[dict]
    stored: bool


@dataclass(frozen=True)
class CloseSummary:
    period: str
    chains: int
    rows: int
    transitions: int


def default_period(session, *, current_month: str) -> str:
    """The period shown when none is asked for: the latest closed month before the running
    one, else simply the month before it."""
    last_ended = months.shift(current_month, -1)
    return latest_close(session, before_or_at=last_ended) or last_ended


def assess_chain(
    session, chain: Chain, *, period: str, enterprise_id: int | None = None
) -> list[dict]:
    """The chain's ranked assessment for `period` with trends; one supplier's row only when
    `enterprise_id` is given (an SME sees nothing of the others)."""
    found = inputs.members(session, period, [chain.id])
    ids = inputs.member_ids(period, [chain.id])
    if enterprise_id is not None:
        found = [m for m in found if m.enterprise_id == enterprise_id]
        ids = [enterprise_id]
    chains = {chain.id: chain}
    rows = evaluate(session, period=period, members=found, chains=chains, ids=ids)
    add_trend(session, rows, period=period, members=found, chains=chains, ids=ids)
    rows = ranked(rows)
    if enterprise_id is not None:
        for row in rows:
            row["rank"] = None  # a rank would tell the SME about the others
    return rows


def table(
    session,
    chain: Chain,
    *,
    period: str,
    filters: RowFilters = NO_FILTERS,
    sort: str = "rank",
    descending: bool | None = None,
    page_number: int = 1,
    per_page: int | None = None,
    enterprise_id: int | None = None,
    live: bool = False,
    cached: bool = False,
) -> Table:
    """The chain's ranking of `period` narrowed by `filters`, in the order `sort` (see
    assessment_table.select_rows), one page of `per_page` rows (all when None), and the total.
    A closed period is read from its stored rows (what its close applied); the running one,
    or with `live`, is computed from the current inputs. With `enterprise_id`, that
    supplier's row only, unranked. With `cached` (read-only requests), a closed period's
    table may come from assessment_cache; it is shared: do not change it."""
    key = (
        "table",
        chain.id,
        period,
        filters,
        sort,
        descending,
        page_number,
        per_page,
        enterprise_id,
    )
    if cached and not live:
        found = cache.get(session, key)
        if found is not None:
            return found
    found = _table(
        session,
        chain,
        period=period,
        filters=filters,
        sort=sort,
        descending=descending,
        page_number=page_number,
        per_page=per_page,
        enterprise_id=enterprise_id,
        live=live,
    )
    if cached and found.stored:
        cache.put(session, key, found)
    return found


def _table(
    session,
    chain: Chain,
    *,
    period: str,
    filters: RowFilters,
    sort: str,
    descending: bool | None,
    page_number: int,
    per_page: int | None,
    enterprise_id: int | None,
    live: bool,
) -> Table:
    scheme = None if live else stored_rows.servable(session, chain.id, period)
    if scheme is not None:
        rows, total = stored_rows.table(
            session,
            chain,
            scheme,
            period=period,
            filters=filters,
            sort=sort,
            descending=descending,
            page=page_number,
            per_page=per_page,
            enterprise_id=enterprise_id,
        )
        return Table(rows, total, scheme.version, scheme.criteria, stored=True)
    everything = assess_chain(session, chain, period=period, enterprise_id=enterprise_id)
    rows = select_rows(everything, filters, sort=sort, descending=descending)
    in_force = schemes.in_force(session, chain.id, period)
    return Table(
        page(rows, page=page_number, per_page=per_page) if per_page is not None else rows,
        len(rows),
        in_force.version if in_force else None,
        in_force.criteria if in_force else [],
        stored=False,
    )


def close_period(session, *, month: str, config: ScoringConfig | None = None) -> CloseSummary:
    """Month-close step: fix every chain's assessment for `month` (replacing a previous close
    of it) and move the codes. Codes move once per period: not again when a month is closed
    again, nor for a month older than one the chain has already closed."""
    chains = {c.id: c for c in session.execute(select(Chain)).scalars()}
    found = inputs.members(session, month)
    rows = [
        r
        for r in evaluate(
            session, period=month, members=found, chains=chains, ids=inputs.member_ids(month)
        )
        if r["scheme_version"]
    ]
    coded = set(
        session.execute(
            select(Assessment.chain_id).where(Assessment.period >= month).distinct()
        ).scalars()
    )
    session.execute(delete(Assessment).where(Assessment.period == month))
    by_chain: dict[int, list[dict]] = {}
    for row in rows:
        by_chain.setdefault(row["chain_id"], []).append(row)
    for chain_rows in by_chain.values():
        ranked(chain_rows)  # numbers each row as the chain's live ranking does
    stored = [
        {
            "chain_id": r["chain_id"],
            "enterprise_id": r["enterprise_id"],
            "period": month,
            **{name: r[name] for name in STORED},
            "criteria": _criteria_kept(r),
        }
        for r in rows
    ]
    for start in range(0, len(stored), CHUNK):
        session.execute(insert(Assessment), stored[start : start + CHUNK])
    # Audited like every other change of what a chain shows: the stored rows just changed
    # (and the audit trail's newest id is what assessment_cache's stamp moves with).
    audit.record(
        session,
        Scope.system(),
        action="close",
        entity="assessment",
        entity_id=month,
        after={"chains": len(by_chain), "rows": len(stored)},
    )
    signals = [
        (r["chain_id"], r["enterprise_id"], r["signal"]) for r in rows if r["chain_id"] not in coded
    ]
    moved = codes.apply_period(
        session, Scope.system(), period=month, chains=chains, signals=signals
    )
    return CloseSummary(month, len({r["chain_id"] for r in rows}), len(rows), moved)


def _criteria_kept(row: dict) -> dict:
    """The row's criteria scores, its rank in the chain, and the admission conditions it
    lacked (so the stored ranking needs no numbering over the whole chain per request, and
    shows what the gate missed at the close, not what it misses today)."""
    kept = dict(row["criteria"])
    if row["rank"] is not None:
        kept[stored_rows.RANK] = row["rank"]
    if row["admission_missing"]:
        kept[stored_rows.ADMISSION_MISSING] = row["admission_missing"]
    return kept


def standings_for_enterprise(
    session, *, enterprise_id: int, period: str, lang: str = "zh"
) -> list[dict]:
    """The firm's standing in each chain it supplies in `period` (and in a chain whose red code
    has just ended the link), for the owner's pages; condition labels in `lang`."""
    found = inputs.members_of_enterprise(session, enterprise_id, period)
    chains = {
        c.id: c
        for c in session.execute(
            select(Chain).where(Chain.id.in_({m.chain_id for m in found}))
        ).scalars()
    }
    rows = evaluate(session, period=period, members=found, chains=chains, ids=[enterprise_id])
    in_force = schemes.in_force_by_chain(session, period, list(chains))
    events = codes.latest_events(session, list(chains), [enterprise_id])
    appeals = _appeals(session, [e.id for e in events.values()])
    states = codes.current_codes(session, list(chains), [enterprise_id])
    standings = []
    for row in sorted(rows, key=lambda r: chains[r["chain_id"]].name):
        chain, key = chains[row["chain_id"]], (row["chain_id"], enterprise_id)
        event = events.get(key)
        code = _code(states.get(key), event, appeals.get(event.id) if event else None)
        standings.append(_standing(row, chain, in_force.get(chain.id), code, lang))
    return standings


def _appeals(session, event_ids) -> dict[int, Appeal]:
    query = select(Appeal).where(Appeal.code_event_id.in_(event_ids))
    return {a.code_event_id: a for a in session.execute(query).scalars()}


def _code(state, event, appeal) -> dict:
    """The code as the owner sees it: state, why, since when, and the appeal against it."""
    return {
        "state": state.state if state else "clear",
        "reason": state.reason if state and state.state != "clear" else "",
        "since_period": state.since_period if state else None,
        "event_id": event.id if event is not None else None,
        "appeal": {
            "status": appeal.status,
            "reason": appeal.reason,
            "decision_note": appeal.decision_note,
        }
        if appeal
        else None,
    }


def _standing(row, chain, scheme, code, lang) -> dict:
    criteria = scheme["criteria"] if scheme else []
    safety_bp = scheme["safety_weight_bp"] if scheme else None
    missing = [
        admission.label(c, lang)
        for c in admission.conditions(chain)
        if c["key"] in row["admission_missing"]
    ]
    return {
        "chain_id": chain.id,
        "chain_name": chain.name,
        **{
            k: row[k]
            for k in (
                "period",
                "composite",
                "complete",
                "standing",
                "band_color",
                "order_action",
                "settlement_adjustment_pct",
                "safety_score",
                "veto",
            )
        },
        "safety_weight": safety_bp / 100 if safety_bp is not None else None,
        "safety_contribution": composite.safety_contribution(criteria, row["safety_score"]),
        "admission": {"passed": row["admission_passed"], "missing": missing},
        "code": code,
    }

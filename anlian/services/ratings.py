"""A chain's own ratings of its suppliers, per period and criterion, 0-100 with up to 2
decimals. `safety` is never rated by hand: it comes from the safety score of the period.
Saving is an upsert of the whole batch (set-based), validated in full before anything is
written, and audited as one change."""

from decimal import Decimal

from sqlalchemy import func, insert, select

from models import Enterprise, Membership, Rating
from models.base import N_

from .. import months
from ..errors import Invalid
from ..scope import Scope
from . import audit, schemes
from .scheme_rules import SAFETY, TOTAL_BP, hundredths
from .suppliers import in_force

SAFETY_BY_HAND = N_("Safety cannot be rated by hand: it comes from the safety score.")


def _period_problems(period, current_month: str) -> dict:
    if not months.is_month(period):
        return {"period": [N_("Must be a month written YYYY-MM.")]}
    if period > current_month:
        return {"period": [N_("Ratings cannot be given for a future period.")]}
    return {}


def suppliers_in(session, chain_id: int, period: str, usccs=None) -> dict[str, int]:
    """{uscc: enterprise id} of the chain's suppliers in `period` (some USCCs, or all)."""
    query = (
        select(Enterprise.uscc, Enterprise.id)
        .join(Membership, Membership.enterprise_id == Enterprise.id)
        .where(Membership.chain_id == chain_id, in_force(period))
    )
    if usccs is not None:
        query = query.where(Enterprise.uscc.in_(sorted(set(usccs))))
    return dict(session.execute(query).all())


def _row_problems(items: list[dict], keys: set, members: dict, period: str) -> dict:
    errors, seen = {}, set()
    for i, item in enumerate(items):
        field = f"ratings[{i}]"
        if item["criterion"] == SAFETY:
            errors[f"{field}.criterion"] = [SAFETY_BY_HAND]
        elif item["criterion"] not in keys:
            message = N_("Not a criterion of the scheme in force for {period}: {allowed}.")
            errors[f"{field}.criterion"] = [
                (message, {"period": period, "allowed": ", ".join(sorted(keys))})
            ]
        if item["uscc"] not in members:
            message = N_("Not a supplier of the chain in {period}.")
            errors[f"{field}.uscc"] = [(message, {"period": period})]
        score = hundredths(item["score"])
        if score is None or not 0 <= score <= TOTAL_BP:
            errors[f"{field}.score"] = [N_("A score is between 0 and 100, with up to 2 decimals.")]
        if (item["uscc"], item["criterion"]) in seen:
            errors[f"{field}.criterion"] = [N_("This supplier and criterion appear twice.")]
        seen.add((item["uscc"], item["criterion"]))
    return errors


def save(
    session, scope: Scope, chain, *, period: str, items: list[dict], current_month: str
) -> dict:
    """Insert or update ratings [{uscc, criterion, score}] for one period; 422 naming each bad
    row and field, with nothing written. Returns {inserted, updated, unchanged}."""
    if errors := _period_problems(period, current_month):
        raise Invalid(errors)
    scheme = schemes.in_force(session, chain.id, period)
    if scheme is None:
        message = N_("No assessment scheme is in force for {period}; set one up first.")
        raise Invalid({"period": [(message, {"period": period})]})
    keys = {c["key"] for c in scheme.criteria} - {SAFETY}
    members = suppliers_in(session, chain.id, period, [i["uscc"] for i in items])
    if errors := _row_problems(items, keys, members, period):
        raise Invalid(errors)
    return _upsert(session, scope, chain.id, period, items, members)


def _upsert(session, scope: Scope, chain_id: int, period: str, items, members) -> dict:
    existing = {
        (r.enterprise_id, r.criterion): r
        for r in session.execute(
            select(Rating).where(
                Rating.chain_id == chain_id,
                Rating.period == period,
                Rating.enterprise_id.in_(sorted(set(members.values()))),
            )
        ).scalars()
    }
    new, before, after, unchanged = [], {}, {}, 0
    for item in items:
        enterprise_id, score = members[item["uscc"]], Decimal(hundredths(item["score"])) / 100
        label = f"{item['uscc']}:{item['criterion']}"
        row = existing.get((enterprise_id, item["criterion"]))
        if row is not None and Decimal(row.score) == score:
            unchanged += 1
            continue
        if row is None:
            new.append(
                {
                    "chain_id": chain_id,
                    "enterprise_id": enterprise_id,
                    "period": period,
                    "criterion": item["criterion"],
                    "score": score,
                }
            )
        else:
            before[label], row.score = row.score, score
        after[label] = score
    if new:
        session.execute(insert(Rating), new)
    session.flush()
    if after:
        audit.record(
            session,
            scope,
            action="rate",
            entity="ratings",
            entity_id=f"{chain_id}:{period}",
            before=before,
            after=after,
        )
    return {"inserted": len(new), "updated": len(after) - len(new), "unchanged": unchanged}


def for_period(session, chain_id: int, period: str, enterprise_ids) -> dict[tuple, Decimal]:
    """{(enterprise_id, criterion): score} of some suppliers for one period."""
    query = select(Rating.enterprise_id, Rating.criterion, Rating.score).where(
        Rating.chain_id == chain_id,
        Rating.period == period,
        Rating.enterprise_id.in_(list(enterprise_ids)),
    )
    return {(e, c): s for e, c, s in session.execute(query)}


def history(session, chain_id: int, enterprise_id: int) -> dict[str, dict]:
    """{period: {criterion: score}} of one supplier, newest period first."""
    query = (
        select(Rating.period, Rating.criterion, Rating.score)
        .where(Rating.chain_id == chain_id, Rating.enterprise_id == enterprise_id)
        .order_by(Rating.period.desc())
    )
    found: dict[str, dict] = {}
    for period, criterion, score in session.execute(query):
        found.setdefault(period, {})[criterion] = score
    return found


def listing(session, chain_id: int, period: str) -> list[dict]:
    """[{uscc, criterion, score}] of one period's ratings, by supplier and criterion."""
    query = (
        select(Enterprise.uscc, Rating.criterion, Rating.score)
        .join(Enterprise, Enterprise.id == Rating.enterprise_id)
        .where(Rating.chain_id == chain_id, Rating.period == period)
        .order_by(Enterprise.uscc, Rating.criterion)
    )
    return [{"uscc": u, "criterion": c, "score": float(s)} for u, c, s in session.execute(query)]


def grid(session, chain_id: int, period: str, *, q: str | None, page: int, per_page: int):
    """One page of the suppliers to rate in `period` (by name) with their ratings: ([{uscc,
    name, enterprise_id, scores: {criterion: score}}], total)."""
    query = (
        select(Enterprise.id, Enterprise.uscc, Enterprise.name)
        .join(Membership, Membership.enterprise_id == Enterprise.id)
        .where(Membership.chain_id == chain_id, in_force(period))
        .distinct()
    )
    if q and q.strip():
        query = query.where(
            Enterprise.name.like(f"%{q.strip()}%") | Enterprise.uscc.like(q.strip().upper() + "%")
        )
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(Enterprise.name, Enterprise.uscc)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    marks = for_period(session, chain_id, period, [r.id for r in rows])
    return [
        {
            "enterprise_id": r.id,
            "uscc": r.uscc,
            "name": r.name,
            "scores": {c: s for (e, c), s in marks.items() if e == r.id},
        }
        for r in rows
    ], total

"""Supply-base risk: what a procurement head asks first. Per period, over the suppliers in force
that have an annual order value: the spend-weighted safety index (Σ spend × score / Σ spend)
and the share of spend sitting with orange and red suppliers. One query for all periods.
"""

from sqlalchemy import Date, String, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from models import Membership, ScoreSnapshot

from .. import months

RISKY = ("orange", "red")


def _periods_table(periods: list[str]):
    """The periods with their first and last day, as a derived table."""
    parts = [
        select(
            literal(p, String).label("period"),
            literal(months.first_day(p), Date).label("first_day"),
            literal(months.last_day(p), Date).label("last_day"),
        )
        for p in periods
    ]
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("periods")


def supply_risk(session, chain_id: int, *, periods: list[str]) -> list[dict]:
    """[{period, suppliers, with_spend, scored_spend, safety_index, risky_share_pct}], in the
    order of `periods`; the index and share are None where no spend has a score."""
    table = _periods_table(periods)
    closed, running = aliased(ScoreSnapshot), aliased(ScoreSnapshot)
    score = func.coalesce(closed.score, running.score)
    color = func.coalesce(closed.color, running.color)
    spend = Membership.annual_spend_cny
    scored = and_(spend.is_not(None), score.is_not(None))
    query = (
        select(
            table.c.period,
            func.count(func.distinct(Membership.enterprise_id)),
            func.count(func.distinct(case((spend.is_not(None), Membership.enterprise_id)))),
            func.sum(case((scored, spend))),
            func.sum(case((scored, spend * score))),
            func.sum(case((and_(scored, color.in_(RISKY)), spend), else_=0)),
        )
        .join(
            Membership,
            and_(
                Membership.chain_id == chain_id,
                Membership.joined_on <= table.c.last_day,
                or_(Membership.left_on.is_(None), Membership.left_on > table.c.first_day),
            ),
        )
        .outerjoin(
            closed,
            and_(
                closed.enterprise_id == Membership.enterprise_id,
                closed.month == table.c.period,
                closed.kind == "closed",
            ),
        )
        .outerjoin(
            running,
            and_(
                running.enterprise_id == Membership.enterprise_id,
                running.month == table.c.period,
                running.kind == "provisional",
            ),
        )
        .group_by(table.c.period)
    )
    found = {row[0]: row[1:] for row in session.execute(query)}
    return [_point(p, *found.get(p, (0, 0, None, None, 0))) for p in periods]


def _point(period, suppliers, with_spend, scored_spend, weighted, risky) -> dict:
    total = float(scored_spend or 0)
    return {
        "period": period,
        "suppliers": suppliers,
        "with_spend": with_spend,
        "scored_spend": total,
        "safety_index": round(float(weighted) / total, 1) if total else None,
        "risky_share_pct": round(100 * float(risky or 0) / total, 1) if total else None,
    }

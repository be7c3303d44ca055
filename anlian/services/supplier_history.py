"""One supplier's history in a chain: safety score and composite month by month, the
consequences each close applied, and its code events with their appeals."""

from sqlalchemy import select

from models import Appeal, Assessment, CodeEvent, ScoreSnapshot

from .. import months


def monthly(
    session, chain_id: int, enterprise_id: int, *, last: str, count: int = 24
) -> list[dict]:
    """[{period, safety_score, grade, color, composite, complete, standing, order_action,
    settlement_adjustment_pct, veto}] for the `count` months up to `last`, oldest first;
    composite and consequences as the month close fixed them (None where not closed)."""
    periods = months.span(months.shift(last, 1 - count), last)
    snapshots = {
        month: (score, grade, color)
        for month, score, grade, color in session.execute(
            select(
                ScoreSnapshot.month, ScoreSnapshot.score, ScoreSnapshot.grade, ScoreSnapshot.color
            ).where(
                ScoreSnapshot.enterprise_id == enterprise_id,
                ScoreSnapshot.kind == "closed",
                ScoreSnapshot.month.between(periods[0], last),
            )
        )
    }
    fixed = {
        row.period: row
        for row in session.execute(
            select(Assessment).where(
                Assessment.chain_id == chain_id,
                Assessment.enterprise_id == enterprise_id,
                Assessment.period.between(periods[0], last),
            )
        ).scalars()
    }
    return [_month(p, snapshots.get(p), fixed.get(p)) for p in periods]


def _month(period: str, snapshot, fixed) -> dict:
    score, grade, color = snapshot or (None, None, None)
    return {
        "period": period,
        "safety_score": score,
        "grade": grade,
        "color": color,
        "composite": fixed.composite if fixed else None,
        "complete": fixed.complete if fixed else None,
        "standing": fixed.standing if fixed else None,
        "order_action": fixed.order_action if fixed else None,
        "settlement_adjustment_pct": fixed.settlement_adjustment_pct if fixed else None,
        "veto": fixed.veto if fixed else None,
        "admission_passed": fixed.admission_passed if fixed else None,
    }


def code_events(session, chain_id: int, enterprise_id: int) -> list[dict]:
    """The supplier's code transitions, newest first, each with its appeal (if any)."""
    query = (
        select(CodeEvent, Appeal)
        .outerjoin(Appeal, Appeal.code_event_id == CodeEvent.id)
        .where(CodeEvent.chain_id == chain_id, CodeEvent.enterprise_id == enterprise_id)
        .order_by(CodeEvent.id.desc())
    )
    return [{"event": event, "appeal": appeal} for event, appeal in session.execute(query)]

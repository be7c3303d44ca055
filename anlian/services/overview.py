"""Headline counts for the landing pages, each one set-based query."""

from datetime import date

from sqlalchemy import case, func, select

from models import Accident, Chain, Enterprise, Hazard, Inspection, Membership, ScoreSnapshot

from .chains import current_member
from .enterprises import latest_closed_month


def city_overview(session, *, on: date) -> dict:
    """Enterprises, chains, linked and never-linked firms, record counts, grade mix."""
    linked = select(func.count(func.distinct(Membership.enterprise_id))).where(current_member(on))
    ever = select(Membership.enterprise_id)
    never = select(func.count()).select_from(Enterprise).where(Enterprise.id.not_in(ever))
    counts = {
        "enterprises": select(func.count()).select_from(Enterprise),
        "chains": select(func.count()).select_from(Chain),
        "linked_suppliers": linked,
        "never_linked": never,
        "accidents": select(func.count()).select_from(Accident),
        "inspections": select(func.count()).select_from(Inspection),
        "hazards": select(func.count()).select_from(Hazard),
    }
    overview = {name: session.execute(query).scalar_one() for name, query in counts.items()}
    overview["closed_month"] = latest_closed_month(session)
    overview["grades"] = grade_mix(session, overview["closed_month"])
    return overview


def grade_mix(session, month: str | None, enterprise_ids=None) -> dict[str, int]:
    """How many enterprises hold each grade in the month's closed snapshots."""
    if month is None:
        return {}
    query = (
        select(ScoreSnapshot.grade, func.count())
        .where(ScoreSnapshot.month == month, ScoreSnapshot.kind == "closed")
        .group_by(ScoreSnapshot.grade)
    )
    if enterprise_ids is not None:
        query = query.where(ScoreSnapshot.enterprise_id.in_(enterprise_ids))
    return dict(session.execute(query).all())


def open_hazards(session, enterprise_id: int, *, on: date) -> dict:
    """Open hazards of one enterprise: how many, and how many are past their deadline."""
    overdue = func.sum(case((Hazard.deadline < on, 1), else_=0))
    query = select(func.count(), func.coalesce(overdue, 0)).where(
        Hazard.enterprise_id == enterprise_id, Hazard.rectified_on.is_(None)
    )
    total, late = session.execute(query).one()
    return {"open": total, "overdue": late}

"""Enterprises: scoped listing with their latest closed score, creation."""

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from models import Enterprise, Membership, ScoreSnapshot
from models.base import N_
from models.uscc import uscc_problem
from models.vocab import INDUSTRIES, RISK_COLORS, STANDARDIZATION, TOWNS

from ..errors import Invalid
from ..scope import Scope, enterprise_filter
from . import audit

ENTERPRISE_FIELDS = (
    "uscc",
    "name",
    "industry",
    "town",
    "headcount",
    "standardization",
    "standardization_expires_on",
    "risk_color",
    "steward",
)


@dataclass(frozen=True)
class EnterpriseFilters:
    """The list filters of API.md: industry, town, chain_id, grade, q (name or USCC)."""

    industry: str | None = None
    town: str | None = None
    chain_id: int | None = None
    grade: str | None = None
    q: str | None = None


def latest_closed_month(session) -> str | None:
    """The most recent month with closed snapshots."""
    query = select(func.max(ScoreSnapshot.month)).where(ScoreSnapshot.kind == "closed")
    return session.execute(query).scalar()


def _scored_query(session, scope: Scope):
    """Enterprises in scope, each with its snapshot of the latest closed month (if any)."""
    month = latest_closed_month(session)
    snapshot_on = and_(
        ScoreSnapshot.enterprise_id == Enterprise.id,
        ScoreSnapshot.kind == "closed",
        ScoreSnapshot.month == month,
    )
    query = (
        select(Enterprise, ScoreSnapshot.score, ScoreSnapshot.grade, ScoreSnapshot.color)
        .outerjoin(ScoreSnapshot, snapshot_on)
        .where(enterprise_filter(scope))
    )
    return query


def _apply_filters(query, filters: EnterpriseFilters):
    if filters.industry:
        query = query.where(Enterprise.industry == filters.industry)
    if filters.town:
        query = query.where(Enterprise.town == filters.town)
    if filters.chain_id is not None:
        members = select(Membership.enterprise_id).where(Membership.chain_id == filters.chain_id)
        query = query.where(Enterprise.id.in_(members))
    if filters.grade:
        query = query.where(ScoreSnapshot.grade == filters.grade)
    if filters.q:
        pattern = f"%{filters.q.strip()}%"
        query = query.where(
            or_(
                Enterprise.name.like(pattern), Enterprise.uscc.like(filters.q.strip().upper() + "%")
            )
        )
    return query


def list_enterprises(
    session, scope: Scope, filters: EnterpriseFilters, *, page: int, per_page: int
):
    """One page of enterprises in scope with score/grade/colour, and the total count."""
    query = _apply_filters(_scored_query(session, scope), filters)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(Enterprise.uscc).limit(per_page).offset((page - 1) * per_page)
    ).all()
    items = [_item(enterprise, score, grade, color) for enterprise, score, grade, color in rows]
    return items, total


def _item(enterprise: Enterprise, score, grade, color) -> dict:
    row = {name: getattr(enterprise, name) for name in ENTERPRISE_FIELDS}
    return row | {"score": score, "grade": grade, "color": color}


def scored(session, scope: Scope, enterprise: Enterprise) -> dict:
    """One visible enterprise as a list item (with its latest closed score)."""
    query = _scored_query(session, scope).where(Enterprise.id == enterprise.id)
    row = session.execute(query).one()
    return _item(*row)


def enterprise_problems(data: dict) -> dict[str, list[str]]:
    """Field errors of a new enterprise's data (USCC check digit, enumerations)."""
    errors: dict[str, list[str]] = {}
    if problem := uscc_problem(data.get("uscc")):
        errors["uscc"] = [problem]
    for field, allowed in (
        ("industry", INDUSTRIES),
        ("town", TOWNS),
        ("standardization", STANDARDIZATION),
        ("risk_color", RISK_COLORS),
    ):
        value = data.get(field)
        if value is not None and value not in allowed:
            errors[field] = [(N_("Must be one of: {choices}."), {"choices": ", ".join(allowed)})]
    return errors


def create_enterprise(session, scope: Scope, data: dict) -> Enterprise:
    """Register an enterprise; 422 naming the field when the USCC is invalid or taken."""
    errors = enterprise_problems(data)
    taken = select(Enterprise.id).where(Enterprise.uscc == data.get("uscc"))
    if "uscc" not in errors and session.execute(taken).first():
        errors["uscc"] = [N_("An enterprise with this USCC is already registered.")]
    if errors:
        raise Invalid(errors)
    enterprise = Enterprise(**{k: v for k, v in data.items() if k in ENTERPRISE_FIELDS})
    session.add(enterprise)
    session.flush()
    audit.record(
        session,
        scope,
        action="create",
        entity="enterprise",
        entity_id=enterprise.uscc,
        after=audit.fields(enterprise, ENTERPRISE_FIELDS),
    )
    return enterprise

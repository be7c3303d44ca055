"""A chain's suppliers: memberships added by USCC, edited, and ended by setting `left_on`;
rows are never deleted, so the history of who supplied whom stays."""

from datetime import date

from sqlalchemy import func, or_, select
from werkzeug.exceptions import NotFound

from models import Chain, Enterprise, Membership
from models.base import N_

from .. import months
from ..errors import Invalid
from ..scope import Scope
from . import audit, codes
from .chains import current_member

MEMBERSHIP_FIELDS = ("tier", "joined_on", "left_on", "annual_spend_cny")
STATUSES = ("current", "past", "all")


def in_force(period: str):
    """Condition on Membership: the link held on some day of `period`."""
    return (Membership.joined_on <= months.last_day(period)) & or_(
        Membership.left_on.is_(None), Membership.left_on > months.first_day(period)
    )


def _item(membership: Membership, enterprise: Enterprise, on: date) -> dict:
    current = membership.joined_on <= on and (membership.left_on is None or membership.left_on > on)
    return {
        "enterprise_id": enterprise.id,
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "industry": enterprise.industry,
        "town": enterprise.town,
        "current": current,
        **{name: getattr(membership, name) for name in MEMBERSHIP_FIELDS},
    }


def list_suppliers(
    session,
    chain_id: int,
    *,
    on: date,
    status: str = "current",
    q: str | None = None,
    page: int = 1,
    per_page: int = 50,
):
    """One page of the chain's memberships (current, past or all) and the total count."""
    query = (
        select(Membership, Enterprise)
        .join(Enterprise, Enterprise.id == Membership.enterprise_id)
        .where(Membership.chain_id == chain_id)
    )
    if status == "current":
        query = query.where(current_member(on))
    elif status == "past":
        query = query.where(Membership.left_on.is_not(None), Membership.left_on <= on)
    if q and q.strip():
        text = q.strip()
        query = query.where(
            or_(Enterprise.name.like(f"%{text}%"), Enterprise.uscc.like(text.upper() + "%"))
        )
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(Enterprise.uscc, Membership.joined_on)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [_item(m, e, on) for m, e in rows], total


def membership(session, chain_id: int, uscc: str) -> tuple[Membership, Enterprise]:
    """The supplier's open membership of the chain; 404 when it is not a current supplier."""
    query = (
        select(Membership, Enterprise)
        .join(Enterprise, Enterprise.id == Membership.enterprise_id)
        .where(
            Membership.chain_id == chain_id, Enterprise.uscc == uscc, Membership.left_on.is_(None)
        )
    )
    row = session.execute(query).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def add(
    session,
    scope: Scope,
    chain: Chain,
    *,
    uscc: str,
    joined_on: date,
    tier: int = 1,
    annual_spend_cny=None,
) -> Membership:
    """Link an enterprise to the chain; 422 when the USCC is unknown, the enterprise is the
    leader itself or already a supplier, or the date overlaps an earlier membership."""
    enterprise = session.execute(
        select(Enterprise).where(Enterprise.uscc == uscc)
    ).scalar_one_or_none()
    if enterprise is None:
        raise Invalid({"uscc": [N_("No enterprise with this USCC is registered.")]})
    _refuse_duplicate(session, chain, enterprise, joined_on)
    row = Membership(
        chain_id=chain.id,
        enterprise_id=enterprise.id,
        tier=tier,
        joined_on=joined_on,
        annual_spend_cny=annual_spend_cny,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        scope,
        action="create",
        entity="membership",
        entity_id=f"{chain.id}:{uscc}",
        after=audit.fields(row, MEMBERSHIP_FIELDS),
    )
    codes.readmit(session, scope, chain.id, enterprise.id, period=months.of(joined_on))
    session.flush()
    return row


def _refuse_duplicate(session, chain: Chain, enterprise: Enterprise, joined_on: date) -> None:
    if enterprise.id == chain.leader_id:
        raise Invalid({"uscc": [N_("The chain leader cannot be its own supplier.")]})
    query = select(Membership.left_on).where(
        Membership.chain_id == chain.id, Membership.enterprise_id == enterprise.id
    )
    ends = [left for (left,) in session.execute(query)]
    if any(left is None for left in ends):
        raise Invalid({"uscc": [N_("This enterprise is already a supplier of the chain.")]})
    if any(left > joined_on for left in ends):
        raise Invalid({"joined_on": [N_("This date falls inside an earlier membership.")]})


def update(session, scope: Scope, chain: Chain, uscc: str, changes: dict) -> Membership:
    """Change a current supplier's tier or annual order value."""
    row, _ = membership(session, chain.id, uscc)
    before = audit.fields(row, MEMBERSHIP_FIELDS)
    for name in ("tier", "annual_spend_cny"):
        if name in changes:
            setattr(row, name, changes[name])
    session.flush()
    audit.record(
        session,
        scope,
        action="update",
        entity="membership",
        entity_id=f"{chain.id}:{uscc}",
        before=before,
        after=audit.fields(row, MEMBERSHIP_FIELDS),
    )
    return row


def remove(session, scope: Scope, chain: Chain, uscc: str, *, left_on: date) -> Membership:
    """End a current supplier's membership on `left_on` (the row and its history stay)."""
    row, _ = membership(session, chain.id, uscc)
    if left_on < row.joined_on:
        raise Invalid({"left_on": [N_("The end date cannot be before the join date.")]})
    before = audit.fields(row, MEMBERSHIP_FIELDS)
    row.left_on = left_on
    session.flush()
    audit.record(
        session,
        scope,
        action="end",
        entity="membership",
        entity_id=f"{chain.id}:{uscc}",
        before=before,
        after=audit.fields(row, MEMBERSHIP_FIELDS),
    )
    return row


def item(row: Membership, enterprise: Enterprise, *, on: date) -> dict:
    """A membership as the API lists it."""
    return _item(row, enterprise, on)

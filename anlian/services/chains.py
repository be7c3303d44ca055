"""Chains: scoped listing with supplier counts, creation."""

import secrets
from datetime import date

from sqlalchemy import func, or_, select

from models import Chain, Enterprise, Membership
from models.base import N_

from ..errors import Invalid
from ..scope import Scope, chain_filter
from . import audit


def current_member(on: date):
    """Condition on Membership: the link is in force on `on`."""
    return (Membership.joined_on <= on) & or_(Membership.left_on.is_(None), Membership.left_on > on)


def list_chains(session, scope: Scope, *, on: date, chain_id: int | None = None) -> list[dict]:
    """Chains in scope with their leader's USCC and current supplier count (one query)."""
    counts = (
        select(Membership.chain_id, func.count(func.distinct(Membership.enterprise_id)).label("n"))
        .where(current_member(on))
        .group_by(Membership.chain_id)
        .subquery()
    )
    query = (
        select(Chain, Enterprise.uscc, func.coalesce(counts.c.n, 0))
        .join(Enterprise, Enterprise.id == Chain.leader_id)
        .outerjoin(counts, counts.c.chain_id == Chain.id)
        .where(chain_filter(scope))
        .order_by(Chain.id)
    )
    if chain_id is not None:
        query = query.where(Chain.id == chain_id)
    return [_item(chain, uscc, n) for chain, uscc, n in session.execute(query).all()]


def _item(chain: Chain, leader_uscc: str, supplier_count: int) -> dict:
    return {
        "id": chain.id,
        "name": chain.name,
        "leader_uscc": leader_uscc,
        "joined_on": chain.joined_on,
        "supplier_count": supplier_count,
    }


def chain_item(session, scope: Scope, chain_id: int, *, on: date) -> dict | None:
    """One chain in scope as a list item."""
    items = list_chains(session, scope, on=on, chain_id=chain_id)
    return items[0] if items else None


def create_chain(session, scope: Scope, *, name: str, leader_uscc: str, joined_on: date) -> Chain:
    """Enlist a chain leader; 422 when the leader enterprise is unknown or the name taken."""
    errors: dict[str, list[str]] = {}
    leader = session.execute(select(Enterprise.id).where(Enterprise.uscc == leader_uscc)).scalar()
    if leader is None:
        errors["leader_uscc"] = [N_("No enterprise with this USCC is registered.")]
    if session.execute(select(Chain.id).where(Chain.name == name)).first():
        errors["name"] = [N_("A chain with this name already exists.")]
    if errors:
        raise Invalid(errors)
    chain = Chain(name=name, leader_id=leader, joined_on=joined_on)
    session.add(chain)
    session.flush()
    audit.record(
        session,
        scope,
        action="create",
        entity="chain",
        entity_id=chain.id,
        after={"name": name, "leader_uscc": leader_uscc, "joined_on": joined_on},
    )
    return chain


def set_webhook(session, scope: Scope, chain: Chain, url: str | None) -> str | None:
    """Point the chain's alerts at `url` with a fresh signing secret (returned once), or turn
    them off with None. The secret itself is never audited."""
    chain.webhook_url = url
    chain.webhook_secret = secrets.token_hex(32) if url else None
    audit.record(
        session,
        scope,
        action="set_webhook",
        entity="chain",
        entity_id=chain.id,
        after={"webhook_url": url},
    )
    return chain.webhook_secret

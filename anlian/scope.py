"""Who may see what: the one place every query for enterprises, chains and records goes through.

A `Scope` is built from the logged-in user. The `*_filter` functions return SQL conditions
to put in a WHERE clause, so scoping is applied in the database for lists as well as single
objects; the `visible_*` functions load one object or raise 404, so nothing outside the
caller's scope is revealed to exist. Pure predicates (`can_*`) decide forbidden actions (403)
on objects the caller can see.
"""

from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import and_, false, or_, select, true
from werkzeug.exceptions import Forbidden, NotFound

from models import Chain, Enterprise, Membership


@dataclass(frozen=True)
class Scope:
    """The caller's identity as far as access control is concerned."""

    role: str
    user_id: int | None = None
    username: str = "system"
    chain_id: int | None = None
    enterprise_id: int | None = None
    ip: str | None = None

    @classmethod
    def system(cls) -> "Scope":
        """The scope of CLI commands and scheduled jobs: sees everything, acts as `system`."""
        return cls(role="bureau")

    @classmethod
    def for_user(cls, user, ip: str | None = None) -> "Scope":
        """The scope of a logged-in user."""
        return cls(user.role, user.id, user.username, user.chain_id, user.enterprise_id, ip)

    @property
    def is_bureau(self) -> bool:
        return self.role == "bureau"


def supplier_ids(chain_id: int):
    """Enterprises that are or were suppliers of `chain_id` (a subquery)."""
    return select(Membership.enterprise_id).where(Membership.chain_id == chain_id)


def enterprise_filter(scope: Scope):
    """Condition on Enterprise: bureau all; chain its leader and its suppliers past and
    present; SME itself."""
    if scope.role == "bureau":
        return true()
    if scope.role == "chain":
        leader = select(Chain.leader_id).where(Chain.id == scope.chain_id)
        return or_(Enterprise.id.in_(supplier_ids(scope.chain_id)), Enterprise.id.in_(leader))
    if scope.role == "sme":
        return Enterprise.id == scope.enterprise_id
    return false()


def chain_filter(scope: Scope):
    """Condition on Chain: bureau all; chain its own; SME the chains it supplies or supplied."""
    if scope.role == "bureau":
        return true()
    if scope.role == "chain":
        return Chain.id == scope.chain_id
    if scope.role == "sme":
        mine = select(Membership.chain_id).where(Membership.enterprise_id == scope.enterprise_id)
        return Chain.id.in_(mine)
    return false()


def membership_filter(scope: Scope):
    """Condition on Membership: a chain sees its own rows, an SME its own links."""
    if scope.role == "bureau":
        return true()
    if scope.role == "chain":
        return Membership.chain_id == scope.chain_id
    if scope.role == "sme":
        return Membership.enterprise_id == scope.enterprise_id
    return false()


def _seen(session, scope: Scope, model, key, query):
    """One lookup per request: the API's access gate resolves a path's objects before the
    view, which asks again; the second answer comes from the request's memo (same session)."""
    memo = g.setdefault("visible", {}) if has_request_context() else {}
    seen_in, found = memo.get((scope, model, key), (None, None))
    if seen_in is not session:
        found = session.execute(query).scalar_one_or_none()
        if found is None:
            raise NotFound()
        memo[(scope, model, key)] = (session, found)
    return found


def visible_enterprise(session, scope: Scope, uscc: str) -> Enterprise:
    """The enterprise with this USCC if the caller may see it; 404 otherwise."""
    query = select(Enterprise).where(and_(Enterprise.uscc == uscc, enterprise_filter(scope)))
    return _seen(session, scope, Enterprise, uscc, query)


def visible_chain(session, scope: Scope, chain_id: int) -> Chain:
    """The chain if the caller may see it; 404 otherwise."""
    query = select(Chain).where(and_(Chain.id == chain_id, chain_filter(scope)))
    return _seen(session, scope, Chain, chain_id, query)


def can_manage_chain(scope: Scope, chain_id: int) -> bool:
    """Schemes, suppliers and ratings of a chain are managed by that chain (and the bureau)."""
    return scope.role == "bureau" or (scope.role == "chain" and scope.chain_id == chain_id)


# What an SME may record about itself: hazards it found by self-check, the rectification of
# any of its hazards, and its hours worked.
SME_WRITABLE = {("hazard", "self_check"), ("rectify", None), ("work_hours", None)}


def can_write_records(
    scope: Scope, enterprise_id: int, kind: str, *, hazard_source: str | None = None
) -> bool:
    """Official records are the bureau's; an SME may add self-check hazards and hours worked
    for itself only. `kind` is accident | inspection | hazard | rectify | work_hours."""
    if scope.role == "bureau":
        return True
    source = hazard_source if kind == "hazard" else None
    return (
        scope.role == "sme"
        and scope.enterprise_id == enterprise_id
        and (kind, source) in SME_WRITABLE
    )


def can_write_some_records(scope: Scope, enterprise_id: int, kind: str) -> bool:
    """Whether the caller may write *some* record of `kind` for the enterprise: the check that
    can be made before the body (and so a hazard's source) is read. `can_write_records` still
    decides the record itself."""
    if scope.role == "bureau":
        return True
    return (
        scope.role == "sme"
        and scope.enterprise_id == enterprise_id
        and any(writable == kind for writable, _ in SME_WRITABLE)
    )


def require(allowed: bool) -> None:
    """Raise 403 unless `allowed` (use after the object was found visible)."""
    if not allowed:
        raise Forbidden()

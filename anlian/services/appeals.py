"""The chain leader decides an SME's appeal against a yellow or red code; the decision is kept.

Upheld: if the appealed event is still the supplier's latest, the code goes back to the state
before it (an `appeal_upheld` transition), and a membership that the red code ended is open
again; either way the overturned failure no longer counts towards a red code.
"""

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from models import Appeal, CodeEvent, Enterprise, Membership
from models.base import N_, utcnow

from .. import months
from ..errors import Invalid
from ..scope import Scope, can_manage_chain, require
from . import audit, codes

DECISIONS = ("upheld", "rejected")


def visible_appeal(session, scope: Scope, appeal_id: int) -> Appeal:
    """The appeal if it concerns the caller's chain (or the caller is the bureau); else 404."""
    appeal = session.get(Appeal, appeal_id)
    if appeal is None or not (scope.is_bureau or scope.chain_id == appeal.chain_id):
        raise NotFound()
    return appeal


def decide(session, scope: Scope, *, appeal_id: int, decision: str, note: str) -> Appeal:
    """Record the chain's decision on a pending appeal, and revert the code when upheld."""
    appeal = visible_appeal(session, scope, appeal_id)
    require(can_manage_chain(scope, appeal.chain_id))
    note = (note or "").strip()
    errors = {}
    if appeal.status != "pending":
        errors["appeal"] = [N_("This appeal has already been decided.")]
    if decision not in DECISIONS:
        errors["decision"] = [N_("Choose to uphold or reject the appeal.")]
    if not 1 <= len(note) <= 2000:
        errors["note"] = [N_("Explain the decision (up to 2000 characters).")]
    if errors:
        raise Invalid(errors)
    appeal.status, appeal.decision_note = decision, note
    appeal.decided_by, appeal.decided_at = scope.user_id, utcnow()
    audit.record(
        session,
        scope,
        action=f"appeal_{decision}",
        entity="appeal",
        entity_id=appeal.id,
        before={"status": "pending"},
        after={"status": decision, "note": note},
    )
    if decision == "upheld":
        _overturn(session, scope, appeal)
    session.flush()
    return appeal


def _overturn(session, scope: Scope, appeal: Appeal) -> None:
    event = session.get(CodeEvent, appeal.code_event_id)
    key = (event.chain_id, event.enterprise_id)
    if codes.latest_events(session, [event.chain_id], [event.enterprise_id])[key].id != event.id:
        return  # the code has moved on since; the failure simply stops counting
    code = codes.current_codes(session, [event.chain_id], [event.enterprise_id])[key]
    earlier = _event_before(session, event)
    since = earlier.period if earlier is not None and event.from_state != "clear" else None
    codes.transition(
        session,
        scope,
        *key,
        "appeal_upheld",
        period=event.period,
        trigger="appeal_upheld",
        code=code,
        reason=appeal.decision_note,
        previous=event.from_state,
        since=since,
    )
    if event.to_state == "red":
        _reopen_membership(session, scope, event)


def _event_before(session, event: CodeEvent) -> CodeEvent | None:
    query = (
        select(CodeEvent)
        .where(
            CodeEvent.chain_id == event.chain_id,
            CodeEvent.enterprise_id == event.enterprise_id,
            CodeEvent.id < event.id,
        )
        .order_by(CodeEvent.id.desc())
    )
    return session.execute(query.limit(1)).scalar_one_or_none()


def _reopen_membership(session, scope: Scope, event: CodeEvent) -> None:
    """Undo the end that the red code gave the membership (when nothing else ended it)."""
    ended_on = months.first_day(months.shift(event.period, 1))
    query = select(Membership).where(
        Membership.chain_id == event.chain_id, Membership.enterprise_id == event.enterprise_id
    )
    rows = list(session.execute(query).scalars())
    if any(m.left_on is None for m in rows):
        return
    ended = [m for m in rows if m.left_on == ended_on]
    if ended:
        ended[-1].left_on = None
        uscc = session.get(Enterprise, event.enterprise_id).uscc
        audit.record(
            session,
            scope,
            action="reopen",
            entity="membership",
            entity_id=f"{event.chain_id}:{uscc}",
            before={"left_on": ended_on},
            after={"left_on": None},
        )


def pending(session, chain_id: int) -> list[dict]:
    """The chain's undecided appeals with the code they contest, oldest first."""
    query = (
        select(Appeal, CodeEvent, Enterprise.uscc, Enterprise.name)
        .join(CodeEvent, CodeEvent.id == Appeal.code_event_id)
        .join(Enterprise, Enterprise.id == Appeal.enterprise_id)
        .where(Appeal.chain_id == chain_id, Appeal.status == "pending")
        .order_by(Appeal.submitted_at)
    )
    return [
        {"appeal": appeal, "event": event, "uscc": uscc, "name": name}
        for appeal, event, uscc, name in session.execute(query)
    ]

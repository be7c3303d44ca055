"""首次黄码警示，二次红码清退: the yellow/red code of a supplier in a chain, as an explicit state
machine over `SupplierCode` (the state), `CodeEvent` (every transition) and `Appeal`.

A closed period whose standing falls in the chain's failing (lowest) band, or whose safety
score carries a veto, is a failure: the first gives a yellow code (a warning); another within
the chain's look-back gives a red code, which ends the membership and stops new orders. A
yellow code clears after the chain's run of clean periods. The SME may appeal a code; the
chain decides (appeals.py); an upheld appeal puts the code back where it was and the failure
no longer counts. Every transition is stored as a CodeEvent and audited.
"""

from sqlalchemy import select, update
from werkzeug.exceptions import NotFound

from models import Appeal, CodeEvent, Enterprise, Membership, SupplierCode
from models.base import N_

from .. import months
from ..errors import Invalid
from ..scope import Scope
from . import audit

PREVIOUS = "previous"  # back to the state before the event that was appealed
TRANSITIONS = {
    ("clear", "fail"): "yellow",
    ("clear", "fail_again"): "red",
    ("yellow", "fail"): "yellow",  # the earlier failure is older than the look-back: a new first
    ("yellow", "fail_again"): "red",
    ("yellow", "clean_run"): "clear",
    ("yellow", "appeal_upheld"): PREVIOUS,
    ("red", "appeal_upheld"): PREVIOUS,
    ("red", "readmit"): "clear",
}
REASONS = {
    "failing_band": N_("The standing fell in the failing band."),
    "veto": N_("The safety score carries a veto."),
    "clean_run": N_("Enough clean periods in a row."),
    "manual": N_("Readmitted as a supplier."),
}


class IllegalTransition(ValueError):
    """An event that the state machine does not allow in the current state."""


def next_state(state: str, event: str, *, previous: str | None = None) -> str:
    """The state after `event` in `state`; IllegalTransition when the table has no such move."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise IllegalTransition(f"{event} is not allowed in state {state}")
    return previous if target == PREVIOUS else target


def period_event(
    state: str, clean_periods: int, signal: str | None, *, repeat: bool, clear_after: int
) -> tuple[str | None, int]:
    """(machine event or None, clean periods after) for one supplier's closed period."""
    if state == "red" or signal is None:
        return None, clean_periods
    if signal in ("failing_band", "veto"):
        return ("fail_again" if repeat else "fail"), 0
    if state == "yellow" and clean_periods + 1 >= clear_after:
        return "clean_run", 0
    return None, clean_periods + 1 if state == "yellow" else 0


def _recent_failures(session, period: str, chains: dict) -> dict[tuple, list[str]]:
    """{(chain, enterprise): periods of counted failures inside the longest look-back}."""
    longest = max(chain.code_lookback_months for chain in chains.values())
    overturned = select(Appeal.code_event_id).where(Appeal.status == "upheld")
    query = select(CodeEvent.chain_id, CodeEvent.enterprise_id, CodeEvent.period).where(
        CodeEvent.chain_id.in_(list(chains)),
        CodeEvent.to_state.in_(("yellow", "red")),
        CodeEvent.trigger.in_(("failing_band", "veto")),
        CodeEvent.period >= months.shift(period, -longest),
        CodeEvent.period < period,
        CodeEvent.id.not_in(overturned),
    )
    found: dict[tuple, list[str]] = {}
    for chain_id, enterprise_id, when in session.execute(query):
        found.setdefault((chain_id, enterprise_id), []).append(when)
    return found


def _is_repeat(failures: list[str], period: str, lookback: int) -> bool:
    return any(months.index(period) - months.index(p) <= lookback for p in failures)


def apply_period(session, scope: Scope, *, period: str, chains: dict, signals: list) -> int:
    """Move every supplier's code for a closed period; `signals` holds (chain_id,
    enterprise_id, signal) and `chains` the Chain rows by id. Returns the transitions made."""
    if not signals:
        return 0
    codes = current_codes(session, list(chains))
    failures = _recent_failures(session, period, chains)
    moved = 0
    for chain_id, enterprise_id, signal in signals:
        chain, code = chains[chain_id], codes.get((chain_id, enterprise_id))
        state = code.state if code else "clear"
        repeat = _is_repeat(
            failures.get((chain_id, enterprise_id), []), period, chain.code_lookback_months
        )
        event, clean = period_event(
            state,
            code.clean_periods if code else 0,
            signal,
            repeat=repeat,
            clear_after=chain.code_clear_after,
        )
        if code is not None:
            code.clean_periods = clean
        if event is not None:
            trigger = signal if event.startswith("fail") else "clean_run"
            transition(
                session,
                scope,
                chain_id,
                enterprise_id,
                event,
                period=period,
                trigger=trigger,
                code=code,
            )
            moved += 1
    session.flush()
    return moved


def current_codes(session, chain_ids, enterprise_ids=None) -> dict[tuple, SupplierCode]:
    """{(chain_id, enterprise_id): SupplierCode} of the chains (some suppliers, or all)."""
    query = select(SupplierCode).where(SupplierCode.chain_id.in_(list(chain_ids)))
    if enterprise_ids is not None:
        query = query.where(SupplierCode.enterprise_id.in_(list(enterprise_ids)))
    return {(c.chain_id, c.enterprise_id): c for c in session.execute(query).scalars()}


def transition(
    session,
    scope: Scope,
    chain_id: int,
    enterprise_id: int,
    event: str,
    *,
    period: str,
    trigger: str,
    code: SupplierCode | None = None,
    reason: str = "",
    previous: str | None = None,
    since: str | None = None,
) -> CodeEvent:
    """Apply one machine event: update the state, store the CodeEvent, audit it, and end the
    membership when the code turns red."""
    if code is None:
        code = SupplierCode(chain_id=chain_id, enterprise_id=enterprise_id, state="clear")
        session.add(code)
    before = code.state
    after = next_state(before, event, previous=previous)
    reason = reason or REASONS.get(trigger, "")
    code.state, code.reason = after, reason
    code.since_period = since if since is not None else (None if after == "clear" else period)
    if event != "readmit":
        code.clean_periods = 0
    row = CodeEvent(
        chain_id=chain_id,
        enterprise_id=enterprise_id,
        period=period,
        from_state=before,
        to_state=after,
        trigger=trigger,
        reason=reason,
        actor_id=scope.user_id,
    )
    session.add(row)
    audit.record(
        session,
        scope,
        action=f"code_{trigger}",
        entity="supplier_code",
        entity_id=f"{chain_id}:{enterprise_id}",
        before={"state": before},
        after={"state": after, "period": period, "reason": reason},
    )
    if after == "red":
        _end_membership(session, scope, chain_id, enterprise_id, period)
    return row


def _end_membership(session, scope: Scope, chain_id: int, enterprise_id: int, period: str):
    """Red ends the open membership from the first day of the next period (audited like any
    membership change)."""
    left_on = months.first_day(months.shift(period, 1))
    ended = session.execute(
        update(Membership)
        .where(
            Membership.chain_id == chain_id,
            Membership.enterprise_id == enterprise_id,
            Membership.left_on.is_(None),
        )
        .values(left_on=left_on)
    )
    if ended.rowcount:
        uscc = session.get(Enterprise, enterprise_id).uscc
        audit.record(
            session,
            scope,
            action="end_red_code",
            entity="membership",
            entity_id=f"{chain_id}:{uscc}",
            before={"left_on": None},
            after={"left_on": left_on},
        )


def readmit(session, scope: Scope, chain_id: int, enterprise_id: int, *, period: str) -> None:
    """A red-coded supplier added again starts clear (recorded as a manual transition)."""
    code = current_codes(session, [chain_id]).get((chain_id, enterprise_id))
    if code is not None and code.state == "red":
        transition(
            session,
            scope,
            chain_id,
            enterprise_id,
            "readmit",
            period=period,
            trigger="manual",
            code=code,
        )


def latest_events(session, chain_ids, enterprise_ids=None) -> dict[tuple, CodeEvent]:
    """{(chain, enterprise): its newest CodeEvent} (one query)."""
    query = select(CodeEvent).where(CodeEvent.chain_id.in_(list(chain_ids)))
    if enterprise_ids is not None:
        query = query.where(CodeEvent.enterprise_id.in_(list(enterprise_ids)))
    newest: dict[tuple, CodeEvent] = {}
    for event in session.execute(query.order_by(CodeEvent.id)).scalars():
        newest[(event.chain_id, event.enterprise_id)] = event
    return newest


def submit_appeal(session, scope: Scope, *, code_event_id: int, reason: str) -> Appeal:
    """The SME appeals its current yellow or red code with a reason; the chain decides."""
    event = session.get(CodeEvent, code_event_id)
    if event is None or scope.role != "sme" or event.enterprise_id != scope.enterprise_id:
        raise NotFound()
    reason = (reason or "").strip()
    errors = {}
    if not 10 <= len(reason) <= 2000:
        errors["reason"] = [N_("Give a reason of 10 to 2000 characters.")]
    latest = latest_events(session, [event.chain_id], [event.enterprise_id])
    if event.to_state == "clear" or latest[(event.chain_id, event.enterprise_id)].id != event.id:
        errors["code_event_id"] = [N_("Only the current yellow or red code can be appealed.")]
    elif session.execute(select(Appeal.id).where(Appeal.code_event_id == event.id)).first():
        errors["code_event_id"] = [N_("This code has already been appealed.")]
    if errors:
        raise Invalid(errors)
    appeal = Appeal(
        code_event_id=event.id,
        chain_id=event.chain_id,
        enterprise_id=event.enterprise_id,
        reason=reason,
        submitted_by=scope.user_id,
    )
    session.add(appeal)
    session.flush()
    audit.record(
        session,
        scope,
        action="appeal",
        entity="appeal",
        entity_id=appeal.id,
        after={"code_event_id": event.id, "reason": reason},
    )
    return appeal

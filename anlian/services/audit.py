"""The audit trail: every change is recorded in the same transaction as the change itself."""

from datetime import date, datetime
from decimal import Decimal

from models import AuditEvent


def plain(value):
    """A JSON-safe copy of a record value (dates as ISO text, decimals as strings)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record(session, scope, *, action: str, entity: str, entity_id, before=None, after=None):
    """Add one AuditEvent for a change made by `scope` (flushes with the change)."""
    event = AuditEvent(
        actor_id=scope.user_id,
        actor=scope.username,
        ip=scope.ip,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=plain(before) if before is not None else None,
        after=plain(after) if after is not None else None,
    )
    session.add(event)
    return event


def fields(obj, names) -> dict:
    """The named attributes of a row, for an audit before/after."""
    return {name: getattr(obj, name) for name in names}

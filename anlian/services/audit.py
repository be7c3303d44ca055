"""The audit trail: every change is recorded in the same transaction as the change itself.

Rows form a hash chain: each row's SHA-256 covers its content and the previous row's hash,
so an edited, inserted or deleted row breaks every hash after it (`flask audit verify`).
The table is append-only in the database too (triggers refuse UPDATE and DELETE).
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import orjson
from sqlalchemy import func, select, text

from models import AuditEvent
from models.base import utcnow

# Any constant: the advisory lock that serialises audit writers on PostgreSQL.
AUDIT_LOCK = 0x616E6C69


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
        at=utcnow(),
        actor_id=scope.user_id,
        actor=scope.username,
        ip=scope.ip,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=plain(before) if before is not None else None,
        after=plain(after) if after is not None else None,
    )
    event.prev_hash = _chain_head(session)
    event.hash = event_hash(event)
    session.info["audit_head"] = (session.get_transaction(), event.hash)
    session.add(event)
    return event


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over the row's content and the previous row's hash (canonical JSON)."""
    at = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
    content = {
        "at": at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "ip": event.ip,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _chain_head(session) -> str | None:
    """The newest row's hash; taken under a lock so two writers cannot fork the chain."""
    transaction = session.get_transaction()
    cached = session.info.get("audit_head")
    if cached and cached[0] is transaction:
        return cached[1]
    if session.bind.dialect.name == "postgresql":
        # SQLite writers are already serialised by BEGIN IMMEDIATE.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK})
    query = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    return session.execute(query).scalar()


def verify(session, *, batch: int = 5000) -> tuple[int, int | None]:
    """(rows checked, id of the first row whose hash or link is wrong, or None)."""
    previous, checked, last_id = None, 0, 0
    while True:
        rows = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.id > last_id)
                .order_by(AuditEvent.id)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return checked, None
        for event in rows:
            if event.prev_hash != previous or event.hash != event_hash(event):
                return checked, event.id
            previous, checked, last_id = event.hash, checked + 1, event.id
        session.expunge_all()


def fields(obj, names) -> dict:
    """The named attributes of a row, for an audit before/after."""
    return {name: getattr(obj, name) for name in names}


@dataclass(frozen=True)
class EventFilters:
    """What the bureau's audit page narrows the trail to; None means any."""

    actor: str | None = None
    entity: str | None = None
    action: str | None = None
    entity_id: str | None = None
    since: datetime | None = None  # inclusive, aware
    until: datetime | None = None  # exclusive, aware


def _filtered(query, f: EventFilters):
    exact = {
        AuditEvent.actor: f.actor,
        AuditEvent.entity: f.entity,
        AuditEvent.action: f.action,
        AuditEvent.entity_id: f.entity_id,
    }
    for column, value in exact.items():
        if value:
            query = query.where(column == value)
    if f.since:
        query = query.where(AuditEvent.at >= f.since)
    if f.until:
        query = query.where(AuditEvent.at < f.until)
    return query


def events(session, f: EventFilters, *, offset: int, limit: int) -> tuple[list[AuditEvent], int]:
    """The matching events newest first, `limit` of them from `offset`, and how many match."""
    total = session.execute(_filtered(select(func.count(AuditEvent.id)), f)).scalar_one()
    query = _filtered(select(AuditEvent), f).order_by(AuditEvent.id.desc())
    rows = session.execute(query.offset(offset).limit(limit)).scalars().all()
    return list(rows), total


def vocabulary(session) -> dict[str, list[str]]:
    """The entities and actions present in the trail, for the page's filter lists."""
    return {
        name: list(session.execute(select(column).distinct().order_by(column)).scalars())
        for name, column in (("entity", AuditEvent.entity), ("action", AuditEvent.action))
    }


def changes(before: dict | None, after: dict | None) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field whose value differs, in field order."""
    before, after = before or {}, after or {}
    keys = list(before) + [k for k in after if k not in before]
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

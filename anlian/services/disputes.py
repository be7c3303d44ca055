"""Record disputes: an owner's "this record is wrong", and the bureau's answer."""

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from models import Enterprise, RecordDispute
from models.base import N_, utcnow

from ..errors import Invalid
from ..scope import Scope, enterprise_filter, require
from . import audit
from .record_lists import records_by_id, visible_record

MAX_MESSAGE = 2000
DECISIONS = ("resolved", "rejected")
FIELDS = ("enterprise_id", "record_kind", "record_id", "message", "status", "resolution")


def _text(errors: dict, field: str, value: str | None, empty) -> str:
    """The stripped text, or an error when it is empty or too long."""
    text = (value or "").strip()
    if not text:
        errors[field] = [empty]
    elif len(text) > MAX_MESSAGE:
        errors[field] = [(N_("At most {max} characters."), {"max": MAX_MESSAGE})]
    return text


def raise_dispute(session, scope: Scope, *, kind: str, record_id: int, message: str | None):
    """An SME flags one of its own records as wrong (404 for records it cannot see)."""
    require(scope.role == "sme")
    record = visible_record(session, scope, kind, record_id)
    errors: dict = {}
    text = _text(errors, "message", message, N_("Say what is wrong with this record."))
    if not errors and open_dispute(session, kind, record_id) is not None:
        errors["message"] = [N_("You already reported this record; the bureau is looking at it.")]
    if errors:
        raise Invalid(errors)
    dispute = RecordDispute(
        enterprise_id=record.enterprise_id,
        record_kind=kind,
        record_id=record_id,
        message=text,
        raised_by=scope.user_id,
    )
    session.add(dispute)
    session.flush()
    audit.record(
        session,
        scope,
        action="create",
        entity="record_dispute",
        entity_id=dispute.id,
        after=audit.fields(dispute, FIELDS),
    )
    return dispute


def open_dispute(session, kind: str, record_id: int) -> RecordDispute | None:
    """The open dispute about a record, if there is one."""
    query = select(RecordDispute).where(
        RecordDispute.record_kind == kind,
        RecordDispute.record_id == record_id,
        RecordDispute.status == "open",
    )
    return session.execute(query).scalars().first()


def disputes_of(session, enterprise_id: int) -> dict[tuple[str, int], RecordDispute]:
    """An enterprise's disputes keyed (kind, record id), the latest per record."""
    query = (
        select(RecordDispute)
        .where(RecordDispute.enterprise_id == enterprise_id)
        .order_by(RecordDispute.raised_at, RecordDispute.id)
    )
    return {(d.record_kind, d.record_id): d for d in session.execute(query).scalars()}


def list_disputes(session, scope: Scope, *, status: str | None, page: int, per_page: int):
    """One page of disputes in scope, oldest open first, each with its enterprise and record."""
    query = (
        select(RecordDispute, Enterprise.uscc, Enterprise.name)
        .join(Enterprise, Enterprise.id == RecordDispute.enterprise_id)
        .where(enterprise_filter(scope))
        .order_by(RecordDispute.raised_at, RecordDispute.id)
    )
    if status:
        query = query.where(RecordDispute.status == status)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    wanted: dict[str, set[int]] = {}
    for dispute, _, _ in rows:
        wanted.setdefault(dispute.record_kind, set()).add(dispute.record_id)
    found = records_by_id(session, wanted)
    items = [
        {
            "dispute": d,
            "uscc": uscc,
            "name": name,
            "record": found.get((d.record_kind, d.record_id)),
        }
        for d, uscc, name in rows
    ]
    return items, total


def resolve(session, scope: Scope, dispute_id: int, *, decision: str, resolution: str | None):
    """The bureau closes a dispute as resolved (record corrected) or rejected, with a reply."""
    require(scope.is_bureau)
    dispute = session.get(RecordDispute, dispute_id)
    if dispute is None:
        raise NotFound()
    errors: dict = {}
    if decision not in DECISIONS:
        errors["decision"] = [(N_("Must be one of: {choices}."), {"choices": ", ".join(DECISIONS)})]
    text = _text(errors, "resolution", resolution, N_("Write the answer the enterprise will see."))
    if dispute.status != "open":
        errors["decision"] = [N_("This request has already been answered.")]
    if errors:
        raise Invalid(errors)
    before = audit.fields(dispute, FIELDS)
    dispute.status, dispute.resolution = decision, text
    dispute.resolved_by, dispute.resolved_at = scope.user_id, utcnow()
    session.flush()
    audit.record(
        session,
        scope,
        action="resolve",
        entity="record_dispute",
        entity_id=dispute.id,
        before=before,
        after=audit.fields(dispute, FIELDS),
    )
    return dispute

"""Writing safety records: accidents, inspections, hazards, hours worked, rectifications.

Every write checks who may make it, validates the rules the tables cannot (no future dates,
fatal means deaths), sets the record's month, is audited, and refreshes the enterprise's
rollup and running-month provisional score in the same transaction, so what the owner sees
next already reflects it. Services flush; the caller commits.
"""

import secrets
from datetime import date

from sqlalchemy import select

from models import Accident, Enterprise, Hazard, Inspection, WorkHours
from models.base import N_, month_of
from scoring import ScoringConfig

from .. import months
from ..errors import Invalid
from ..scope import Scope, can_write_records, require
from . import audit, rollup, scores
from .record_rules import accident_problems, hazard_problems, inspection_problems, not_future

ACCIDENT_FIELDS = (
    "source_ref",
    "occurred_on",
    "severity",
    "injured",
    "deaths",
    "direct_loss_cny",
    "source",
    "description",
)
INSPECTION_FIELDS = (
    "source_ref",
    "inspected_on",
    "authority",
    "violations",
    "outcome",
    "penalty_cny",
)
HAZARD_FIELDS = (
    "source_ref",
    "found_on",
    "source",
    "level",
    "description",
    "deadline",
    "rectified_on",
    "rectify_note",
)
WORK_HOURS_FIELDS = ("month", "hours", "headcount")
def may_write(scope: Scope, enterprise_id: int, kind: str, *, source: str | None = None) -> bool:
    """Whether `scope` may add a record of `kind` (and hazard `source`) to the enterprise."""
    return can_write_records(scope, enterprise_id, kind, hazard_source=source)


def after_write(session, enterprise_id: int, *, today: date, config: ScoringConfig) -> None:
    """Bring the enterprise's rollup and this month's provisional score up to date."""
    session.flush()
    rollup.refresh(session, [enterprise_id])
    scores.refresh_provisional(session, config=config, today=today, enterprise_ids=[enterprise_id])


def _taken(session, table, enterprise_id: int, source_ref: str | None) -> bool:
    if not source_ref:
        return False
    query = select(table.id).where(
        table.enterprise_id == enterprise_id, table.source_ref == source_ref
    )
    return session.execute(query).first() is not None


# kind → (table, audited fields, the date its month comes from, prefix of generated refs)
KINDS = {
    "accident": (Accident, ACCIDENT_FIELDS, "occurred_on", "ACC"),
    "inspection": (Inspection, INSPECTION_FIELDS, "inspected_on", "INS"),
    "hazard": (Hazard, HAZARD_FIELDS, "found_on", "HAZ"),
}


def _check(errors: dict, session, table, enterprise: Enterprise, data: dict) -> None:
    """Raise Invalid when the rules or a repeated source_ref reject the data."""
    if "source_ref" not in errors and _taken(session, table, enterprise.id, data.get("source_ref")):
        errors["source_ref"] = [N_("A record with this reference is already on file.")]
    if errors:
        raise Invalid(errors)


def _reference(prefix: str, today: date) -> str:
    """A platform-made source_ref for records that arrive without one."""
    return f"{prefix}-{today:%Y%m%d}-{secrets.token_hex(5).upper()}"


def _insert(session, scope, enterprise, kind: str, data: dict, *, today, config, prefix=None):
    """Insert a checked record with its month and reference, audit it, refresh what
    depends on it."""
    table, names, day_field, default_prefix = KINDS[kind]
    ref = data.get("source_ref") or _reference(prefix or default_prefix, today)
    values = {name: data[name] for name in names if name in data} | {"source_ref": ref}
    row = table(enterprise_id=enterprise.id, month=month_of(data[day_field]), **values)
    session.add(row)
    session.flush()
    after = audit.fields(row, names) | {"uscc": enterprise.uscc}
    audit.record(session, scope, action="create", entity=kind, entity_id=row.id, after=after)
    after_write(session, enterprise.id, today=today, config=config)
    return row


def add_accident(session, scope: Scope, enterprise: Enterprise, data: dict, *, today, config):
    """Record an accident (bureau only)."""
    require(may_write(scope, enterprise.id, "accident"))
    _check(accident_problems(data, today), session, Accident, enterprise, data)
    return _insert(session, scope, enterprise, "accident", data, today=today, config=config)


def add_inspection(session, scope: Scope, enterprise: Enterprise, data: dict, *, today, config):
    """Record an inspection and its outcome (bureau only)."""
    require(may_write(scope, enterprise.id, "inspection"))
    _check(inspection_problems(data, today), session, Inspection, enterprise, data)
    return _insert(session, scope, enterprise, "inspection", data, today=today, config=config)


def add_hazard(session, scope: Scope, enterprise: Enterprise, data: dict, *, today, config):
    """Record a hazard: the bureau any source, the firm's own owner self-check reports only."""
    source = data.get("source") or ("inspection" if scope.is_bureau else "self_check")
    require(may_write(scope, enterprise.id, "hazard", source=source))
    data = data | {"source": source, "description": (data.get("description") or "").strip()}
    errors = hazard_problems(data, today)
    if data.get("source_ref") and not scope.is_bureau:
        errors["source_ref"] = [N_("The platform numbers self-check reports itself.")]
    _check(errors, session, Hazard, enterprise, data)
    prefix = "SC" if source == "self_check" else "HAZ"
    return _insert(
        session, scope, enterprise, "hazard", data, today=today, config=config, prefix=prefix
    )


def _rectify_problems(hazard: Hazard, day: date | None, today: date) -> dict:
    """A rectification date is given, not in the future, not before the hazard was found."""
    if day is None:
        return {"rectified_on": [N_("Enter the day the hazard was rectified.")]}
    errors: dict = {}
    not_future(errors, "rectified_on", day, today)
    if day < hazard.found_on:
        message = N_("Must not be before the hazard was found ({day}).")
        errors.setdefault("rectified_on", []).append((message, {"day": hazard.found_on}))
    return errors


def rectify_hazard(session, scope: Scope, hazard: Hazard, data: dict, *, today, config) -> Hazard:
    """Set a visible hazard's rectification date (and note): its owner or the bureau."""
    require(may_write(scope, hazard.enterprise_id, "rectify"))
    if errors := _rectify_problems(hazard, data.get("rectified_on"), today):
        raise Invalid(errors)
    names = ("rectified_on", "rectify_note")
    before = audit.fields(hazard, names)
    hazard.rectified_on = data["rectified_on"]
    if "rectify_note" in data:
        hazard.rectify_note = (data["rectify_note"] or "").strip() or None
    audit.record(
        session,
        scope,
        action="rectify",
        entity="hazard",
        entity_id=hazard.id,
        before=before,
        after=audit.fields(hazard, names),
    )
    after_write(session, hazard.enterprise_id, today=today, config=config)
    return hazard


def put_work_hours(
    session, scope: Scope, enterprise: Enterprise, data: dict, *, today, config
) -> tuple[WorkHours, bool]:
    """Set the hours worked in a month (bureau, or the firm's owner); (row, created)."""
    require(may_write(scope, enterprise.id, "work_hours"))
    month = data["month"]
    if not months.is_month(month):
        raise Invalid({"month": [N_("Must be a month written YYYY-MM.")]})
    if month > months.of(today):
        raise Invalid({"month": [N_("Must not be in the future.")]})
    row = session.execute(
        select(WorkHours).where(WorkHours.enterprise_id == enterprise.id, WorkHours.month == month)
    ).scalar_one_or_none()
    before = audit.fields(row, WORK_HOURS_FIELDS) if row else None
    row = row or WorkHours(enterprise_id=enterprise.id, month=month, hours=0)
    row.hours, row.headcount = data["hours"], data.get("headcount")
    session.add(row)
    session.flush()
    audit.record(
        session,
        scope,
        action="update" if before else "create",
        entity="work_hours",
        entity_id=row.id,
        before=before,
        after=audit.fields(row, WORK_HOURS_FIELDS),
    )
    after_write(session, enterprise.id, today=today, config=config)
    return row, before is None

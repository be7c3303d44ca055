"""Reading safety records: paginated lists per enterprise, hazard status, scoped look-ups."""

from datetime import date

from sqlalchemy import and_, case, func, select
from werkzeug.exceptions import NotFound

from models import Accident, Enterprise, Hazard, Inspection, WorkHours

from ..scope import Scope, enterprise_filter

TABLES = {
    "accident": Accident,
    "inspection": Inspection,
    "hazard": Hazard,
    "work_hours": WorkHours,
}
# Newest first: the order an owner or a clerk reads a record list in.
ORDER = {
    "accident": (Accident.occurred_on.desc(), Accident.id.desc()),
    "inspection": (Inspection.inspected_on.desc(), Inspection.id.desc()),
    "hazard": (Hazard.found_on.desc(), Hazard.id.desc()),
    "work_hours": (WorkHours.month.desc(),),
}
HAZARD_STATUSES = ("open", "overdue", "rectified_on_time", "rectified_late")


def hazard_status(on: date):
    """SQL: open / overdue (past its deadline on `on`) / rectified on time / rectified late."""
    return case(
        (
            and_(
                Hazard.rectified_on.is_not(None),
                Hazard.deadline.is_(None) | (Hazard.rectified_on <= Hazard.deadline),
            ),
            "rectified_on_time",
        ),
        (Hazard.rectified_on.is_not(None), "rectified_late"),
        (Hazard.deadline < on, "overdue"),
        else_="open",
    )


def _page(session, query, *, page: int, per_page: int):
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total


def list_records(
    session, enterprise_id: int, kind: str, *, page: int, per_page: int, month: str | None = None
):
    """One page of an enterprise's records of `kind` (of one month, if given), newest first,
    and the total."""
    table = TABLES[kind]
    query = select(table).where(table.enterprise_id == enterprise_id).order_by(*ORDER[kind])
    if month:
        query = query.where(table.month == month)
    rows, total = _page(session, query, page=page, per_page=per_page)
    return [row[0] for row in rows], total


def list_hazards(
    session, enterprise_id: int, *, on: date, status: str | None, page: int, per_page: int
):
    """One page of an enterprise's hazards with their status on `on` (optionally filtered)."""
    status_of = hazard_status(on).label("status")
    query = (
        select(Hazard, status_of)
        .where(Hazard.enterprise_id == enterprise_id)
        .order_by(*ORDER["hazard"])
    )
    if status:
        query = query.where(hazard_status(on) == status)
    rows, total = _page(session, query, page=page, per_page=per_page)
    return [hazard_item(hazard, status) for hazard, status in rows], total


def hazard_item(hazard: Hazard, status: str) -> dict:
    """A hazard as a plain dict with its status."""
    names = (
        "id",
        "source_ref",
        "found_on",
        "month",
        "source",
        "level",
        "description",
        "deadline",
        "rectified_on",
        "rectify_note",
    )
    return {name: getattr(hazard, name) for name in names} | {"status": status}


def status_counts(session, enterprise_id: int, *, on: date) -> dict[str, int]:
    """How many of the enterprise's hazards are in each status on `on`."""
    status = hazard_status(on)
    query = (
        select(status, func.count()).where(Hazard.enterprise_id == enterprise_id).group_by(status)
    )
    return {name: 0 for name in HAZARD_STATUSES} | dict(session.execute(query).all())


def visible_record(session, scope: Scope, kind: str, record_id: int):
    """A record whose enterprise the caller may see; 404 otherwise (also for unknown kinds)."""
    table = TABLES.get(kind)
    if table is None:
        raise NotFound()
    mine = select(Enterprise.id).where(enterprise_filter(scope))
    query = select(table).where(table.id == record_id, table.enterprise_id.in_(mine))
    record = session.execute(query).scalar_one_or_none()
    if record is None:
        raise NotFound()
    return record


def records_by_id(session, wanted: dict[str, set[int]]) -> dict[tuple[str, int], object]:
    """Records keyed (kind, id), one IN query per kind asked for."""
    found = {}
    for kind, ids in wanted.items():
        table = TABLES[kind]
        for row in session.execute(select(table).where(table.id.in_(sorted(ids)))).scalars():
            found[(kind, row.id)] = row
    return found


def status_of(hazard: Hazard, on: date) -> str:
    """The status of one loaded hazard on `on`, by the same rules as `hazard_status`."""
    if hazard.rectified_on is not None:
        late = hazard.deadline is not None and hazard.rectified_on > hazard.deadline
        return "rectified_late" if late else "rectified_on_time"
    return "overdue" if hazard.deadline is not None and hazard.deadline < on else "open"

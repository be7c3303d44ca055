"""Safety records of an enterprise: accidents, inspections, hazards and hours worked.

The bureau writes official records; an SME adds its own self-check hazards and hours worked
and marks its own hazards rectified. Each write refreshes the rollup and the running month's
provisional score in the same transaction.
"""

from flask import current_app
from flask.views import MethodView

from .. import clock
from ..auth import current_scope
from ..db import get_session
from ..scope import visible_enterprise
from ..services import record_lists, records
from .base import ApiBlueprint, PageArgs, commit, page_of
from .record_schemas import (
    AccidentSchema,
    HazardListArgs,
    HazardPatchSchema,
    HazardSchema,
    InspectionSchema,
    WorkHoursSchema,
)

blp = ApiBlueprint(
    "records",
    __name__,
    url_prefix="/api/v1",
    description="Accidents, inspections, hazards and hours worked",
)


def _enterprise(uscc: str):
    session, scope = get_session(), current_scope()
    return session, scope, visible_enterprise(session, scope, uscc)


def _list(uscc: str, kind: str, args: dict) -> dict:
    session, _, enterprise = _enterprise(uscc)
    page, per_page = args["page"], args["per_page"]
    items, total = record_lists.list_records(
        session, enterprise.id, kind, page=page, per_page=per_page
    )
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def _write(uscc: str, add, data: dict):
    """Add a record through the service, then commit the unit of work."""
    session, scope, enterprise = _enterprise(uscc)
    config = current_app.extensions["scoring_config"]
    row = add(session, scope, enterprise, data, today=clock.today(), config=config)
    commit()
    return row


@blp.route("/enterprises/<string:uscc>/accidents")
class Accidents(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(AccidentSchema))
    def get(self, args, uscc):
        """Accidents on file, newest first"""
        return _list(uscc, "accident", args)

    @blp.arguments(AccidentSchema)
    @blp.response(201, AccidentSchema)
    def post(self, data, uscc):
        """Record an accident (bureau)"""
        return _write(uscc, records.add_accident, data)


@blp.route("/enterprises/<string:uscc>/inspections")
class Inspections(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(InspectionSchema))
    def get(self, args, uscc):
        """Inspections and penalties on file, newest first"""
        return _list(uscc, "inspection", args)

    @blp.arguments(InspectionSchema)
    @blp.response(201, InspectionSchema)
    def post(self, data, uscc):
        """Record an inspection and its outcome (bureau)"""
        return _write(uscc, records.add_inspection, data)


@blp.route("/enterprises/<string:uscc>/hazards")
class Hazards(MethodView):
    @blp.arguments(HazardListArgs, location="query")
    @blp.response(200, page_of(HazardSchema))
    def get(self, args, uscc):
        """Hazards with their status today, newest first; filter by status"""
        session, _, enterprise = _enterprise(uscc)
        page, per_page = args["page"], args["per_page"]
        items, total = record_lists.list_hazards(
            session,
            enterprise.id,
            on=clock.today(),
            status=args.get("status"),
            page=page,
            per_page=per_page,
        )
        return {"items": items, "total": total, "page": page, "per_page": per_page}

    @blp.arguments(HazardSchema)
    @blp.response(201, HazardSchema)
    def post(self, data, uscc):
        """Record a hazard (bureau any source; an SME its own self-check reports)"""
        hazard = _write(uscc, records.add_hazard, data)
        return record_lists.hazard_item(hazard, _status(hazard))


@blp.route("/enterprises/<string:uscc>/work-hours")
class WorkHoursList(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_of(WorkHoursSchema))
    def get(self, args, uscc):
        """Hours worked per month, newest first"""
        return _list(uscc, "work_hours", args)

    @blp.arguments(WorkHoursSchema)
    @blp.response(201, WorkHoursSchema)
    @blp.alt_response(200, schema=WorkHoursSchema, description="The month's figure was replaced")
    def post(self, data, uscc):
        """Set the hours worked in a month (bureau, or the enterprise's owner); 200 replaced"""
        row, created = _write(uscc, records.put_work_hours, data)
        return row, 201 if created else 200


@blp.route("/hazards/<int:hazard_id>")
class HazardDetail(MethodView):
    @blp.arguments(HazardPatchSchema)
    @blp.response(200, HazardSchema)
    def patch(self, data, hazard_id):
        """Mark a hazard rectified (its owner or the bureau)"""
        session, scope = get_session(), current_scope()
        hazard = record_lists.visible_record(session, scope, "hazard", hazard_id)
        config = current_app.extensions["scoring_config"]
        records.rectify_hazard(session, scope, hazard, data, today=clock.today(), config=config)
        commit()
        return record_lists.hazard_item(hazard, _status(hazard))


def _status(hazard) -> str:
    """The status of a hazard just written, judged today (as the list would show it)."""
    return record_lists.status_of(hazard, clock.today())

"""Scheduled jobs: the record of every run, and a month close on demand (bureau only)."""

import marshmallow as ma
from flask.views import MethodView

from ..auth import current_scope
from ..db import get_session
from ..jobs import runner
from ..jobs.settings import JOBS
from ..scope import require
from ..services import job_runs
from .base import ApiBlueprint, PageArgs, Schema, one_of, page_of

# Named "scheduler": the page blueprint is "jobs".
blp = ApiBlueprint(
    "scheduler", __name__, url_prefix="/api/v1/jobs", description="Scheduled jobs and their runs"
)
STATUSES = ("running", "succeeded", "failed", "skipped")


class JobRunSchema(Schema):
    id = ma.fields.Integer()
    job = ma.fields.String()
    scheduled_for = ma.fields.AwareDateTime()
    period = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    started_at = ma.fields.AwareDateTime()
    finished_at = ma.fields.AwareDateTime(allow_none=True)
    counts = ma.fields.Dict()
    error = ma.fields.String(allow_none=True)
    worker = ma.fields.String()
    triggered_by = ma.fields.String(allow_none=True, metadata={"description": "username"})


class JobRunArgs(PageArgs):
    job = ma.fields.String(validate=one_of(JOBS))
    status = ma.fields.String(validate=one_of(STATUSES))


class MonthCloseSchema(Schema):
    month = ma.fields.String(required=True, metadata={"example": "2025-06"})


@blp.route("")
class JobRuns(MethodView):
    @blp.arguments(JobRunArgs, location="query")
    @blp.response(200, page_of(JobRunSchema))
    def get(self, args):
        """Runs of the scheduled jobs, newest first (bureau)"""
        require(current_scope().is_bureau)
        page, per_page = args.pop("page"), args.pop("per_page")
        items, total = job_runs.list_runs(get_session(), page=page, per_page=per_page, **args)
        return {"items": items, "total": total, "page": page, "per_page": per_page}


@blp.route("/month-close")
class MonthClose(MethodView):
    @blp.arguments(MonthCloseSchema)
    @blp.response(201, JobRunSchema)
    def post(self, data):
        """Close an ended month now: every enterprise's snapshot, then the alerts (bureau)"""
        scope = current_scope()
        require(scope.is_bureau)
        run = runner.close_now(get_session(), scope, month=data["month"])
        return job_runs.item(run, scope.username)

"""POST /api/v1/imports/{kind}: a CSV or XLSX file of records, all-or-nothing; and templates."""

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_babel import get_locale
from flask_smorest import abort
from flask_smorest.fields import Upload

from .. import clock
from ..auth import current_scope
from ..db import get_session
from ..errors import json_error
from ..exports import MIMETYPES
from ..intake import KINDS, ImportForbidden, ImportRejected, render, template
from ..services import imports
from .base import ApiBlueprint, Schema, commit, one_of

blp = ApiBlueprint(
    "api_imports",
    __name__,
    url_prefix="/api/v1/imports",
    description="Record imports from spreadsheets",
)


class UploadSchema(Schema):
    file = Upload(required=True)


class ImportArgs(Schema):
    dry_run = ma.fields.Boolean(load_default=False)
    sheet = ma.fields.String(load_default=None)


class ResultSchema(Schema):
    inserted = ma.fields.Integer()
    updated = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    dry_run = ma.fields.Boolean()
    preview = ma.fields.List(ma.fields.Dict())


class TemplateArgs(Schema):
    format = ma.fields.String(load_default="csv", validate=one_of(("csv", "xlsx")))


def rejection(error: ImportRejected):
    """422 with every problem as {row, column, message} in the caller's language."""
    locale = str(get_locale())
    problems = [
        {"row": e.row, "column": e.column, "message": render(e, locale)} for e in error.errors
    ]
    return json_error(422, problems)


@blp.route("/<string:kind>")
class Import(MethodView):
    @blp.arguments(ImportArgs, location="query")
    @blp.arguments(UploadSchema, location="files")
    @blp.response(200, ResultSchema)
    @blp.alt_response(422, description="Problems as [{row, column, message}]; nothing written")
    def post(self, args, files, kind):
        """Import a file (bureau: any kind; chain: its own ratings and memberships)"""
        if kind not in KINDS:
            abort(404)
        upload = files["file"]
        try:
            result = imports.import_file(
                get_session(),
                current_scope(),
                kind,
                upload.read(),
                upload.filename or "",
                today=clock.today(),
                config=current_app.extensions["scoring_config"],
                dry_run=args["dry_run"],
                sheet=args["sheet"],
                max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
            )
        except ImportForbidden:
            abort(403)
        except ImportRejected as error:
            return rejection(error)
        if not args["dry_run"]:
            commit()
        return result.as_dict() | {"dry_run": result.dry_run, "preview": result.preview}


@blp.route("/<string:kind>/template")
class Template(MethodView):
    @blp.arguments(TemplateArgs, location="query")
    @blp.response(200, description="An empty file with the Chinese column headers")
    def get(self, args, kind):
        """Download the template of a kind (CSV or XLSX)"""
        if kind not in KINDS:
            abort(404)
        fmt = args["format"]
        body = template(kind, fmt)
        headers = {"Content-Disposition": f'attachment; filename="{kind}-template.{fmt}"'}
        return current_app.response_class(body, mimetype=MIMETYPES[fmt], headers=headers)

"""The upload page: bureau and chain users import spreadsheets, checking them first."""

from flask import Blueprint, current_app, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import NotFound
from wtforms import SelectField, SubmitField

from .. import clock
from ..auth import current_scope, role_required
from ..db import get_session
from ..exports import MIMETYPES
from ..intake import KINDS, ImportForbidden, ImportRejected, render, template
from ..intake.refs import CHAIN_KINDS
from ..services import imports

bp = Blueprint("imports", __name__, url_prefix="/imports")
KIND_LABELS = {
    "enterprises": _l("Enterprises"),
    "memberships": _l("Supplier memberships"),
    "work_hours": _l("Hours worked"),
    "accidents": _l("Accidents"),
    "inspections": _l("Inspections and penalties"),
    "hazards": _l("Hazards"),
    "ratings": _l("Supplier ratings"),
}


class UploadForm(FlaskForm):
    kind = SelectField(_l("What the file holds"))
    file = FileField(_l("CSV or Excel file"), validators=[FileRequired()])
    check = SubmitField(_l("Check only"))
    run = SubmitField(_l("Import"))


def allowed_kinds(role: str) -> list[str]:
    """Bureau: every kind; chain: its ratings and memberships."""
    return list(KINDS) if role == "bureau" else [k for k in KINDS if k in CHAIN_KINDS]


@bp.route("/", methods=["GET", "POST"])
@role_required("bureau", "chain")
def index():
    """Upload a file; a check shows what would change, an import writes it all or nothing."""
    scope = current_scope()
    form = UploadForm()
    form.kind.choices = [(k, KIND_LABELS[k]) for k in allowed_kinds(scope.role)]
    outcome, status = None, 200
    if form.validate_on_submit():
        outcome, status = _run(form, scope, dry_run=not form.run.data)
    elif form.errors:
        status = 422
    return render_template(
        "imports/index.html",
        form=form,
        outcome=outcome,
        labels=KIND_LABELS,
        kinds=allowed_kinds(scope.role),
    ), status


def _run(form, scope, *, dry_run: bool):
    upload, session = form.file.data, get_session()
    try:
        result = imports.import_file(
            session,
            scope,
            form.kind.data,
            upload.read(),
            upload.filename or "",
            today=clock.today(),
            config=current_app.extensions["scoring_config"],
            dry_run=dry_run,
            max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
        )
    except ImportRejected as error:
        session.rollback()
        locale = str(get_locale())
        problems = [(e.row, e.column, render(e, locale)) for e in error.errors]
        return {"problems": problems, "filename": upload.filename}, 422
    except ImportForbidden:
        raise NotFound() from None
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return {
        "result": result,
        "preview": result.preview,
        "filename": upload.filename,
        "dry_run": dry_run,
    }, 200


@bp.get("/template/<kind>.<fmt>")
@role_required("bureau", "chain")
def download_template(kind: str, fmt: str):
    """The empty template of a kind, with Chinese headers."""
    if kind not in allowed_kinds(current_scope().role) or fmt not in MIMETYPES:
        raise NotFound()
    headers = {"Content-Disposition": f'attachment; filename="{kind}-template.{fmt}"'}
    return current_app.response_class(template(kind, fmt), mimetype=MIMETYPES[fmt], headers=headers)

"""The bureau's list of "this record is wrong" requests from enterprises, and its answers."""

from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from models import RecordDispute
from models.vocab import HAZARD_SOURCES, OUTCOMES, SEVERITIES

from ..auth import current_scope, role_required
from ..db import get_session
from ..errors import Invalid
from ..paging import requested_page
from ..services import disputes
from .sme_forms import ResolveForm, show_errors
from .sme_texts import labels

bp = Blueprint("disputes", __name__, url_prefix="/bureau/disputes")
PER_PAGE = 30
STATUSES = ("open", "resolved", "rejected")


def _page(failed=None, status_code=200):
    """The list, re-showing a failed answer with its errors when one is given."""
    status = request.args.get("status", "open")
    status = status if status in STATUSES else None
    page = requested_page()
    items, total = disputes.list_disputes(
        get_session(), current_scope(), status=status, page=page, per_page=PER_PAGE
    )
    context = {
        "items": items,
        "status": status,
        "page": page,
        "pages": max((total - 1) // PER_PAGE + 1, 1),
        "total": total,
        "form": ResolveForm(formdata=None),
        "failed": failed,
        "vocab": {
            "severity": labels(SEVERITIES),
            "outcome": labels(OUTCOMES),
            "source": labels(HAZARD_SOURCES),
        },
    }
    return render_template("disputes/index.html", **context), status_code


@bp.get("/")
@role_required("bureau")
def index():
    """Open requests first (filter by status), each with the record it is about."""
    return _page()


@bp.post("/<int:dispute_id>/resolve")
@role_required("bureau")
def resolve(dispute_id: int):
    """Answer a request: corrected or rejected, with a reply the enterprise sees."""
    session, form = get_session(), ResolveForm()
    # The request must exist before its answer is validated (ASVS 8.2.1: 404, not 422).
    if session.get(RecordDispute, dispute_id) is None:
        abort(404)
    answer = partial(
        disputes.resolve,
        session,
        current_scope(),
        dispute_id,
        decision=form.decision.data,
        resolution=form.resolution.data,
    )
    if form.validate():
        try:
            answer()
            session.commit()
            flash(gettext("Answer sent to the enterprise."), "success")
            return redirect(url_for("disputes.index"))
        except Invalid as problem:
            session.rollback()
            show_errors(form, problem.errors)
    return _page(failed={"id": dispute_id, "form": form}, status_code=422)

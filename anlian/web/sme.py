"""The SME owner's pages: my score, why, what would raise it, my hazards, my records."""

from functools import partial

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, gettext

from models import Enterprise

from .. import clock, months
from ..auth import current_scope, role_required
from ..db import get_session
from ..errors import Invalid
from ..paging import requested_page
from ..services import disputes, record_lists, records, sme_portal
from . import sme_pages
from .sme_forms import DisputeForm, HazardReportForm, RectifyForm, show_errors

bp = Blueprint("sme", __name__, url_prefix="/sme")


def _mine():
    """(session, scope, my enterprise)."""
    session, scope = get_session(), current_scope()
    return session, scope, session.get(Enterprise, scope.enterprise_id)


def _config():
    return current_app.extensions["scoring_config"]


@bp.get("/")
@role_required("sme")
def index():
    """My score: large, with components, vetoes, history and my standing in my industry."""
    session, scope, enterprise = _mine()
    page = sme_pages.score_page(session, scope, enterprise, today=clock.today(), config=_config())
    return render_template("sme/index.html", **page)


@bp.get("/why")
@role_required("sme")
def why():
    """What pulls my score down, each cause linked to the records behind it."""
    session, _, enterprise = _mine()
    detail = sme_pages.running_detail(session, enterprise, today=clock.today(), config=_config())
    return render_template("sme/why.html", detail=detail, drivers=sme_pages.drivers(detail))


@bp.get("/raise")
@role_required("sme")
def raise_score():
    """What would raise my score, best first."""
    session, _, enterprise = _mine()
    today = clock.today()
    detail = sme_pages.running_detail(session, enterprise, today=today, config=_config())
    what_ifs = sme_pages.what_ifs(session, enterprise, detail, today=today)
    return render_template("sme/raise.html", detail=detail, what_ifs=what_ifs)


def _hazards_page(report=None, failed=None, status_code=200):
    """The hazards page, re-showing a form with its errors when one is given."""
    session, _, enterprise = _mine()
    status = request.args.get("status")
    status = status if status in record_lists.HAZARD_STATUSES else None
    page = sme_pages.hazards_page(
        session,
        enterprise,
        today=clock.today(),
        config=_config(),
        status=status,
        page=requested_page(),
    )
    report = report or HazardReportForm(formdata=None)
    page |= {"report": report, "failed": failed, "rectify": RectifyForm(formdata=None)}
    return render_template("sme/hazards.html", **page), status_code


@bp.get("/hazards")
@role_required("sme")
def hazards():
    """My hazards with their status, the self-check report form and the rectify forms."""
    return _hazards_page()


def _score_change(session, enterprise_id: int, before: float) -> None:
    """Tell the owner how the change moved this month's provisional score."""
    after = sme_portal.provisional_score(session, enterprise_id, today=clock.today())
    flash(
        gettext(
            "Your score this month went from %(before)s to %(after)s.",
            before=format_decimal(before, format="0.0"),
            after=format_decimal(after, format="0.0"),
        ),
        "success",
    )


def _attempt(form, action) -> bool:
    """Run `action` as the request's unit of work; on a rule broken, roll back and put the
    errors on the form."""
    session = get_session()
    try:
        action()
    except Invalid as problem:
        session.rollback()
        show_errors(form, problem.errors)
        return False
    session.commit()
    return True


def _write(form, change, **kwargs) -> bool:
    """A record change, then how it moved this month's provisional score."""
    session, scope, enterprise = _mine()
    today, config = clock.today(), _config()
    before = sme_portal.live_score(session, enterprise.id, today=today, config=config)
    ok = _attempt(form, lambda: change(session, scope, today=today, config=config, **kwargs))
    if ok:
        _score_change(session, enterprise.id, before)
    return ok


@bp.post("/hazards")
@role_required("sme")
def report_hazard():
    """Report a self-check hazard."""
    form = HazardReportForm()
    if form.validate() and _write(
        form, records.add_hazard, enterprise=_mine()[2], data=form.data_for_service()
    ):
        flash(gettext("Thank you: your self-check report is on file."), "success")
        return redirect(url_for("sme.hazards"))
    return _hazards_page(report=form, status_code=422)


@bp.post("/hazards/<int:hazard_id>/rectify")
@role_required("sme")
def rectify(hazard_id: int):
    """Mark one of my hazards rectified (404 for anyone else's)."""
    session, scope, _ = _mine()
    hazard = record_lists.visible_record(session, scope, "hazard", hazard_id)
    form = RectifyForm()
    data = {"rectified_on": form.rectified_on.data, "rectify_note": form.rectify_note.data}
    if form.validate() and _write(form, records.rectify_hazard, hazard=hazard, data=data):
        return redirect(url_for("sme.hazards"))
    return _hazards_page(failed={"id": hazard_id, "form": form}, status_code=422)


def _records_page(month=None, failed=None, status_code=200):
    session, _, enterprise = _mine()
    page = sme_pages.records_page(session, enterprise, month=month)
    form = DisputeForm(formdata=None)
    return render_template("sme/records.html", **page, form=form, failed=failed), status_code


@bp.get("/records")
@role_required("sme")
def records_list():
    """My accidents and inspections on file, each with a "this record is wrong" form."""
    month = request.args.get("month")
    return _records_page(month=month if months.is_month(month) else None)


@bp.post("/records/<kind>/<int:record_id>/dispute")
@role_required("sme")
def dispute(kind: str, record_id: int):
    """Tell the bureau one of my records is wrong (404 for records that are not mine)."""
    session, scope, _ = _mine()
    record_lists.visible_record(session, scope, kind, record_id)
    form = DisputeForm()
    raise_it = partial(
        disputes.raise_dispute,
        session,
        scope,
        kind=kind,
        record_id=record_id,
        message=form.message.data,
    )
    if form.validate() and _attempt(form, raise_it):
        flash(gettext("Sent: the bureau will look at this record."), "success")
        return redirect(url_for("sme.records_list"))
    return _records_page(failed={"kind": kind, "id": record_id, "form": form}, status_code=422)

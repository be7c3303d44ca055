"""The bureau's view of the scheduler: every job run, and "run month close now"."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from .. import clock
from ..auth import current_scope, role_required
from ..db import get_session
from ..errors import Invalid, translate
from ..jobs import lock, runner
from ..paging import requested_page
from ..services import job_runs

bp = Blueprint("jobs", __name__, url_prefix="/bureau/jobs")
PER_PAGE = 50


class MonthCloseForm(FlaskForm):
    month = StringField(_l("Month (YYYY-MM)"), validators=[DataRequired()])


@bp.get("/")
@role_required("bureau")
def index():
    """Job runs, newest first, and the form to close a month by hand."""
    form = MonthCloseForm(data={"month": clock.last_closed_month()})
    return _page(form), 200


@bp.post("/month-close")
@role_required("bureau")
def month_close():
    """Close a month now; a bad or unended month is shown on the form (422)."""
    form = MonthCloseForm()
    if not form.validate_on_submit():
        return _page(form), 422
    month = form.month.data.strip()
    try:
        run = runner.close_now(get_session(), current_scope(), month=month)
    except Invalid as invalid:
        form.month.errors = [translate(m) for m in invalid.errors.get("month", [])]
        return _page(form), 422
    flash(
        _l(
            "Month %(month)s closed: %(count)s enterprises scored.",
            month=month,
            count=run.counts.get("enterprises", 0),
        ),
        "info",
    )
    return redirect(url_for(".index"))


def _page(form):
    page = requested_page()
    runs, total = job_runs.list_runs(get_session(), page=page, per_page=PER_PAGE)
    return render_template(
        "jobs/index.html",
        form=form,
        runs=runs,
        page=page,
        pages=max((total - 1) // PER_PAGE + 1, 1),
        lock_holder=lock.holder(get_session()),
    )

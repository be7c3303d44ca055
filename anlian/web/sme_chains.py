"""The SME owner's "My chains": its standing with each chain leader it supplies (composite,
band, order action, settlement, how much safety counts), the admission gate, its yellow or
red code, and the appeal against a code."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from models import CodeEvent

from ..auth import current_scope, role_required
from ..db import get_session
from ..errors import Invalid, translate
from ..i18n import short_locale
from ..services import assessment, codes
from .chain_common import chosen_period, helpers, period_choices
from .chain_forms import AppealForm

bp = Blueprint("sme_chains", __name__, url_prefix="/sme/chains")
bp.context_processor(helpers)


def _page(session, scope, period: str, failed: tuple | None = None) -> dict:
    standings = assessment.standings_for_enterprise(
        session, enterprise_id=scope.enterprise_id, period=period, lang=short_locale()
    )
    forms = {s["code"]["event_id"]: AppealForm(formdata=None) for s in standings}
    if failed:
        forms[failed[0]] = failed[1]
    return {
        "period": period,
        "standings": standings,
        "forms": forms,
        "choices": period_choices(session),
    }


@bp.get("/")
@role_required("sme")
def index():
    """My standing in each chain I supply, for a period."""
    session, scope = get_session(), current_scope()
    return render_template("sme_chains/index.html", **_page(session, scope, chosen_period(session)))


@bp.post("/appeal/<int:event_id>")
@role_required("sme")
def appeal(event_id: int):
    """Appeal my current yellow or red code with a reason; the chain leader decides."""
    session, scope = get_session(), current_scope()
    # The code must be this enterprise's before the appeal is validated (ASVS 8.2.1: 404).
    event = session.get(CodeEvent, event_id)
    if event is None or event.enterprise_id != scope.enterprise_id:
        abort(404)
    form = AppealForm()
    if form.validate_on_submit():
        try:
            codes.submit_appeal(session, scope, code_event_id=event_id, reason=form.reason.data)
            session.commit()
            flash(_l("Your appeal is sent; the chain leader will decide."), "ok")
            return redirect(url_for(".index"))
        except Invalid as error:
            form.reason.errors = [translate(m) for ms in error.errors.values() for m in ms]
    page = _page(session, scope, chosen_period(session), failed=(event_id, form))
    return render_template("sme_chains/index.html", **page), 422

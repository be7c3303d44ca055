"""The scheme editor (criteria with weights, safety at least 10%, standing bands) and the
version history. static/scheme.js gives live feedback on the sum and the safety floor; the
server checks every rule regardless, through the same service as the API."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Conflict

from .. import clock
from ..auth import role_required
from ..errors import Invalid, translate
from ..services import schemes
from ..services.scheme_rules import NO_SAFETY_MESSAGE, SAFETY, SAFETY_MIN_MESSAGE, percent
from .chain_common import helpers, my_chain
from .chain_forms import SchemeForm

bp = Blueprint("chain_scheme", __name__, url_prefix="/chain/scheme")
bp.context_processor(helpers)
SPARE_CRITERIA, SPARE_BANDS = 2, 1
CONFLICT = _l(
    "Someone else saved a new version while you were editing. Reload to see it, "
    "then make your change again."
)


def _prefill(scheme) -> SchemeForm:
    """The form filled from the newest version (or a starting point), with spare rows."""
    criteria = (
        [
            {"key": c["key"], "label": c["label"], "weight": percent(c["weight_bp"])}
            for c in scheme.criteria
        ]
        if scheme
        else [{"key": SAFETY, "label": "安全生产", "weight": 20}]
    )
    bands = list(scheme.bands) if scheme else []
    form = SchemeForm(
        formdata=None,
        version=str(scheme.version if scheme else 0),
        effective_from=clock.current_month(),
        criteria=criteria + [{}] * SPARE_CRITERIA,
        bands=bands + [{"color": "grey"}] * SPARE_BANDS,
    )
    return form


def _rows(entries, fields) -> list[dict]:
    """The filled-in rows of a FieldList as dicts (blank rows are spare: skipped)."""
    rows = []
    for entry in entries:
        values = {name: entry.form[name].data for name in fields}
        typed = [values[n] for n in fields if n not in ("color", "order_action")]
        if any(v not in (None, "") for v in typed):
            rows.append({k: v.strip() if isinstance(v, str) else v for k, v in values.items()})
    return rows


def _show_errors(form: SchemeForm, errors: dict) -> dict:
    """Put the service's messages next to the fields; return the section messages."""
    texts = {name: [translate(m) for m in messages] for name, messages in errors.items()}
    if "effective_from" in texts:
        form.effective_from.errors = list(form.effective_from.errors) + texts.pop("effective_from")
    if SAFETY_MIN_MESSAGE in errors.get("criteria", []):
        for entry in form.criteria.entries:
            if (entry.form.key.data or "").strip() == SAFETY:
                entry.form.weight.errors = list(entry.form.weight.errors) + [
                    translate(SAFETY_MIN_MESSAGE)
                ]
    return texts


@bp.route("/", methods=["GET", "POST"])
@role_required("chain")
def edit():
    """Edit the scheme: saving creates a new version from its `effective_from` month."""
    session, scope, chain = my_chain()
    current = schemes.current(session, chain.id)
    form = SchemeForm() if request.method == "POST" else _prefill(current)
    problems = {}
    if form.validate_on_submit():
        try:
            schemes.save(
                session,
                scope,
                chain,
                criteria=_rows(form.criteria, ("key", "label", "weight")),
                bands=_rows(
                    form.bands,
                    ("min_score", "label", "color", "order_action", "settlement_adjustment_pct"),
                ),
                effective_from=form.effective_from.data.strip(),
                expected_version=int(form.version.data or 0),
            )
            session.commit()
            return redirect(url_for(".versions", saved=1))
        except Invalid as error:
            problems = _show_errors(form, error.errors)
        except Conflict:
            problems = {"conflict": [str(CONFLICT)]}
    status = 422 if form.is_submitted() else 200
    return render_template(
        "chain/scheme.html",
        form=form,
        chain=chain,
        current=current,
        problems=problems,
        js=_live_messages(),
    ), status


def _live_messages() -> dict:
    """What static/scheme.js says, in the page's language ({total} is filled in there)."""
    return {
        "sum_ok": _("The weights add up to exactly 100."),
        "sum_bad": _(
            "The weights add up to %(total)s; they must add up to exactly 100.", total="{total}"
        ),
        "safety": translate(SAFETY_MIN_MESSAGE),
        "no_safety": translate(NO_SAFETY_MESSAGE),
        "decimals": _("Weights have at most 2 decimals."),
    }


@bp.get("/versions")
@role_required("chain")
def versions():
    """Every version of the scheme, newest first, with who saved it."""
    session, _scope, chain = my_chain()
    found = schemes.versions(session, chain.id)
    return render_template(
        "chain/scheme_versions.html",
        chain=chain,
        versions=found,
        authors=schemes.authors(session, found),
    )

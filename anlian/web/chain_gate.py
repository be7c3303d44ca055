"""The admission gate (安全准入) pages: every current supplier's checklist at a glance, one
supplier's checklist with evidence and verification dates, and the chain's list of
conditions."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from .. import clock
from ..auth import role_required
from ..errors import Invalid, translate
from ..paging import requested_page
from ..services import admission, suppliers
from .chain_common import helpers, my_chain
from .chain_forms import ChecklistForm, ConditionsForm

bp = Blueprint("chain_gate", __name__, url_prefix="/chain/admission")
bp.context_processor(helpers)
PER_PAGE = 50
SPARE_CONDITIONS = 2


@bp.get("/")
@role_required("chain")
def index():
    """Current suppliers with how many of the conditions they meet."""
    session, _scope, chain = my_chain()
    number = requested_page()
    items, total = suppliers.list_suppliers(
        session, chain.id, on=clock.today(), page=number, per_page=PER_PAGE
    )
    met = admission.passed_counts(session, chain, [i["enterprise_id"] for i in items])
    return render_template(
        "chain/admission.html",
        chain=chain,
        items=items,
        met=met,
        conditions=admission.conditions(chain),
        page=number,
        total=total,
        pages=max((total - 1) // PER_PAGE + 1, 1),
    )


def _checklist_form(items: list[dict]) -> ChecklistForm:
    return ChecklistForm(
        formdata=None,
        checks=[
            {
                "key": i["key"],
                "met": i["met"],
                "evidence": i["evidence"],
                "verified_on": i["verified_on"],
            }
            for i in items
        ],
    )


def _save_checks(session, scope, chain, enterprise, form) -> bool:
    items = [
        {
            "key": e.form.key.data,
            "met": e.form.met.data,
            "evidence": e.form.evidence.data,
            "verified_on": e.form.verified_on.data,
        }
        for e in form.checks.entries
    ]
    try:
        admission.save_checks(session, scope, chain, enterprise.id, items, today=clock.today())
    except Invalid as error:
        for entry in form.checks.entries:
            messages = error.errors.get(entry.form.key.data, [])
            entry.form.verified_on.errors = [translate(m) for m in messages]
        return False
    return True


@bp.route("/<string:uscc>", methods=["GET", "POST"])
@role_required("chain")
def supplier(uscc: str):
    """One supplier's checklist: each condition met or not, evidence, verification date."""
    session, scope, chain = my_chain()
    _member, enterprise = suppliers.membership(session, chain.id, uscc)
    items = admission.checklist(session, chain, enterprise.id)
    form = ChecklistForm() if request.method == "POST" else _checklist_form(items)
    if form.validate_on_submit() and _save_checks(session, scope, chain, enterprise, form):
        session.commit()
        flash(_l("The checklist is saved."), "ok")
        return redirect(url_for(".supplier", uscc=uscc))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "chain/admission_supplier.html",
        chain=chain,
        enterprise=enterprise,
        rows=list(zip(items, form.checks.entries, strict=False)),
        form=form,
    ), status


@bp.route("/conditions", methods=["GET", "POST"])
@role_required("chain")
def conditions():
    """The chain's list of basic safety conditions (defaults: the eight of the scheme)."""
    session, scope, chain = my_chain()
    problems = []
    if request.method == "POST":
        form = ConditionsForm()
        if form.validate_on_submit():
            rows = [
                {k: (e.form[k].data or "").strip() for k in ("key", "label_zh", "label_en")}
                for e in form.conditions.entries
            ]
            try:
                admission.set_conditions(
                    session, scope, chain, [r for r in rows if any(r.values())]
                )
                session.commit()
                flash(_l("The conditions are saved."), "ok")
                return redirect(url_for(".index"))
            except Invalid as error:
                problems = [translate(m) for ms in error.errors.values() for m in ms]
    else:
        form = ConditionsForm(
            formdata=None, conditions=admission.conditions(chain) + [{}] * SPARE_CONDITIONS
        )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "chain/admission_conditions.html", chain=chain, form=form, problems=problems
    ), status

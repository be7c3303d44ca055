"""A chain's supplier pages: one supplier in detail (safety components and drivers, 24 months
of safety and composite, ratings, consequences, codes), adding one, editing and ending one."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from .. import clock, months
from ..auth import role_required
from ..charts import chain as charts
from ..charts import figure_json
from ..errors import Invalid, translate
from ..scope import visible_enterprise
from ..services import admission, assessment, ratings, schemes, scores, supplier_history
from ..services import suppliers as supplier_service
from .chain_common import chosen_period, helpers, my_chain
from .chain_forms import EndForm, SupplierEditForm, SupplierForm
from .sme_texts import COMPONENTS, driver_sentence, veto_sentence

bp = Blueprint("chain_suppliers", __name__, url_prefix="/chain/suppliers")
bp.context_processor(helpers)


def _membership(session, chain, enterprise):
    """The supplier's open membership of the chain, else None (a past supplier)."""
    try:
        row, _enterprise = supplier_service.membership(session, chain.id, enterprise.uscc)
    except NotFound:
        return None
    return row


def _score(session, enterprise, period: str) -> dict:
    """The explained safety score of the period (components, drivers, vetoes)."""
    day = clock.today() if period == clock.current_month() else months.last_day(period)
    config = current_app.extensions["scoring_config"]
    detail = scores.score_detail(session, enterprise, as_of=period, on=day, config=config)
    detail["driver_texts"] = [driver_sentence(d) for d in detail.get("drivers", [])[:6]]
    detail["veto_texts"] = [veto_sentence(r, config.window_months) for r in detail["veto"]]
    return detail


def _detail(session, chain, enterprise, period: str, **forms) -> dict:
    # The supplier's row as the ranking, the export and the API show it (a closed period as
    # its close stored it); not cached: this also renders after a failed POST.
    rows = assessment.table(session, chain, period=period, enterprise_id=enterprise.id).rows
    history = supplier_history.monthly(session, chain.id, enterprise.id, last=period)
    member = _membership(session, chain, enterprise)
    edit = (forms.get("edit") or SupplierEditForm(formdata=None, obj=member)) if member else None
    return {
        "chain": chain,
        "enterprise": enterprise,
        "period": period,
        "member": member,
        "row": rows[0] if rows else None,
        "scheme": schemes.in_force(session, chain.id, period),
        "detail": _score(session, enterprise, period),
        "components": COMPONENTS,
        "history": list(reversed(history)),
        "ratings": ratings.history(session, chain.id, enterprise.id),
        "events": supplier_history.code_events(session, chain.id, enterprise.id),
        "checklist": admission.checklist(session, chain, enterprise.id),
        "edit_form": edit,
        "end_form": forms.get("end") or EndForm(formdata=None, left_on=clock.today()),
        "figure": figure_json(
            charts.supplier_history(
                history,
                title=_("Safety score and composite, 24 months"),
                safety_name=_("Safety score"),
                composite_name=_("Composite (as closed)"),
            )
        ),
    }


@bp.get("/<string:uscc>")
@role_required("chain")
def detail(uscc: str):
    """One supplier of the chain in detail."""
    session, scope, chain = my_chain()
    enterprise = visible_enterprise(session, scope, uscc)
    return render_template(
        "chain/supplier.html", **_detail(session, chain, enterprise, chosen_period(session))
    )


@bp.post("/<string:uscc>/edit")
@role_required("chain")
def edit(uscc: str):
    """Change the tier or the annual order value of a current supplier."""
    session, scope, chain = my_chain()
    enterprise = visible_enterprise(session, scope, uscc)
    form = SupplierEditForm()
    if form.validate_on_submit() and _apply(
        form,
        lambda: supplier_service.update(
            session,
            scope,
            chain,
            uscc,
            {"tier": form.tier.data, "annual_spend_cny": form.annual_spend_cny.data},
        ),
    ):
        session.commit()
        flash(_l("Saved."), "ok")
        return redirect(url_for(".detail", uscc=uscc))
    return render_template(
        "chain/supplier.html",
        **_detail(session, chain, enterprise, chosen_period(session), edit=form),
    ), 422


@bp.post("/<string:uscc>/end")
@role_required("chain")
def end(uscc: str):
    """End a supplier's membership (history is kept)."""
    session, scope, chain = my_chain()
    enterprise = visible_enterprise(session, scope, uscc)
    form = EndForm()
    if form.validate_on_submit() and _apply(
        form,
        lambda: supplier_service.remove(session, scope, chain, uscc, left_on=form.left_on.data),
    ):
        session.commit()
        flash(_l("The membership has ended; its history is kept."), "ok")
        return redirect(url_for("chain.index"))
    return render_template(
        "chain/supplier.html",
        **_detail(session, chain, enterprise, chosen_period(session), end=form),
    ), 422


def _apply(form, action) -> bool:
    """Run a service call; put its field messages next to the form's fields."""
    try:
        action()
    except Invalid as error:
        for name, messages in error.errors.items():
            target = form._fields.get(name)
            texts = [translate(m) for m in messages]
            if target is not None:
                target.errors = list(target.errors) + texts
            else:
                form.form_errors.extend(texts)
        return False
    return True


@bp.route("/new", methods=["GET", "POST"])
@role_required("chain")
def new():
    """Add a supplier by USCC, with tier, join date and annual order value."""
    session, scope, chain = my_chain()
    form = SupplierForm(joined_on=clock.today())
    if form.validate_on_submit() and _apply(
        form,
        lambda: supplier_service.add(
            session,
            scope,
            chain,
            uscc=form.uscc.data.strip().upper(),
            tier=form.tier.data,
            joined_on=form.joined_on.data,
            annual_spend_cny=form.annual_spend_cny.data,
        ),
    ):
        session.commit()
        flash(_l("Supplier added."), "ok")
        return redirect(url_for(".detail", uscc=form.uscc.data.strip().upper()))
    status = 422 if form.is_submitted() else 200
    return render_template("chain/supplier_new.html", form=form, chain=chain), status

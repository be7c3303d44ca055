"""The chain leader's trend pages: the same trends and effect the bureau sees, for the chain's
own suppliers only (beside the city's never-linked enterprises, in aggregate)."""

from flask import Blueprint, render_template

from ..auth import current_scope, role_required
from ..db import get_session
from ..scope import visible_chain
from .bureau import (
    chain_data,
    export,
    figures,
    read_form,
    series_metric,
    series_pairs,
    trend_context,
)

bp = Blueprint("chain_trends", __name__, url_prefix="/chain/trends")
bp.context_processor(trend_context)


def _mine():
    """The logged-in chain leader's chain, its listing and the filter form."""
    chain = visible_chain(get_session(), current_scope(), current_scope().chain_id)
    listed, form = read_form(chain_id=chain.id)
    return chain, [c for c in listed if c["id"] == chain.id], form


@bp.get("/")
@role_required("chain")
def index():
    """Our suppliers' trends, the effect of joining our chain, colours and the funnel."""
    chain, listed, form = _mine()
    if form.errors:
        return render_template("chain_trends/index.html", form=form, chain=chain, data=None), 422
    data = chain_data(form)
    return render_template(
        "chain_trends/index.html",
        form=form,
        chain=chain,
        data=data,
        figures=figures(form, data, listed),
    )


@bp.get("/series")
@role_required("chain")
def series():
    """One metric month by month: our suppliers beside never-linked enterprises."""
    chain, _listed, form = _mine()
    metric = series_metric(form)
    if form.errors:
        return render_template("bureau/trends_series.html", form=form, fixed_chain=chain.id), 422
    return render_template(
        "bureau/trends_series.html",
        form=form,
        fixed_chain=chain.id,
        data=True,
        metric=metric,
        pairs=series_pairs(chain_data(form)),
        export_endpoint="chain_trends.export_table",
        export_extra={},
        back_url=None,
    )


@bp.get("/export/<table>")
@role_required("chain")
def export_table(table: str):
    """Any table of our trend page, for the same filters."""
    chain, listed, form = _mine()
    if form.errors:
        return render_template("chain_trends/index.html", form=form, chain=chain, data=None), 422
    return export(table, chain_data(form), listed, filename=f"anlian-chain-{chain.id}")

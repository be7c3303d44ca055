"""The chain leader's procurement pages: the supplier ranking of a period with its charts, the
supply-base risk, and the consequences export for the ERP."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from .. import exports, months
from ..auth import role_required
from ..charts import chain as charts
from ..charts import figure_json
from ..paging import requested_page
from ..services import assessment, schemes
from ..services.assessment_table import RowFilters, export_table
from ..services.supply_risk import supply_risk
from .chain_common import chosen_period, helpers, my_chain
from .chain_forms import RankingFilterForm

bp = Blueprint("chain", __name__, url_prefix="/chain")
bp.context_processor(helpers)
PER_PAGE = 50
RISK_MONTHS = 24


@bp.get("/")
@role_required("chain")
def index():
    """The ranking of the chain's suppliers for a period: standings, charts, supply risk.
    The rows come from the same place as the API's (assessment.table: a closed period as
    its close stored it), so the page, the export and the API agree."""
    session, _scope, chain = my_chain()
    form = RankingFilterForm(request.args, meta={"csrf": False})
    form.fill_choices(session)
    period = chosen_period(session, form.period.data)
    form.period.data = period
    # Every row (counts and charts), then the page asked for, narrowed and ordered in SQL.
    everything = assessment.table(session, chain, period=period, cached=True)
    number = requested_page()
    shown = assessment.table(
        session,
        chain,
        period=period,
        filters=_filters(form),
        sort=form.sort.data or "rank",
        descending={"asc": False, "desc": True}.get(form.order.data),
        page_number=number,
        per_page=PER_PAGE,
        cached=True,
    )
    return render_template(
        "chain/index.html", **_ranking(session, chain, period, everything, shown, number, form)
    )


def _filters(form) -> RowFilters:
    """The filters the form validated; a field with an error is ignored (and says why)."""
    form.validate()
    ok = {name: field.data or None for name, field in form._fields.items() if not field.errors}
    tier = ok.get("tier")
    return RowFilters(
        grade=ok.get("grade"),
        standing=ok.get("standing"),
        tier=int(tier) if tier else None,
        industry=ok.get("industry"),
        town=ok.get("town"),
        code=ok.get("code"),
        q=ok.get("q"),
    )


def _ranking(session, chain, period, everything, shown, number, form) -> dict:
    scheme = schemes.in_force(session, chain.id, period)
    complete = [r for r in everything.rows if r["complete"]]
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return {
        "chain": chain,
        "period": period,
        "form": form,
        "scheme": scheme,
        # the criteria the rows were assessed on (a closed period: the version it applied)
        "criteria": shown.criteria,
        "rows": shown.rows,
        "total": shown.total,
        "all_rows": everything.total,
        "complete": len(complete),
        "page": number,
        "pages": max((shown.total - 1) // PER_PAGE + 1, 1),
        "args": args,
        "risk": supply_risk(session, chain.id, periods=[months.shift(period, -1), period]),
        "distribution": figure_json(
            charts.composite_distribution(
                [r["composite"] for r in complete],
                scheme.bands if scheme else [],
                title=_("Composites of the period"),
                x_title=_("Composite"),
                y_title=_("Suppliers"),
            )
        ),
        "scatter": figure_json(
            charts.safety_vs_composite(
                [r for r in complete if r["safety_score"] is not None],
                title=_("Safety score against composite"),
                x_title=_("Safety score"),
                y_title=_("Composite"),
            )
        ),
    }


@bp.get("/risk")
@role_required("chain")
def risk():
    """The spend-weighted safety index of the supply base and the share of risky spend."""
    session, _scope, chain = my_chain()
    period = chosen_period(session)
    periods = months.span(months.shift(period, 1 - RISK_MONTHS), period)
    points = supply_risk(session, chain.id, periods=periods)
    figure = charts.supply_risk(
        points,
        title=_("Supply-base risk"),
        index_name=_("Spend-weighted safety index"),
        share_name=_("Spend with orange and red suppliers (%)"),
    )
    return render_template(
        "chain/risk.html",
        chain=chain,
        period=period,
        points=list(reversed(points)),
        figure=figure_json(figure),
    )


@bp.get("/export")
@role_required("chain")
def export():
    """The consequences of a period as CSV or XLSX for the ERP (the API's export, the same
    rows)."""
    session, _scope, chain = my_chain()
    period = chosen_period(session)
    fmt = exports.requested_format()
    found = assessment.table(session, chain, period=period, cached=True)
    header, table = export_table(found.rows, found.criteria)
    return exports.download(header, table, fmt=fmt, filename=f"assessment-{chain.id}-{period}")

"""The bureau analyst's pages: the city overview and the trends dashboard, its series, its
chain pages and the CSV/XLSX export of every table. The trend views read through the
fingerprint cache (anlian.services.trends_cache); all of them are GET pages."""

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale, gettext

from models.base import N_
from models.vocab import INDUSTRIES, TOWNS

from ..auth import current_scope, role_required
from ..charts import bureau as charts
from ..clock import today
from ..db import get_session
from ..errors import translate
from ..exports import download, requested_format
from ..i18n import label
from ..scope import visible_chain
from ..services import chains, overview, trends_cache, trends_dashboard, trends_tables
from ..services.trends_access import Filters, read_filters

bp = Blueprint("bureau", __name__, url_prefix="/bureau")
SERIES_LABELS = {
    "injury_rate": N_("Injury rate (cases per million hours)"),
    "enforcement_rate": N_("Enforcement cases per 100 enterprise-months"),
    "penalty_per_enterprise": N_("Penalty per enterprise-month (CNY)"),
    "penalty_cny": N_("Penalty amount (CNY)"),
    "penalty_per_inspection": N_("Penalty per inspection (CNY)"),
    "inspections": N_("Inspections"),
    "official_only_share": N_("Accidents known only from official sources (%)"),
    "mean_score": N_("Mean safety score"),
}


def trend_context() -> dict:
    """What every trend template reads: vocabularies and the message ids of its notes."""
    return {
        "notes": trends_tables.NOTES,
        "metric_labels": trends_tables.METRIC_LABELS,
        "colour_labels": trends_tables.COLOUR_LABELS,
        "colour_order": ("red", "orange", "yellow", "blue"),
        "series_labels": SERIES_LABELS,
        "industries": tuple(INDUSTRIES),
        "towns": TOWNS,
        # Message ids held in variables: translated without %-formatting (some hold a %).
        "tr": translate,
    }


bp.context_processor(trend_context)


@bp.get("/")
@role_required("bureau")
def index():
    """City overview: enterprises, chains, records, the grade mix of the last closed month."""
    session = get_session()
    return render_template(
        "bureau/index.html",
        overview=overview.city_overview(session, on=today()),
        chains=chains.list_chains(session, current_scope(), on=today()),
    )


def read_form(chain_id: int | None = None) -> tuple[list, Filters]:
    """The chains in scope and the filter form of this request (its session may use the
    trend cache: these pages only read)."""
    session, scope = get_session(), current_scope()
    trends_cache.enable(session)
    listed = chains.list_chains(session, scope, on=today())
    form = read_filters(request.args, chain_ids=[c["id"] for c in listed], chain_id=chain_id)
    return listed, form


def labels() -> dict:
    """The charts' words in the page's language."""
    return {key: gettext(message) for key, message in charts.LABELS.items()}


def figures(form: Filters, data: dict, shown: list) -> dict:
    """The view's charts as JSON, cached with its data (building them takes a while)."""
    scope = current_scope()
    key = ("figures", trends_cache.scope_key(scope), form.selection, form.window, today())
    key += (tuple(c["id"] for c in shown), str(get_locale()))
    build = lambda: charts.figures(data, shown, labels=labels())  # noqa: E731
    return trends_cache.memo(get_session(), key, build)


def _dashboard_data(form: Filters):
    return trends_dashboard.dashboard(
        get_session(), current_scope(), form.selection, window=form.window, on=today()
    )


def chain_data(form: Filters):
    """The data of one chain's trend view (bureau chain page, chain leader's own page)."""
    return trends_dashboard.chain_view(
        get_session(), current_scope(), form.selection, window=form.window, on=today()
    )


@bp.get("/trends")
@role_required("bureau")
def trends():
    """Headline effect with intervals, charts, chain comparison, colours and the funnel."""
    listed, form = read_form()
    if form.errors:
        return render_template("bureau/trends.html", form=form, chains=listed, data=None), 422
    data = _dashboard_data(form)
    column, descending = _sort()
    shown = [c for c in listed if form.selection.chain_id in (None, c["id"])]
    return render_template(
        "bureau/trends.html",
        form=form,
        chains=listed,
        data=data,
        table=trends_dashboard.sorted_table(data["chains"], column, descending),
        sort=(column, descending),
        figures=figures(form, data, shown),
    )


def _sort() -> tuple[str, bool]:
    column = request.args.get("sort", "name")
    return (column if column in trends_dashboard.SORTS else "name"), request.args.get("desc") == "1"


@bp.get("/trends/series")
@role_required("bureau")
def series():
    """One metric month by month, linked suppliers beside never-linked enterprises."""
    listed, form = read_form()
    metric = series_metric(form)
    if form.errors:
        return render_template("bureau/trends_series.html", form=form, chains=listed), 422
    return render_template(
        "bureau/trends_series.html",
        form=form,
        chains=listed,
        data=True,
        metric=metric,
        pairs=series_pairs(_dashboard_data(form)),
        export_endpoint="bureau.export_dashboard",
        export_extra={},
    )


def series_metric(form: Filters) -> str:
    """The ?metric= of a series page (an error on the form when unknown)."""
    metric = request.args.get("metric", "injury_rate")
    if metric not in SERIES_LABELS:
        form.errors["metric"] = [N_("Choose a value from the list.")]
    return metric


def series_pairs(data: dict) -> list:
    """(linked, never-linked) rows of each month."""
    return list(zip(data["series"]["members"], data["series"]["non_members"], strict=True))


@bp.get("/trends/chains/<int:chain_id>")
@role_required("bureau")
def chain(chain_id: int):
    """One chain's trends and effect: what its chain leader sees, with the bureau's filters."""
    item = visible_chain(get_session(), current_scope(), chain_id)
    listed, form = read_form(chain_id=item.id)
    if form.errors:
        return render_template("bureau/trends_chain.html", form=form, chain=item, data=None), 422
    data = chain_data(form)
    shown = [c for c in listed if c["id"] == item.id]
    return render_template(
        "bureau/trends_chain.html",
        form=form,
        chain=item,
        data=data,
        figures=figures(form, data, shown),
    )


def export(table: str, data: dict, listed: list, *, filename: str):
    """A trend table as CSV or XLSX (?format=), 404 for a table the view has not."""
    fmt = requested_format()
    header, rows = trends_tables.build(table, data, {c["id"]: c["name"] for c in listed})
    if header is None:
        abort(404)
    header, rows = trends_tables.translated(header, rows, gettext, label)
    return download(header, rows, fmt=fmt, filename=f"{filename}-{table}")


@bp.get("/trends/export/<table>")
@role_required("bureau")
def export_dashboard(table: str):
    """Any table of the dashboard, for the same filters."""
    listed, form = read_form()
    if form.errors:
        return render_template("bureau/trends.html", form=form, chains=listed, data=None), 422
    return export(table, _dashboard_data(form), listed, filename="anlian-trends")


@bp.get("/trends/chains/<int:chain_id>/export/<table>")
@role_required("bureau")
def export_chain(chain_id: int, table: str):
    """Any table of a chain's page, for the same filters."""
    item = visible_chain(get_session(), current_scope(), chain_id)
    listed, form = read_form(chain_id=item.id)
    if form.errors:
        return render_template("bureau/trends_chain.html", form=form, chain=item, data=None), 422
    return export(table, chain_data(form), listed, filename=f"anlian-chain-{item.id}")

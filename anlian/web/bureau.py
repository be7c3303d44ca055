"""The bureau analyst's pages."""

from flask import Blueprint, render_template

from ..auth import current_scope, role_required
from ..clock import today
from ..db import get_session
from ..services import chains, overview

bp = Blueprint("bureau", __name__, url_prefix="/bureau")


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

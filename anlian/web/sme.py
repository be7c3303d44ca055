"""The SME owner's pages."""

from flask import Blueprint, render_template

from models import Enterprise

from ..auth import current_scope, role_required
from ..clock import today
from ..db import get_session
from ..services import chains, enterprises, overview

bp = Blueprint("sme", __name__, url_prefix="/sme")


@bp.get("/")
@role_required("sme")
def index():
    """My enterprise, its latest score, open hazards and the chains it supplies."""
    session, scope = get_session(), current_scope()
    enterprise = session.get(Enterprise, scope.enterprise_id)
    return render_template(
        "sme/index.html",
        enterprise=enterprises.scored(session, scope, enterprise),
        hazards=overview.open_hazards(session, enterprise.id, on=today()),
        chains=chains.list_chains(session, scope, on=today()),
    )

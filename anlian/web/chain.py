"""The chain leader's procurement pages."""

from flask import Blueprint, render_template, request

from ..auth import current_scope, role_required
from ..clock import today
from ..db import get_session
from ..scope import visible_chain
from ..services import chains, enterprises

bp = Blueprint("chain", __name__, url_prefix="/chain")
PER_PAGE = 50


@bp.get("/")
@role_required("chain")
def index():
    """The chain's suppliers with their latest safety scores."""
    session, scope = get_session(), current_scope()
    chain = visible_chain(session, scope, scope.chain_id)
    page = max(request.args.get("page", 1, type=int), 1)
    items, total = enterprises.list_enterprises(
        session,
        scope,
        enterprises.EnterpriseFilters(chain_id=chain.id),
        page=page,
        per_page=PER_PAGE,
    )
    return render_template(
        "chain/index.html",
        chain=chains.chain_item(session, scope, chain.id, on=today()),
        suppliers=items,
        total=total,
        page=page,
        pages=max((total - 1) // PER_PAGE + 1, 1),
    )

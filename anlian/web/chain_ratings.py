"""The ratings grid: one period, a page of suppliers by the chain's own criteria (safety is not
rated here: it comes from the safety score). Cells are named r-<USCC>-<criterion>; an empty
cell leaves that rating as it is. Nothing is saved unless every filled cell is valid."""

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from .. import clock
from ..auth import role_required
from ..errors import Invalid, translate
from ..paging import requested_page
from ..services import assessment_inputs, ratings, schemes
from ..services.scheme_rules import SAFETY
from .chain_common import chosen_period, helpers, my_chain, period_choices
from .chain_forms import RatingsForm

bp = Blueprint("chain_ratings", __name__, url_prefix="/chain/ratings")
bp.context_processor(helpers)
PER_PAGE = 50
CELL = re.compile(r"^r-([0-9A-Z]{18})-([a-z][a-z0-9_]{0,31})$")
ROW_FIELD = re.compile(r"^ratings\[(\d+)\]\.(\w+)$")


def _cells(form_data) -> list[dict]:
    """The filled-in cells of the grid as rating items, in page order."""
    items = []
    for name, value in form_data.items():
        match = CELL.match(name)
        if match and value.strip():
            items.append({"uscc": match[1], "criterion": match[2], "score": value.strip()})
    return items


def _cell_errors(items: list[dict], errors: dict) -> tuple[dict, list]:
    """The service's row errors as {(uscc, criterion): messages}, and the others."""
    cells, general = {}, []
    for key, messages in errors.items():
        match = ROW_FIELD.match(key)
        texts = [translate(m) for m in messages]
        if match and int(match[1]) < len(items):
            item = items[int(match[1])]
            cells.setdefault((item["uscc"], item["criterion"]), []).extend(texts)
        else:
            general.extend(texts)
    return cells, general


def _page(session, chain, period: str, **extra) -> dict:
    number = requested_page()
    q = request.args.get("q", "")[:100]
    rows, total = ratings.grid(session, chain.id, period, q=q, page=number, per_page=PER_PAGE)
    safety = assessment_inputs.safety(session, period, [r["enterprise_id"] for r in rows])
    scheme = schemes.in_force(session, chain.id, period)
    return {
        "chain": chain,
        "period": period,
        "rows": rows,
        "total": total,
        "page": number,
        "pages": max((total - 1) // PER_PAGE + 1, 1),
        "q": q,
        "safety": safety,
        "criteria": [c for c in scheme.criteria if c["key"] != SAFETY] if scheme else [],
        "scheme": scheme,
        "choices": period_choices(session),
        "form": RatingsForm(period=period),
        "submitted": {},
        "cell_errors": {},
        "general_errors": [],
        **extra,
    }


@bp.get("/")
@role_required("chain")
def grid():
    """The grid of one period's ratings."""
    session, _scope, chain = my_chain()
    return render_template("chain/ratings.html", **_page(session, chain, chosen_period(session)))


@bp.post("/")
@role_required("chain")
def save():
    """Save the filled-in cells; on any error show the grid again with the messages."""
    session, scope, chain = my_chain()
    form = RatingsForm()
    period = chosen_period(session, form.period.data)
    items = _cells(request.form)
    if form.validate_on_submit():
        try:
            counts = ratings.save(
                session,
                scope,
                chain,
                period=period,
                items=items,
                current_month=clock.current_month(),
            )
            session.commit()
            flash(
                _l(
                    "Saved: %(new)s new, %(changed)s changed.",
                    new=counts["inserted"],
                    changed=counts["updated"],
                ),
                "ok",
            )
            return redirect(url_for(".grid", period=period, **_keep()))
        except Invalid as error:
            cells, general = _cell_errors(items, error.errors)
    else:
        cells, general = {}, [translate(e) for e in form.errors.get("csrf_token", [])]
    submitted = {(i["uscc"], i["criterion"]): i["score"] for i in items}
    return render_template(
        "chain/ratings.html",
        **_page(
            session, chain, period, submitted=submitted, cell_errors=cells, general_errors=general
        ),
    ), 422


def _keep() -> dict:
    return {k: v for k, v in request.args.items() if k in ("page", "q") and v}

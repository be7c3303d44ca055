"""The chain's yellow and red codes: who holds one, the appeals waiting for a decision (decided
here, with the reason recorded), and the latest transitions."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from ..auth import role_required
from ..errors import Invalid, translate
from ..services import appeals, code_board
from .chain_common import helpers, my_chain
from .chain_forms import DecideForm

bp = Blueprint("chain_codes", __name__, url_prefix="/chain/codes")
bp.context_processor(helpers)


def _page(session, chain, forms: dict | None = None) -> dict:
    waiting = appeals.pending(session, chain.id)
    forms = forms or {}
    return {
        "chain": chain,
        "board": code_board.board(session, chain.id),
        "appeals": [
            item | {"form": forms.get(item["appeal"].id) or DecideForm(formdata=None)}
            for item in waiting
        ],
        "recent": code_board.recent(session, chain.id),
    }


@bp.get("/")
@role_required("chain")
def index():
    """Codes in force, pending appeals and recent transitions."""
    session, _scope, chain = my_chain()
    return render_template("chain/codes.html", **_page(session, chain))


@bp.post("/appeals/<int:appeal_id>")
@role_required("chain")
def decide(appeal_id: int):
    """Uphold or reject an appeal, with the reason; upheld lifts the code."""
    session, scope, chain = my_chain()
    appeals.visible_appeal(session, scope, appeal_id)
    form = DecideForm()
    if form.validate_on_submit():
        try:
            appeals.decide(
                session,
                scope,
                appeal_id=appeal_id,
                decision=form.decision.data,
                note=form.note.data,
            )
            session.commit()
            flash(_l("The decision is recorded."), "ok")
            return redirect(url_for(".index"))
        except Invalid as error:
            form.note.errors = [translate(m) for ms in error.errors.values() for m in ms]
    return render_template("chain/codes.html", **_page(session, chain, {appeal_id: form})), 422

"""What the chain leader's pages share: the chain of the logged-in user, the period asked for,
and labels for order actions, codes and triggers in the page's language."""

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from .. import clock, months
from ..auth import current_scope
from ..db import get_session
from ..errors import translate
from ..scope import visible_chain
from ..services import assessment

ORDER_ACTIONS = {
    "preferred": _l("Preferred"),
    "normal": _l("Normal"),
    "probation": _l("Probation"),
    "suspend_new_orders": _l("No new orders"),
}
CODE_STATES = {"clear": _l("No code"), "yellow": _l("Yellow code"), "red": _l("Red code")}
TRIGGERS = {
    "failing_band": _l("Fell in the failing band"),
    "veto": _l("Safety veto"),
    "clean_run": _l("Clean periods in a row"),
    "appeal_upheld": _l("Appeal upheld"),
    "manual": _l("Readmitted"),
}
APPEAL_STATUSES = {"pending": _l("Pending"), "upheld": _l("Upheld"), "rejected": _l("Rejected")}
BAND_COLORS = {
    "green": _l("green"),
    "blue": _l("blue"),
    "yellow": _l("yellow"),
    "orange": _l("orange"),
    "red": _l("red"),
    "grey": _l("grey"),
}


def my_chain() -> tuple:
    """(session, scope, chain) of the logged-in chain user."""
    session, scope = get_session(), current_scope()
    return session, scope, visible_chain(session, scope, scope.chain_id)


def chosen_period(session, value: str | None = None) -> str:
    """The period in the query string when it is a month not in the future, else the
    latest closed one (a page never fails on a bad period: it shows the default)."""
    value = value if value is not None else request.args.get("period")
    current = clock.current_month()
    if months.is_month(value) and value <= current:
        return value
    return assessment.default_period(session, current_month=current)


def period_choices(session, last: str | None = None, count: int = 24) -> list[str]:
    """The months a period picker offers: the running month and the ones before, newest
    first."""
    last = last or clock.current_month()
    return [months.shift(last, -k) for k in range(count)]


def helpers() -> dict:
    """Template helpers for the chain and SME pages of this area."""
    return {
        "action_label": lambda code: ORDER_ACTIONS.get(code, code or "—"),
        "code_label": lambda code: CODE_STATES.get(code, code),
        "trigger_label": lambda code: TRIGGERS.get(code, code),
        "appeal_label": lambda code: APPEAL_STATUSES.get(code, code),
        "color_label": lambda code: BAND_COLORS.get(code, code),
        # Links to other areas' pages only when those are installed.
        "has_endpoint": lambda name: name in current_app.view_functions,
        # A stored reason is a message id (translated) or a chain's own note (shown as is).
        "reason_text": lambda text: translate(text) if text else "",
    }

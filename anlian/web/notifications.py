"""The bell: every logged-in user's own notifications, and marking them read."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth import role_required
from ..db import get_session
from ..i18n import moment_label
from ..paging import requested_page
from ..services import notifications

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 30
ROLES = ("bureau", "chain", "sme")
VETO_LABELS = {
    "death": _l("a fatal accident"),
    "major_hazard_overdue": _l("a major hazard past its deadline"),
    "suspension": _l("a suspension order"),
    "dishonest": _l("listing as seriously dishonest"),
}


@bp.app_context_processor
def bell() -> dict:
    """`unread_count()` for the bell: one COUNT, run only by pages that show the bell."""
    return {"unread_count": _unread_count}


def _unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    return notifications.unread_count(get_session(), current_user.user.id)


@bp.get("/")
@role_required(*ROLES)
def index():
    """The user's notifications, newest first."""
    page = requested_page()
    items, total = notifications.for_user(
        get_session(), current_user.user.id, page=page, per_page=PER_PAGE
    )
    return render_template(
        "notifications/index.html",
        items=[
            (note, message(note.kind, note.params), moment_label(note.created_at)) for note in items
        ],
        page=page,
        pages=max((total - 1) // PER_PAGE + 1, 1),
    )


@bp.post("/<int:notification_id>/read")
@role_required(*ROLES)
def mark_one(notification_id: int):
    """Mark one of the user's own notifications read (404 for anyone else's)."""
    session = get_session()
    if not notifications.owns(session, current_user.user.id, notification_id):
        abort(404)
    notifications.mark_read(session, current_user.user.id, notification_id)
    session.commit()
    return redirect(url_for(".index"))


@bp.post("/read")
@role_required(*ROLES)
def mark_all():
    """Mark every unread notification of the user read."""
    session = get_session()
    notifications.mark_read(session, current_user.user.id)
    session.commit()
    return redirect(url_for(".index"))


def message(kind: str, params: dict) -> str:
    """The notification as a sentence in the page's language."""
    if kind != notifications.SCORE_ALERT:
        return kind
    who = {"name": params.get("name", ""), "uscc": params.get("uscc", "")}
    month = params.get("month", "")
    parts = []
    if "grade_down" in params.get("reasons", ()):
        parts.append(
            gettext(
                "%(name)s (%(uscc)s) fell from grade %(old)s to %(new)s for %(month)s.",
                old=params.get("from_grade"),
                new=params.get("to_grade"),
                month=month,
                **who,
            )
        )
    if params.get("vetoes"):
        labels = ", ".join(str(VETO_LABELS.get(rule, rule)) for rule in params["vetoes"])
        parts.append(
            gettext(
                "%(name)s (%(uscc)s) has a veto for %(month)s: %(vetoes)s.",
                vetoes=labels,
                month=month,
                **who,
            )
        )
    if params.get("kind") == "provisional":
        parts.append(gettext("Provisional: the month is still running."))
    return " ".join(parts)

"""The bureau's audit page: the trail of every change, filtered, paged and exported.

Read-only by construction: the application has no path that edits or deletes an AuditEvent,
and the database refuses both (migration 0004)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import orjson
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from models.base import N_

from ..auth import role_required
from ..db import get_session
from ..exports import download, requested_format
from ..i18n import moment_label
from ..paging import requested_page
from ..services import audit

bp = Blueprint("audit", __name__, url_prefix="/bureau/audit")
PER_PAGE = 50
EXPORT_LIMIT = 100_000  # a spreadsheet's worth; narrow the filters for more
HEADER = (N_("Id"), N_("When"), N_("User"), N_("IP address"), N_("Action"), N_("Object"),
          N_("Object id"), N_("Value before"), N_("Value after"), N_("Hash"))  # fmt: skip


class AuditFilterForm(FlaskForm):
    actor = StringField(_l("User"), validators=[Optional(), Length(max=64)])
    entity = SelectField(_l("Object"), default="", validate_choice=False)
    action = SelectField(_l("Action"), default="", validate_choice=False)
    entity_id = StringField(_l("Object id"), validators=[Optional(), Length(max=64)])
    since = DateField(_l("Changed from"), validators=[Optional()])
    until = DateField(_l("Changed until"), validators=[Optional()])

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(gettext("The end date is before the start date."))


def _page(form, rows=(), *, page=1, pages=1, total=0, status=200):
    # The filter lists offer what the trail holds: read only when a page is drawn.
    for name, known in audit.vocabulary(get_session()).items():
        getattr(form, name).choices = [SelectChoice("", gettext("All"))] + [
            SelectChoice(value, value) for value in known
        ]
    # The filters as query arguments, for the pager and export links.
    query = {k: v for k, v in request.args.items() if k not in ("page", "format") and v}
    html = render_template(
        "audit/index.html", form=form, rows=rows, page=page, pages=pages, total=total, query=query
    )
    return html, status


def _filters(form: AuditFilterForm) -> audit.EventFilters:
    """The form as filters; dates are whole days in the bureau's time zone."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])

    def start(day):
        # In UTC, as stored: SQLite compares the wall-clock text and ignores the offset.
        return datetime.combine(day, time.min, zone).astimezone(UTC) if day else None

    return audit.EventFilters(
        actor=form.actor.data or None,
        entity=form.entity.data or None,
        action=form.action.data or None,
        entity_id=form.entity_id.data or None,
        since=start(form.since.data),
        until=start(form.until.data and form.until.data + timedelta(days=1)),
    )


@bp.get("/")
@role_required("bureau")
def index():
    """The latest changes first; 422 with the field's message for a bad filter."""
    session = get_session()
    form = AuditFilterForm(request.args, meta={"csrf": False})
    if not form.validate():
        return _page(form, status=422)
    page = requested_page()
    events, total = audit.events(
        session, _filters(form), offset=(page - 1) * PER_PAGE, limit=PER_PAGE
    )
    rows = [(event, audit.changes(event.before, event.after)) for event in events]
    return _page(form, rows, page=page, pages=max((total - 1) // PER_PAGE + 1, 1), total=total)


@bp.get("/export")
@role_required("bureau")
def export():
    """The filtered trail as CSV or XLSX (?format=), newest first."""
    session = get_session()
    form = AuditFilterForm(request.args, meta={"csrf": False})
    fmt = requested_format()
    if not form.validate():
        return _page(form, status=422)
    events, _total = audit.events(session, _filters(form), offset=0, limit=EXPORT_LIMIT)
    header = [gettext(h) for h in HEADER]
    rows = (
        [e.id, moment_label(e.at), e.actor, e.ip, e.action, e.entity, e.entity_id,
         _json(e.before), _json(e.after), e.hash]
        for e in events
    )  # fmt: skip
    return download(header, rows, fmt=fmt, filename="anlian-audit")


def _json(value) -> str:
    return "" if value is None else orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()

"""The owner's forms: report a self-check hazard, mark one rectified, dispute a record.

The forms check only the shape of the input (a date is a date); the rules (not in the
future, not before found, a description) live in the services, and their errors are put
back on the form's fields by `show_errors`.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .. import clock
from ..errors import translate

MAX_TEXT = 2000
DATE_REQUIRED = _l("Enter a date.")
TOO_LONG = _l("At most %(max)d characters.")


class HazardReportForm(FlaskForm):
    description = TextAreaField(
        _l("What is the hazard?"),
        validators=[Length(max=MAX_TEXT, message=TOO_LONG)],
        render_kw={"rows": 3},
    )
    level = SelectField(
        _l("Level"),
        choices=[SelectChoice("general", _l("General")), SelectChoice("major", _l("Major"))],
    )
    found_on = DateField(
        _l("Found on"), default=lambda: clock.today(), validators=[InputRequired(DATE_REQUIRED)]
    )
    deadline = DateField(_l("Rectify by"), validators=[Optional()])

    def data_for_service(self) -> dict:
        """The report as the records service takes it."""
        return {
            "source": "self_check",
            "description": self.description.data or "",
            "level": self.level.data,
            "found_on": self.found_on.data,
            "deadline": self.deadline.data,
        }


class RectifyForm(FlaskForm):
    rectified_on = DateField(
        _l("Rectified on"), default=lambda: clock.today(), validators=[InputRequired(DATE_REQUIRED)]
    )
    rectify_note = TextAreaField(
        _l("Note (optional)"),
        validators=[Length(max=MAX_TEXT, message=TOO_LONG)],
        render_kw={"rows": 2},
    )


class DisputeForm(FlaskForm):
    message = TextAreaField(
        _l("What is wrong with this record?"),
        validators=[Length(max=MAX_TEXT, message=TOO_LONG)],
        render_kw={"rows": 3},
    )


class ResolveForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("resolved", _l("Corrected: the enterprise is right")),
            SelectChoice("rejected", _l("Rejected: the record stands")),
        ],
    )
    resolution = TextAreaField(
        _l("Answer to the enterprise"),
        validators=[Length(max=MAX_TEXT, message=TOO_LONG)],
        render_kw={"rows": 2},
    )


def show_errors(form: FlaskForm, errors: dict) -> None:
    """Put a service's field errors next to the form's fields (others on the first field)."""
    fields = [field for field in form if field.name != "csrf_token"]
    for name, messages in errors.items():
        field = form._fields.get(name) or fields[0]
        field.errors = list(field.errors or []) + [translate(m) for m in messages]

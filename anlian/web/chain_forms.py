"""Forms of the procurement pages (flask-wtf: CSRF on every POST; the ranking filter is a GET
form without it). Field checks live here; the scheme and checklist rules live in the services
and come back as messages next to the fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from models.assessment import ORDER_ACTIONS
from models.base import MONEY_MAX
from models.vocab import INDUSTRIES, TOWNS

from ..i18n import label
from ..services.assessment_table import SORTS
from ..services.scheme_rules import BAND_COLORS
from .chain_common import BAND_COLORS as COLOR_LABELS
from .chain_common import CODE_STATES, period_choices
from .chain_common import ORDER_ACTIONS as ACTION_LABELS

ANY = ("", _l("All"))


def options(*groups) -> list[SelectChoice]:
    """SelectChoice options from (value, label) pairs (wtforms 3.3 deprecates bare tuples)."""
    return [SelectChoice(value, label) for group in groups for value, label in group]


SORT_LABELS = {
    "rank": _l("Rank"),
    "composite": _l("Composite"),
    "safety": _l("Safety score"),
    "name": _l("Name"),
    "trend": _l("Trend"),
    "settlement": _l("Settlement"),
}


class RankingFilterForm(FlaskForm):
    period = SelectField(_l("Period"), validate_choice=False, default="")
    grade = SelectField(
        _l("Safety grade"), default="", choices=options([ANY], ((g, g) for g in "ABCD"))
    )
    standing = SelectField(
        _l("Order action"),
        default="",
        choices=options([ANY], ((a, ACTION_LABELS[a]) for a in ORDER_ACTIONS)),
    )
    tier = SelectField(
        _l("Tier"), default="", choices=options([ANY], ((str(t), str(t)) for t in range(1, 10)))
    )
    industry = SelectField(_l("Industry"), default="")
    town = SelectField(_l("Town"), default="", choices=options([ANY], ((t, t) for t in TOWNS)))
    code = SelectField(_l("Code"), default="", choices=options([ANY], CODE_STATES.items()))
    q = StringField(_l("Name or USCC"), validators=[Optional(), Length(max=100)])
    sort = SelectField(
        _l("Sort by"), default="rank", choices=options((s, SORT_LABELS[s]) for s in SORTS)
    )
    order = SelectField(
        _l("Order"),
        default="",
        choices=options(
            [("", _l("Default")), ("desc", _l("Descending")), ("asc", _l("Ascending"))]
        ),
    )

    def fill_choices(self, session) -> None:
        """Choices that depend on the language and the clock."""
        self.industry.choices = options([ANY], ((c, label(INDUSTRIES, c)) for c in INDUSTRIES))
        self.period.choices = options((p, p) for p in period_choices(session))


class CriterionRow(Form):
    key = StringField(_l("Key"), validators=[Optional(), Length(max=32)])
    label = StringField(_l("Label"), validators=[Optional(), Length(max=100)])
    weight = DecimalField(_l("Weight (%)"), places=None, validators=[Optional()])


class BandRow(Form):
    min_score = DecimalField(_l("From score"), places=None, validators=[Optional()])
    label = StringField(_l("Standing"), validators=[Optional(), Length(max=64)])
    color = SelectField(_l("Colour"), choices=options((c, COLOR_LABELS[c]) for c in BAND_COLORS))
    order_action = SelectField(
        _l("Order action"), choices=options((a, ACTION_LABELS[a]) for a in ORDER_ACTIONS)
    )
    settlement_adjustment_pct = DecimalField(
        _l("Settlement (%)"), places=None, validators=[Optional()]
    )


class SchemeForm(FlaskForm):
    version = HiddenField()
    effective_from = StringField(
        _l("Effective from (YYYY-MM)"), validators=[DataRequired(), Length(min=7, max=7)]
    )
    criteria = FieldList(FormField(CriterionRow), min_entries=1)
    bands = FieldList(FormField(BandRow), min_entries=1)


class RatingsForm(FlaskForm):
    """The grid's cells are named r-<USCC>-<criterion>; this form carries CSRF and period."""

    period = HiddenField()


class SupplierForm(FlaskForm):
    uscc = StringField(_l("USCC"), validators=[DataRequired(), Length(min=18, max=18)])
    tier = IntegerField(_l("Tier"), default=1, validators=[DataRequired(), NumberRange(1, 9)])
    joined_on = DateField(_l("Joined on"), validators=[DataRequired()])
    annual_spend_cny = DecimalField(
        _l("Annual order value (CNY)"), places=2, validators=[Optional(), NumberRange(0, MONEY_MAX)]
    )


class SupplierEditForm(FlaskForm):
    tier = IntegerField(_l("Tier"), validators=[DataRequired(), NumberRange(1, 9)])
    annual_spend_cny = DecimalField(
        _l("Annual order value (CNY)"), places=2, validators=[Optional(), NumberRange(0, MONEY_MAX)]
    )


class EndForm(FlaskForm):
    left_on = DateField(_l("Last day as supplier"), validators=[DataRequired()])


class CheckRow(Form):
    key = HiddenField()
    met = BooleanField(_l("Met"))
    evidence = TextAreaField(_l("Evidence"), validators=[Optional(), Length(max=2000)])
    verified_on = DateField(_l("Verified on"), validators=[Optional()])


class ChecklistForm(FlaskForm):
    checks = FieldList(FormField(CheckRow))


class ConditionRow(Form):
    key = StringField(_l("Key"), validators=[Optional(), Length(max=32)])
    label_zh = StringField(_l("Chinese label"), validators=[Optional(), Length(max=100)])
    label_en = StringField(_l("English label"), validators=[Optional(), Length(max=100)])


class ConditionsForm(FlaskForm):
    conditions = FieldList(FormField(ConditionRow))


class DecideForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=options(
            [("upheld", _l("Uphold: lift the code")), ("rejected", _l("Reject: keep the code"))]
        ),
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Reason for the decision"), validators=[DataRequired(), Length(max=2000)]
    )


class AppealForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the code should be lifted"), validators=[DataRequired(), Length(min=10, max=2000)]
    )

"""Marshmallow schemas: the row rules of each import kind (types, required, ranges, cross-field).

Fields wrap the pure normalisers of `cells`. Every ValidationError carries the message
template and parameters in its kwargs so `rows.RowConverter` can report them translatably;
`Schema.load` gives the same verdicts, with English messages only.
"""

from datetime import date
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from models import vocab
from models.base import INT_MAX, MONEY_MAX

from . import cells
from . import messages as M


def invalid(template: str, field_name: str = "_schema", **params) -> ValidationError:
    """A ValidationError carrying its message template and parameters."""
    message = template.format(**params)
    return ValidationError(message, field_name, template=template, params=params)


class Cell(fields.Field):
    """A spreadsheet cell read by one of the pure normalisers in `cells`."""

    default_error_messages = {"required": M.REQUIRED}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return self.read(value)
        except cells.CellProblem as problem:
            raise invalid(problem.template, **problem.params) from None

    def read(self, value):
        raise NotImplementedError

    @property
    def today(self) -> date:
        return self.root.today


class Text(Cell):
    def __init__(self, limit: int, *, multiline: bool = False, ref: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.limit, self.multiline, self.ref = limit, multiline, ref

    def read(self, value):
        out = cells.ref(value) if self.ref else cells.text(value, multiline=self.multiline)
        if len(out) > self.limit:
            raise cells.CellProblem(M.TOO_LONG, limit=self.limit)
        return out


class Uscc(Cell):
    def read(self, value):
        return cells.uscc(value)


class Day(Cell):
    def __init__(self, *, future: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.future = future

    def read(self, value):
        return cells.plausible_day(cells.day(value), self.today, future=self.future)


class Month(Cell):
    def read(self, value):
        return cells.month(value, self.today)




class Integer(Cell):
    def read(self, value):
        out = cells.integer(value)
        if abs(out) > INT_MAX:
            raise cells.CellProblem(M.OUT_OF_RANGE, value=out, min=-INT_MAX, max=INT_MAX)
        return out


class Amount(Cell):
    def read(self, value):
        out = cells.amount(value)
        if abs(out) > MONEY_MAX:
            raise cells.CellProblem(M.OUT_OF_RANGE, value=out, min=0, max=MONEY_MAX)
        return out


class Hours(Cell):
    def read(self, value):
        return float(cells.number(value))


class Flag(Cell):
    def read(self, value):
        return cells.flag(value)


class Choice(Cell):
    def __init__(self, labels: dict, **kwargs):
        super().__init__(**kwargs)
        self.lookup = cells.vocabulary(labels)
        self.allowed = ", ".join(f"{code} ({names[0]})" if names else code
                                 for code, names in labels.items())

    def read(self, value):
        return cells.choice(value, self.lookup, self.allowed)


class Between(validate.Range):
    """A Range whose error carries a translatable template."""

    def __call__(self, value):
        try:
            return super().__call__(value)
        except ValidationError:
            if self.min == 0 and value < 0:
                raise invalid(M.NEGATIVE, value=value) from None
            raise invalid(M.OUT_OF_RANGE, value=value, min=self.min, max=self.max) from None


def non_negative() -> Between:
    return Between(min=0)


def not_safety(value: str) -> str:
    if value.casefold() == "safety":
        raise invalid(M.SAFETY_NOT_RATED)
    return value


TOWNS = {town: () for town in vocab.TOWNS}


class RowSchema(Schema):
    """One row of an import file; `today` bounds dates that cannot lie in the future."""

    def __init__(self, *, today: date, **kwargs):
        super().__init__(**kwargs)
        self.today = today

    @pre_load
    def drop_blank(self, data, **kwargs):
        """A blank cell is an absent value (its default, or "required")."""
        return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}

    def findings(self, data: dict):
        """Cross-field problems as (field, template, params); `other` names another field."""
        return ()

    @validates_schema
    def cross_field(self, data, **kwargs):
        """All cross-field findings at once, by field (English messages only)."""
        found: dict[str, list[str]] = {}
        for name, template, params in self.findings(data):
            found.setdefault(name, []).append(template.format(**params))
        if found:
            raise ValidationError(found)


def not_before(data: dict, later: str, earlier: str):
    """A finding when `later` is a date before `earlier`."""
    if data.get(later) is not None and data.get(earlier) is not None:
        if data[later] < data[earlier]:
            yield later, M.NOT_BEFORE, {"value": data[later].isoformat(), "other": earlier,
                                        "other_value": data[earlier].isoformat()}


class EnterpriseSchema(RowSchema):
    uscc = Uscc(required=True)
    name = Text(200, required=True)
    industry = Choice(vocab.INDUSTRIES, required=True)
    town = Choice(TOWNS, required=True)
    headcount = Integer(validate=non_negative(), load_default=0)
    standardization = Choice(vocab.STANDARDIZATION, load_default="none")
    risk_color = Choice(vocab.RISK_COLORS, load_default=None)
    steward = Flag(load_default=False)


class MembershipSchema(RowSchema):
    chain_id = Integer(required=True)
    uscc = Uscc(required=True)
    joined_on = Day(required=True)
    tier = Integer(validate=Between(min=1, max=9), load_default=1)
    left_on = Day(load_default=None)
    annual_spend_cny = Amount(validate=non_negative(), load_default=None)

    def findings(self, data):
        return not_before(data, "left_on", "joined_on")


class WorkHoursSchema(RowSchema):
    uscc = Uscc(required=True)
    month = Month(required=True)
    hours = Hours(required=True, validate=non_negative())
    headcount = Integer(validate=non_negative(), load_default=None)


class AccidentSchema(RowSchema):
    uscc = Uscc(required=True)
    occurred_on = Day(required=True)
    severity = Choice(vocab.SEVERITIES, required=True)
    source_ref = Text(64, ref=True, required=True)
    injured = Integer(validate=non_negative(), load_default=0)
    deaths = Integer(validate=non_negative(), load_default=0)
    direct_loss_cny = Amount(validate=non_negative(), load_default=None)
    source = Choice(vocab.ACCIDENT_SOURCES, load_default="bureau")
    description = Text(20000, multiline=True, load_default="")

    def findings(self, data):
        if (data.get("deaths") or 0) > 0 and data.get("severity") not in (None, "fatal"):
            yield "deaths", M.DEATHS_NEED_FATAL, {"value": data["deaths"]}


class InspectionSchema(RowSchema):
    uscc = Uscc(required=True)
    inspected_on = Day(required=True)
    outcome = Choice(vocab.OUTCOMES, required=True)
    source_ref = Text(64, ref=True, required=True)
    authority = Text(64, load_default="应急管理局")
    violations = Integer(validate=non_negative(), load_default=0)
    penalty_cny = Amount(validate=non_negative(), load_default=Decimal(0))


class HazardSchema(RowSchema):
    uscc = Uscc(required=True)
    found_on = Day(required=True)
    level = Choice(vocab.HAZARD_LEVELS, required=True)
    source_ref = Text(64, ref=True, required=True)
    source = Choice(vocab.HAZARD_SOURCES, load_default="inspection")
    description = Text(20000, multiline=True, load_default="")
    # A deadline is a promise about the future; the other dates are facts about the past.
    deadline = Day(future=True, load_default=None)
    rectified_on = Day(load_default=None)

    def findings(self, data):
        yield from not_before(data, "rectified_on", "found_on")
        yield from not_before(data, "deadline", "found_on")


class RatingSchema(RowSchema):
    chain_id = Integer(required=True)
    uscc = Uscc(required=True)
    period = Month(required=True)
    criterion = Text(32, required=True, validate=not_safety)
    score = Amount(required=True, validate=Between(min=0, max=100))

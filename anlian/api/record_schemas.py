"""Schemas of the records API: accidents, inspections, hazards, hours worked."""

from decimal import ROUND_HALF_UP

import marshmallow as ma

from models.base import MONEY_MAX
from models.vocab import ACCIDENT_SOURCES, HAZARD_LEVELS, HAZARD_SOURCES, OUTCOMES, SEVERITIES

from ..services.record_lists import HAZARD_STATUSES
from .base import PageArgs, Schema, at_least, between, length, one_of


class Money(ma.fields.Decimal):
    """CNY: read as an exact decimal with two places, written as a JSON number."""

    def __init__(self, **kwargs):
        super().__init__(places=2, rounding=ROUND_HALF_UP, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else float(value)


def _ref(**kwargs):
    return ma.fields.String(validate=length(min=1, max=64), **kwargs)


class RecordSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    month = ma.fields.String(dump_only=True)
    source_ref = _ref(metadata={"description": "your reference; generated when left out"})


class AccidentSchema(RecordSchema):
    occurred_on = ma.fields.Date(required=True)
    severity = ma.fields.String(required=True, validate=one_of(SEVERITIES))
    injured = ma.fields.Integer(load_default=0, validate=between(0, 10000))
    deaths = ma.fields.Integer(load_default=0, validate=between(0, 10000))
    direct_loss_cny = Money(allow_none=True, load_default=None, validate=between(0, MONEY_MAX))
    source = ma.fields.String(load_default="bureau", validate=one_of(ACCIDENT_SOURCES))
    description = ma.fields.String(load_default="", validate=length(min=0, max=2000))


class InspectionSchema(RecordSchema):
    inspected_on = ma.fields.Date(required=True)
    authority = ma.fields.String(load_default="应急管理局", validate=length(min=1, max=64))
    violations = ma.fields.Integer(load_default=0, validate=between(0, 10000))
    outcome = ma.fields.String(required=True, validate=one_of(OUTCOMES))
    penalty_cny = Money(load_default=0, validate=between(0, MONEY_MAX))


class HazardSchema(RecordSchema):
    found_on = ma.fields.Date(required=True)
    source = ma.fields.String(
        validate=one_of(HAZARD_SOURCES),
        metadata={"description": "default: self_check for an SME, inspection for the bureau"},
    )
    level = ma.fields.String(load_default="general", validate=one_of(HAZARD_LEVELS))
    description = ma.fields.String(load_default="", validate=length(min=0, max=2000))
    deadline = ma.fields.Date(allow_none=True, load_default=None)
    rectified_on = ma.fields.Date(allow_none=True, load_default=None)
    rectify_note = ma.fields.String(allow_none=True, validate=length(min=0, max=2000))
    status = ma.fields.String(
        dump_only=True, metadata={"description": "open, overdue, rectified_on_time or late"}
    )


class HazardPatchSchema(Schema):
    rectified_on = ma.fields.Date(required=True)
    rectify_note = ma.fields.String(allow_none=True, validate=length(min=0, max=2000))


class WorkHoursSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    month = ma.fields.String(required=True, metadata={"description": "YYYY-MM"})
    hours = ma.fields.Float(required=True, validate=between(0, 10**8))
    headcount = ma.fields.Integer(allow_none=True, load_default=None, validate=at_least(0))


class HazardListArgs(PageArgs):
    status = ma.fields.String(validate=one_of(HAZARD_STATUSES))

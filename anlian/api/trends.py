"""Trends and the effect of joining: the bureau's (and a chain's own) outcome figures."""

from dataclasses import replace

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_babel import get_locale

from ..auth import current_scope
from ..db import get_session
from ..errors import translate
from ..services import trends, trends_cache, trends_effect
from ..services.trends_access import authorise, parse_scope, selection_for
from ..services.trends_pooling import FEW_EVENTS, REASONS
from .base import ApiBlueprint, Schema, between, one_of

blp = ApiBlueprint(
    "trends",
    __name__,
    url_prefix="/api/v1/trends",
    description="Monthly outcome series and the effect of joining a chain",
)
Float, Int, Str = ma.fields.Float, ma.fields.Integer, ma.fields.String


class PeriodArgs(Schema):
    from_ = Str(data_key="from", metadata={"description": "YYYY-MM; default the first month"})
    to = Str(metadata={"description": "YYYY-MM; default the last month with data"})


class TrendArgs(PeriodArgs):
    scope = Str(
        load_default="city",
        metadata={"description": "city | chain:{id} | industry:{code} | town:{name}"},
    )
    group = Str(
        load_default="all",
        validate=one_of(trends.GROUPS),
        metadata={
            "description": "members: with a membership in force that month; non_members: "
            "never linked and not a chain leader (city-wide, in aggregate, for a chain scope); "
            "all: everyone in scope (for a chain: its suppliers past and present)"
        },
    )


class EffectArgs(PeriodArgs):
    chain = Str(load_default="all", metadata={"description": "all | {chain id}"})
    window = Int(load_default=12, validate=between(1, 60))


class TrendRowSchema(Schema):
    month = Str()
    hours, injury_rate, penalty_cny = Float(), Float(allow_none=True), Float()
    cases, fatalities, accidents, accidents_official_only = Int(), Int(), Int(), Int()
    official_only_share = Float(
        allow_none=True, metadata={"description": "% known only officially"}
    )
    inspections, enforcement_cases = Int(), Int()
    enforcement_rate = Float(allow_none=True, metadata={"description": "per 100 enterprise-months"})
    enforcement_per_inspection = Float(allow_none=True, metadata={"description": "%"})
    penalty_per_enterprise, penalty_per_inspection = Float(allow_none=True), Float(allow_none=True)
    hazards_found, hazards_rectified_on_time = Int(), Int()
    enterprises = Int(metadata={"description": "enterprises with hours > 0 in the month"})
    mean_score = Float(allow_none=True)


class TrendsSchema(Schema):
    scope, group = Str(), Str()
    from_ = Str(data_key="from", attribute="from", allow_none=True)
    to = Str(allow_none=True)
    items = ma.fields.List(ma.fields.Nested(TrendRowSchema))


def _ci():
    return ma.fields.List(Float(), allow_none=True, metadata={"description": "[low, high] in %"})


class ChangeSchema(Schema):
    before, after, change_pct = (
        Float(allow_none=True),
        Float(allow_none=True),
        Float(allow_none=True),
    )
    ci95 = _ci()
    reason = Str(allow_none=True)
    message = ma.fields.Method("_message")
    few_events = ma.fields.Boolean()
    count_before, count_after, exposure_before, exposure_after = Float(), Float(), Float(), Float()

    def _message(self, obj):
        if obj.get("reason") in REASONS:
            return translate(REASONS[obj["reason"]])
        return translate(FEW_EVENTS) if obj.get("few_events") else None


class DidMetricSchema(Schema):
    change_pct, ci95 = Float(allow_none=True), _ci()
    reason, message = Str(allow_none=True), ma.fields.Method("_message")
    control_before, control_after = Float(allow_none=True), Float(allow_none=True)
    control_change_pct = Float(allow_none=True)

    def _message(self, obj):
        return translate(REASONS[obj["reason"]]) if obj.get("reason") in REASONS else None


class DidSchema(Schema):
    injury_rate, enforcement_rate = (
        ma.fields.Nested(DidMetricSchema),
        ma.fields.Nested(DidMetricSchema),
    )
    penalty_per_enterprise = ma.fields.Nested(DidMetricSchema)
    inspection_rate = ma.fields.Nested(DidMetricSchema)
    n_control = Int()


class ShareSchema(Schema):
    before, after, change_pp, ci95 = (
        Float(allow_none=True),
        Float(allow_none=True),
        Float(allow_none=True),
        _ci(),
    )
    rising = ma.fields.Boolean(metadata={"description": "the whole interval lies above zero"})
    counts, totals = ma.fields.List(Float()), ma.fields.List(Float())


class EventTimeSchema(Schema):
    rel = Int(metadata={"description": "months since joining (0 = the join month)"})
    cases, hours = Float(), Float()
    injury_rate, low, high, control_rate = (Float(allow_none=True) for _ in range(4))


class EffectSchema(Schema):
    chain = ma.fields.Raw(metadata={"description": "all, or the chain id"})
    window, n_enterprises, n_control = Int(), Int(), Int()
    months = ma.fields.Dict(allow_none=True)
    injury_rate, enforcement_rate = ma.fields.Nested(ChangeSchema), ma.fields.Nested(ChangeSchema)
    penalty_per_enterprise = ma.fields.Nested(ChangeSchema)
    inspection_rate, penalty_per_inspection = (
        ma.fields.Nested(ChangeSchema),
        ma.fields.Nested(ChangeSchema),
    )
    enforcement_per_inspection = ma.fields.Nested(ShareSchema)
    reporting_integrity = ma.fields.Nested(ShareSchema)
    did = ma.fields.Nested(DidSchema)
    event_time = ma.fields.List(ma.fields.Nested(EventTimeSchema))


def _selection(session, args: dict, kind: str, value) -> trends.Selection:
    """The selection a request asks for, once its period is valid and the caller may see it."""
    first, last = args.get("from_"), args.get("to")
    trends.check_period(first, last)
    authorise(session, current_scope(), kind, value)
    trends_cache.enable(session)
    return selection_for(kind, value, first, last)


def _dumped(session, schema: type[Schema], key: tuple, build, *, dumped: bool = False):
    """The response body, dumped and serialised once per key and data state: at 36 rows × 20
    fields that costs more than the cached data behind it (`dumped`: `build` returns it in
    the schema's output form already). A Response passes flask-smorest as is."""
    full = ("json", schema.__name__, trends_cache.scope_key(current_scope()), *key)
    dump = build if dumped else lambda: schema().dump(build())
    body = trends_cache.memo(
        session,
        full + (str(get_locale()),),
        lambda: current_app.json.dumps(dump()) + "\n",
    )
    return current_app.response_class(body, mimetype="application/json")


@blp.route("")
class Trends(MethodView):
    @blp.arguments(TrendArgs, location="query")
    @blp.response(200, TrendsSchema)
    def get(self, args):
        """Monthly hours, cases, rates, enforcement, penalties, hazards and mean score"""
        session = get_session()
        sel = _selection(session, args, *parse_scope(args["scope"]))
        key = (args["scope"], args["group"], sel)
        build = lambda: _series_body(session, args, sel)  # noqa: E731
        return _dumped(session, TrendsSchema, key, build, dumped=True)


def _series_body(session, args: dict, sel: trends.Selection) -> dict:
    """TrendsSchema's output: each month's row dumped once for the whole span, so a new
    period is a slice, not a new dump."""
    group = args["group"]
    items = trends.series(session, current_scope(), sel, groups=(group,))[group]
    whole = replace(sel, first=None, last=None)
    key = ("trend_rows", trends_cache.scope_key(current_scope()), group, whole)
    rows = trends_cache.memo(session, key, lambda: _dumped_rows(session, group, whole))
    first, last = (items[0]["month"], items[-1]["month"]) if items else (None, None)
    items = [rows.get(row["month"]) or TrendRowSchema().dump(row) for row in items]
    return {"scope": args["scope"], "group": group, "from": first, "to": last, "items": items}


def _dumped_rows(session, group: str, whole: trends.Selection) -> dict[str, dict]:
    found = trends.series(session, current_scope(), whole, groups=(group,))[group]
    schema = TrendRowSchema()
    return {row["month"]: schema.dump(row) for row in found}


@blp.route("/effect")
class Effect(MethodView):
    @blp.arguments(EffectArgs, location="query")
    @blp.response(200, EffectSchema)
    def get(self, args):
        """Before/after joining with 95% intervals, and the DiD against never-linked firms"""
        session = get_session()
        kind, value = parse_scope(args["chain"], field="chain")
        sel = _selection(session, args, kind, value)
        key = (value, sel, args["window"])
        return _dumped(session, EffectSchema, key, lambda: _effect_body(session, args, sel, value))


def _effect_body(session, args: dict, sel: trends.Selection, chain_id) -> dict:
    found = trends_effect.effect(session, current_scope(), sel, window=args["window"])
    span = found["months"]
    return found["results"].get(0, found["empty"]) | {
        "chain": "all" if chain_id is None else chain_id,
        "months": {"first": span[0], "last": span[1]} if span else None,
    }

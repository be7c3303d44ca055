"""Safety scores of an enterprise: the explained score for a month, and its history."""

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from .. import clock, months
from ..auth import current_scope
from ..db import get_session
from ..errors import Invalid
from ..scope import visible_enterprise
from ..services import scores
from .base import ApiBlueprint, Schema

blp = ApiBlueprint(
    "scores",
    __name__,
    url_prefix="/api/v1/enterprises",
    description="Safety scores, their explanation and history",
)


class AsOfArgs(Schema):
    as_of = ma.fields.String(metadata={"description": "YYYY-MM; default the latest closed month"})


class ComponentSchema(Schema):
    score = ma.fields.Float()
    weight = ma.fields.Float()
    inputs = ma.fields.Dict()


class ScoreSchema(Schema):
    uscc = ma.fields.String()
    as_of = ma.fields.String()
    model_version = ma.fields.String()
    score = ma.fields.Float()
    grade = ma.fields.String()
    color = ma.fields.String()
    veto = ma.fields.List(ma.fields.String())
    confidence = ma.fields.String(metadata={"description": "low where exposure is too small"})
    rate_interval = ma.fields.Dict()
    hours_imputed = ma.fields.Boolean()
    provisional = ma.fields.Boolean(metadata={"description": "true: the month is not closed"})
    records_changed_since_close = ma.fields.Boolean()
    components = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(ComponentSchema))
    drivers = ma.fields.List(ma.fields.Dict())
    what_if = ma.fields.List(ma.fields.Dict())


class HistoryItemSchema(Schema):
    as_of = ma.fields.String()
    score = ma.fields.Float()
    grade = ma.fields.String()
    color = ma.fields.String()


def resolve_as_of(value: str | None) -> tuple[str, object]:
    """The month asked for (default: the latest closed one) and the day its states are read
    on: the month's last day, or today for the running month. 422 for a bad or future month."""
    current = clock.current_month()
    month = value or months.shift(current, -1)
    if not months.is_month(month):
        raise Invalid({"as_of": [_l("Must be a month written YYYY-MM.")]})
    if month > current:
        raise Invalid({"as_of": [_l("Must not be in the future.")]})
    return month, clock.today() if month == current else months.last_day(month)


@blp.route("/<string:uscc>/score")
class Score(MethodView):
    @blp.arguments(AsOfArgs, location="query")
    @blp.response(200, ScoreSchema)
    def get(self, args, uscc):
        """The safety score for a month, its components, drivers and what-ifs"""
        session = get_session()
        enterprise = visible_enterprise(session, current_scope(), uscc)
        month, day = resolve_as_of(args.get("as_of"))
        return scores.score_detail(
            session,
            enterprise,
            as_of=month,
            on=day,
            config=current_app.extensions["scoring_config"],
        )


@blp.route("/<string:uscc>/score/history")
class ScoreHistory(MethodView):
    @blp.response(200, HistoryItemSchema(many=True))
    def get(self, uscc):
        """Closed monthly scores, oldest first"""
        session = get_session()
        enterprise = visible_enterprise(session, current_scope(), uscc)
        return scores.history(session, enterprise.id)

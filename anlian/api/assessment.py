"""A chain's ratings of its suppliers and the assessment built from them: the ranked standings
of a period (an SME sees only its own row) and the consequences export for the ERP."""

from decimal import Decimal

import marshmallow as ma
import orjson
from flask import Response
from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from models.assessment import ORDER_ACTIONS
from models.vocab import INDUSTRIES, TOWNS

from .. import clock, exports, months
from ..auth import current_scope
from ..db import get_session
from ..errors import Invalid
from ..scope import can_manage_chain, require, visible_chain
from ..services import assessment, assessment_cache, ratings
from ..services.assessment_table import SORTS, RowFilters, export_table
from .base import MAX_PAGE, ApiBlueprint, Schema, between, commit, length, one_of

blp = ApiBlueprint(
    "assessment",
    __name__,
    url_prefix="/api/v1/chains",
    description="Ratings, composite standings and their consequences for orders and settlement",
)


class RatingSchema(Schema):
    uscc = ma.fields.String(required=True, validate=length(equal=18))
    criterion = ma.fields.String(required=True, validate=length(min=1, max=32))
    score = ma.fields.Float(required=True, validate=between(0, 100))


class RatingsSchema(Schema):
    period = ma.fields.String(required=True, metadata={"description": "YYYY-MM"})
    ratings = ma.fields.List(ma.fields.Nested(RatingSchema), required=True)


class RatingsResultSchema(Schema):
    inserted = ma.fields.Integer()
    updated = ma.fields.Integer()
    unchanged = ma.fields.Integer()


class PeriodArgs(Schema):
    period = ma.fields.String(metadata={"description": "YYYY-MM; default the latest closed"})


class AssessmentArgs(PeriodArgs):
    grade = ma.fields.String(validate=one_of("ABCD"))
    standing = ma.fields.String(validate=one_of(ORDER_ACTIONS))
    tier = ma.fields.Integer(validate=between(1, 9))
    industry = ma.fields.String(validate=one_of(INDUSTRIES))
    town = ma.fields.String(validate=one_of(TOWNS))
    code = ma.fields.String(validate=one_of(("clear", "yellow", "red")))
    complete = ma.fields.Boolean()
    q = ma.fields.String(validate=length(min=0, max=100))
    sort = ma.fields.String(load_default="rank", validate=one_of(SORTS))
    order = ma.fields.String(validate=one_of(("asc", "desc")))
    page = ma.fields.Integer(load_default=1, validate=between(1, MAX_PAGE))
    per_page = ma.fields.Integer(load_default=50, validate=between(1, 5000))


class ExportArgs(PeriodArgs):
    format = ma.fields.String(load_default="csv", validate=one_of(("csv", "xlsx")))


class RowSchema(Schema):
    uscc = ma.fields.String()
    name = ma.fields.String()
    rank = ma.fields.Integer(allow_none=True)
    tier = ma.fields.Integer()
    industry = ma.fields.String()
    town = ma.fields.String()
    safety_score = ma.fields.Float(allow_none=True)
    grade = ma.fields.String(allow_none=True)
    color = ma.fields.String(allow_none=True)
    provisional = ma.fields.Boolean()
    criteria = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float(allow_none=True))
    composite = ma.fields.Float(allow_none=True)
    complete = ma.fields.Boolean()
    previous_composite = ma.fields.Float(allow_none=True)
    trend = ma.fields.Float(allow_none=True)
    standing = ma.fields.String(allow_none=True)
    band_color = ma.fields.String(allow_none=True)
    order_action = ma.fields.String(allow_none=True)
    settlement_adjustment_pct = ma.fields.Float(allow_none=True)
    veto = ma.fields.Boolean()
    veto_rules = ma.fields.List(ma.fields.String())
    admission_passed = ma.fields.Boolean()
    admission_missing = ma.fields.List(ma.fields.String())
    code = ma.fields.String()


class ShapedRows(ma.fields.Nested):
    """Rows the service already built in their JSON shape (numbers, text, lists): documented
    by the nested schema, copied key by key instead of serialised field by field, which
    matters at thousands of rows per response."""

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        names = tuple(self.schema.fields)
        return [{name: row.get(name) for name in names} for row in nested_obj or ()]


class AssessmentSchema(Schema):
    period = ma.fields.String()
    scheme_version = ma.fields.Integer(allow_none=True)
    items = ShapedRows(RowSchema, many=True)
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


ASSESSMENT = AssessmentSchema()


def _encoded(body: dict) -> bytes:
    """The body as the app's JSON provider would write it (keys sorted, a final newline), but
    with orjson: a whole chain is thousands of rows, and the standard library's encoder took
    several times longer than the query behind them."""
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS, default=_decimal) + b"\n"


def _decimal(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def resolve_period(session, value: str | None) -> str:
    """The period asked for, else the latest closed one; 422 if malformed or in the future."""
    if value is None:
        return assessment.default_period(session, current_month=clock.current_month())
    if not months.is_month(value):
        raise Invalid({"period": [_l("Must be a month written YYYY-MM.")]})
    if value > clock.current_month():
        raise Invalid({"period": [_l("Must not be in the future.")]})
    return value


@blp.route("/<int:chain_id>/assessment")
class Assessment(MethodView):
    @blp.arguments(AssessmentArgs, location="query")
    @blp.response(200, AssessmentSchema)
    def get(self, args, chain_id):
        """Composite standings for a period, highest first (incomplete rows unranked, last)"""
        session, scope = get_session(), current_scope()
        chain = visible_chain(session, scope, chain_id)
        period = resolve_period(session, args.pop("period", None))
        number, size = args.pop("page"), args.pop("per_page")
        sort, order = args.pop("sort"), args.pop("order", None)
        # The whole chain's ranking for the chain and the bureau; an SME's own row otherwise.
        mine = None if can_manage_chain(scope, chain.id) else scope.enterprise_id
        # A closed period's response, encoded, is kept until the data changes (the key holds
        # the scope's part: the chain checked above and the SME's own enterprise).
        key = ("json", chain.id, mine, period, number, size, sort, order, *sorted(args.items()))
        cached = assessment_cache.get(session, key)
        if cached is not None:
            return Response(cached, mimetype="application/json")
        found = assessment.table(
            session,
            chain,
            period=period,
            filters=RowFilters(**args),
            sort=sort,
            descending=None if order is None else order == "desc",
            page_number=number,
            per_page=size,
            enterprise_id=mine,
        )
        body = {
            "period": period,
            "scheme_version": found.scheme_version,
            "items": found.rows,
            "total": found.total,
            "page": number,
            "per_page": size,
        }
        encoded = _encoded(ASSESSMENT.dump(body))
        if found.stored:
            assessment_cache.put(session, key, encoded)
        return Response(encoded, mimetype="application/json")


@blp.route("/<int:chain_id>/assessment/export")
class AssessmentExport(MethodView):
    @blp.arguments(ExportArgs, location="query")
    @blp.response(200, content_type="text/csv", description="CSV, or XLSX with format=xlsx")
    def get(self, args, chain_id):
        """The period's consequences (order action, settlement adjustment) as CSV or XLSX"""
        session, scope = get_session(), current_scope()
        chain = visible_chain(session, scope, chain_id)
        require(can_manage_chain(scope, chain.id))
        period = resolve_period(session, args.get("period"))
        found = assessment.table(session, chain, period=period, cached=True)
        header, table = export_table(found.rows, found.criteria)
        return exports.download(
            header, table, fmt=args["format"], filename=f"assessment-{chain.id}-{period}"
        )


@blp.route("/<int:chain_id>/ratings")
class Ratings(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, RatingSchema(many=True))
    def get(self, args, chain_id):
        """The chain's ratings of one period"""
        session, scope = get_session(), current_scope()
        chain = visible_chain(session, scope, chain_id)
        require(can_manage_chain(scope, chain.id))
        period = resolve_period(session, args.get("period"))
        return ratings.listing(session, chain.id, period)

    @blp.arguments(RatingsSchema)
    @blp.response(200, RatingsResultSchema)
    def post(self, body, chain_id):
        """Rate suppliers on the chain's own criteria (safety comes from the score)"""
        session, scope = get_session(), current_scope()
        chain = visible_chain(session, scope, chain_id)
        require(scope.role == "chain" and scope.chain_id == chain.id)
        counts = ratings.save(
            session,
            scope,
            chain,
            period=body["period"],
            items=body["ratings"],
            current_month=clock.current_month(),
        )
        commit()
        return counts

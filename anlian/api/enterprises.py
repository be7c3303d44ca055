"""Enterprises: the scoped list with latest scores, detail, and registration by the bureau."""

import marshmallow as ma
from flask.views import MethodView

from models.uscc import uscc_problem
from models.vocab import INDUSTRIES, RISK_COLORS, STANDARDIZATION, TOWNS

from ..auth import current_scope
from ..db import get_session
from ..scope import require, visible_enterprise
from ..services import enterprises
from .base import ApiBlueprint, PageArgs, Schema, at_least, commit, length, one_of, page_of

blp = ApiBlueprint(
    "enterprises",
    __name__,
    url_prefix="/api/v1/enterprises",
    description="Enterprises under supervision",
)


def _valid_uscc(value: str) -> None:
    if problem := uscc_problem(value):
        raise ma.ValidationError(problem)


class EnterpriseSchema(Schema):
    uscc = ma.fields.String(required=True, validate=_valid_uscc)
    name = ma.fields.String(required=True, validate=length(min=1, max=200))
    industry = ma.fields.String(required=True, validate=one_of(INDUSTRIES))
    town = ma.fields.String(required=True, validate=one_of(TOWNS))
    headcount = ma.fields.Integer(load_default=0, validate=at_least(0))
    standardization = ma.fields.String(load_default="none", validate=one_of(STANDARDIZATION))
    standardization_expires_on = ma.fields.Date(allow_none=True, load_default=None)
    risk_color = ma.fields.String(allow_none=True, load_default=None, validate=one_of(RISK_COLORS))
    steward = ma.fields.Boolean(load_default=False)
    score = ma.fields.Float(dump_only=True, allow_none=True)
    grade = ma.fields.String(dump_only=True, allow_none=True)
    color = ma.fields.String(dump_only=True, allow_none=True)


class EnterpriseFilterArgs(PageArgs):
    industry = ma.fields.String(validate=one_of(INDUSTRIES))
    town = ma.fields.String(validate=one_of(TOWNS))
    chain_id = ma.fields.Integer()
    grade = ma.fields.String(validate=one_of("ABCD"))
    q = ma.fields.String(validate=length(min=0, max=100))


@blp.route("")
class Enterprises(MethodView):
    @blp.arguments(EnterpriseFilterArgs, location="query")
    @blp.response(200, page_of(EnterpriseSchema))
    def get(self, args):
        """List the enterprises you may see, with their latest closed score"""
        page, per_page = args.pop("page"), args.pop("per_page")
        filters = enterprises.EnterpriseFilters(**args)
        items, total = enterprises.list_enterprises(
            get_session(), current_scope(), filters, page=page, per_page=per_page
        )
        return {"items": items, "total": total, "page": page, "per_page": per_page}

    @blp.arguments(EnterpriseSchema)
    @blp.response(201, EnterpriseSchema)
    def post(self, data):
        """Register an enterprise (bureau)"""
        scope = current_scope()
        require(scope.is_bureau)
        session = get_session()
        enterprise = enterprises.create_enterprise(session, scope, data)
        commit()
        return enterprises.scored(session, scope, enterprise)


@blp.route("/<string:uscc>")
class EnterpriseDetail(MethodView):
    @blp.response(200, EnterpriseSchema)
    def get(self, uscc):
        """One enterprise"""
        session, scope = get_session(), current_scope()
        return enterprises.scored(session, scope, visible_enterprise(session, scope, uscc))

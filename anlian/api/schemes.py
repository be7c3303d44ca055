"""A chain's assessment scheme: the version in force, its history, and new versions."""

import marshmallow as ma
from flask import request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import abort

from models.assessment import ORDER_ACTIONS

from .. import clock
from ..auth import current_scope
from ..db import get_session
from ..errors import Invalid
from ..scope import can_manage_chain, require, visible_chain
from ..services import schemes
from ..services.scheme_rules import BAND_COLORS, scheme_problems
from .base import ApiBlueprint, Schema, commit, length, one_of

blp = ApiBlueprint(
    "schemes",
    __name__,
    url_prefix="/api/v1/chains",
    description="Assessment schemes: criteria with weights (safety at least 10%) and bands",
)


class CriterionSchema(Schema):
    key = ma.fields.String(required=True, validate=length(min=1, max=32))
    label = ma.fields.String(required=True, validate=length(min=1, max=100))
    weight = ma.fields.Float(required=True, metadata={"description": "percent, ≤ 2 decimals"})


class BandSchema(Schema):
    min_score = ma.fields.Float(required=True)
    max_score = ma.fields.Float(
        allow_none=True, metadata={"description": "optional; must equal the next band's min"}
    )
    label = ma.fields.String(required=True, validate=length(min=1, max=64))
    color = ma.fields.String(required=True, validate=one_of(BAND_COLORS))
    order_action = ma.fields.String(required=True, validate=one_of(ORDER_ACTIONS))
    settlement_adjustment_pct = ma.fields.Float(required=True)


class SchemeSchema(Schema):
    version = ma.fields.Integer(
        metadata={"description": "in: the version you edited (else If-Match); 409 if stale"}
    )
    effective_from = ma.fields.String(metadata={"description": "YYYY-MM; default this month"})
    criteria = ma.fields.List(ma.fields.Nested(CriterionSchema), required=True)
    bands = ma.fields.List(ma.fields.Nested(BandSchema), required=True)
    created_at = ma.fields.DateTime(dump_only=True)

    @ma.validates_schema
    def _rules(self, data, **kwargs):
        """The same rules as the service, so the contract documents them (safety ≥ 10%…)."""
        if problems := scheme_problems(data.get("criteria", []), data.get("bands", [])):
            raise ma.ValidationError(problems)


def expected_version(body: dict) -> int | None:
    """The version the editor started from: `version` in the body, else If-Match."""
    if body.get("version") is not None:
        return body["version"]
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    tag = raw.removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise Invalid({"If-Match": [_l("Must be a scheme version number.")]})
    return int(tag)


def _etag(scheme) -> dict:
    return {"ETag": f'"{scheme.version}"'}


@blp.route("/<int:chain_id>/scheme")
class CurrentScheme(MethodView):
    @blp.response(200, SchemeSchema)
    def get(self, chain_id):
        """The newest version of the chain's scheme (ETag: its version)"""
        session = get_session()
        chain = visible_chain(session, current_scope(), chain_id)
        scheme = schemes.current(session, chain.id)
        if scheme is None:
            abort(404, message=_l("This chain has no assessment scheme yet."))
        return schemes.public(scheme), 200, _etag(scheme)

    @blp.arguments(SchemeSchema)
    @blp.response(200, SchemeSchema)
    def put(self, body, chain_id):
        """Save a new version (chain or bureau); 422 on a broken rule, 409 if stale"""
        session, scope = get_session(), current_scope()
        chain = visible_chain(session, scope, chain_id)
        require(can_manage_chain(scope, chain.id))
        scheme = schemes.save(
            session,
            scope,
            chain,
            criteria=body["criteria"],
            bands=body["bands"],
            effective_from=body.get("effective_from") or clock.current_month(),
            expected_version=expected_version(body),
        )
        commit()
        return schemes.public(scheme), 200, _etag(scheme)


@blp.route("/<int:chain_id>/scheme/versions")
class SchemeVersions(MethodView):
    @blp.response(200, SchemeSchema(many=True))
    def get(self, chain_id):
        """Every version of the chain's scheme, newest first"""
        session = get_session()
        chain = visible_chain(session, current_scope(), chain_id)
        return [schemes.public(s) for s in schemes.versions(session, chain.id)]

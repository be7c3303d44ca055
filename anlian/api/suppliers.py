"""A chain's suppliers (memberships) and their admission checklists."""

import marshmallow as ma
from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from models import Enterprise
from models.base import MONEY_MAX
from models.uscc import uscc_problem

from .. import clock
from ..auth import current_scope
from ..db import get_session
from ..errors import Invalid
from ..scope import can_manage_chain, require, visible_chain
from ..services import admission, suppliers
from .base import (
    ApiBlueprint,
    PageArgs,
    Schema,
    at_least,
    at_most,
    between,
    commit,
    length,
    one_of,
    page_of,
)

# Bounded by the Numeric(16, 2) column: a larger amount overflows it on PostgreSQL (a 500).
SPEND = [at_least(0), at_most(MONEY_MAX)]

blp = ApiBlueprint(
    "suppliers",
    __name__,
    url_prefix="/api/v1/chains",
    description="A chain's suppliers: memberships with tier, dates and annual order value",
)


def _valid_uscc(value: str) -> None:
    if problem := uscc_problem(value):
        raise ma.ValidationError(problem)


class Money(ma.fields.Decimal):
    """CNY as a JSON number with at most 2 decimals (never silently rounded)."""

    def _deserialize(self, value, attr, data, **kwargs):
        amount = super()._deserialize(value, attr, data, **kwargs)
        if amount is not None and amount.as_tuple().exponent < -2:
            raise ma.ValidationError(_l("At most 2 decimals."))
        return amount

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else float(value)


class SupplierSchema(Schema):
    uscc = ma.fields.String(required=True, validate=_valid_uscc)
    name = ma.fields.String(dump_only=True)
    industry = ma.fields.String(dump_only=True)
    town = ma.fields.String(dump_only=True)
    tier = ma.fields.Integer(load_default=1, validate=between(1, 9))
    joined_on = ma.fields.Date(metadata={"description": "default today"})
    left_on = ma.fields.Date(dump_only=True, allow_none=True)
    annual_spend_cny = Money(allow_none=True, load_default=None, validate=SPEND)
    current = ma.fields.Boolean(dump_only=True)


class SupplierChangeSchema(Schema):
    tier = ma.fields.Integer(validate=between(1, 9))
    annual_spend_cny = Money(allow_none=True, validate=SPEND)


class SupplierListArgs(PageArgs):
    status = ma.fields.String(load_default="current", validate=one_of(suppliers.STATUSES))
    q = ma.fields.String(validate=length(min=0, max=100))


class EndArgs(Schema):
    left_on = ma.fields.Date(metadata={"description": "default today"})


class CheckSchema(Schema):
    key = ma.fields.String(required=True, validate=length(min=1, max=32))
    label_zh = ma.fields.String(dump_only=True)
    label_en = ma.fields.String(dump_only=True)
    met = ma.fields.Boolean(required=True)
    evidence = ma.fields.String(load_default="", validate=length(min=0, max=2000))
    verified_on = ma.fields.Date(allow_none=True, load_default=None)


def _managed_chain(chain_id: int):
    session, scope = get_session(), current_scope()
    chain = visible_chain(session, scope, chain_id)
    require(can_manage_chain(scope, chain.id))
    return session, scope, chain


@blp.route("/<int:chain_id>/suppliers")
class Suppliers(MethodView):
    @blp.arguments(SupplierListArgs, location="query")
    @blp.response(200, page_of(SupplierSchema))
    def get(self, args, chain_id):
        """The chain's suppliers: current (default), past or all"""
        session, _, chain = _managed_chain(chain_id)
        items, total = suppliers.list_suppliers(session, chain.id, on=clock.today(), **args)
        return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}

    @blp.arguments(SupplierSchema)
    @blp.response(201, SupplierSchema)
    def post(self, body, chain_id):
        """Add a supplier by USCC (it must be registered)"""
        session, scope, chain = _managed_chain(chain_id)
        body.setdefault("joined_on", clock.today())
        row = suppliers.add(session, scope, chain, **body)
        commit()
        return _one(session, chain.id, body["uscc"], row)


def _one(session, chain_id: int, uscc: str, row) -> dict:
    return suppliers.item(row, session.get(Enterprise, row.enterprise_id), on=clock.today())


@blp.route("/<int:chain_id>/suppliers/<string:uscc>")
class Supplier(MethodView):
    @blp.arguments(SupplierChangeSchema)
    @blp.response(200, SupplierSchema)
    def patch(self, body, chain_id, uscc):
        """Change a current supplier's tier or annual order value"""
        session, scope, chain = _managed_chain(chain_id)
        row = suppliers.update(session, scope, chain, uscc, body)
        commit()
        return _one(session, chain.id, uscc, row)

    @blp.arguments(EndArgs, location="query")
    @blp.response(200, SupplierSchema)
    def delete(self, args, chain_id, uscc):
        """End a supplier's membership (sets left_on; history is kept)"""
        session, scope, chain = _managed_chain(chain_id)
        row = suppliers.remove(
            session, scope, chain, uscc, left_on=args.get("left_on", clock.today())
        )
        commit()
        return _one(session, chain.id, uscc, row)


@blp.route("/<int:chain_id>/suppliers/<string:uscc>/admission")
class Admission(MethodView):
    @blp.response(200, CheckSchema(many=True))
    def get(self, chain_id, uscc):
        """The supplier's admission checklist (安全准入)"""
        session, _, chain = _managed_chain(chain_id)
        _, enterprise = suppliers.membership(session, chain.id, uscc)
        return admission.checklist(session, chain, enterprise.id)

    @blp.arguments(CheckSchema(many=True))
    @blp.response(200, CheckSchema(many=True))
    def put(self, items, chain_id, uscc):
        """Record the supplier's checks: met, evidence, verification date"""
        session, scope, chain = _managed_chain(chain_id)
        _, enterprise = suppliers.membership(session, chain.id, uscc)
        if not items:
            raise Invalid({"checks": [_l("Send at least one check.")]})
        admission.save_checks(session, scope, chain, enterprise.id, items, today=clock.today())
        commit()
        return admission.checklist(session, chain, enterprise.id)

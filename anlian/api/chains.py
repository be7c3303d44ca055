"""Chains: the chain leaders of the scheme."""

import marshmallow as ma
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import abort

from ..auth import current_scope
from ..clock import today
from ..db import get_session
from ..scope import can_manage_chain, require, visible_chain
from ..services import chains
from .base import ApiBlueprint, Schema, commit, length

blp = ApiBlueprint(
    "chains",
    __name__,
    url_prefix="/api/v1/chains",
    description="Chain leaders and their supplier networks",
)


class ChainSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=length(min=1, max=200))
    leader_uscc = ma.fields.String(required=True, validate=length(equal=18))
    joined_on = ma.fields.Date(required=True)
    supplier_count = ma.fields.Integer(dump_only=True)


@blp.route("")
class Chains(MethodView):
    @blp.response(200, ChainSchema(many=True))
    def get(self):
        """The chains you may see"""
        return chains.list_chains(get_session(), current_scope(), on=today())

    @blp.arguments(ChainSchema)
    @blp.response(201, ChainSchema)
    def post(self, data):
        """Enlist a chain leader (bureau)"""
        scope = current_scope()
        require(scope.is_bureau)
        session = get_session()
        chain = chains.create_chain(session, scope, **data)
        commit()
        item = chains.chain_item(session, scope, chain.id, on=today())
        if item is None:
            abort(404)
        return item


def _webhook_url(value: str) -> None:
    if not value.startswith(("https://", "http://")):
        raise ma.ValidationError(_l("Must be an http or https address."))


class WebhookSchema(Schema):
    url = ma.fields.String(required=True, validate=[length(min=8, max=500), _webhook_url])
    secret = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "HMAC-SHA256 key of X-Anlian-Signature; shown only in this response"
        },
    )


@blp.route("/<int:chain_id>/webhook")
class Webhook(MethodView):
    @blp.arguments(WebhookSchema)
    @blp.response(200, WebhookSchema)
    def put(self, data, chain_id):
        """Send this chain's alerts to a URL, signed with a new secret (that chain, bureau)"""
        scope, session = current_scope(), get_session()
        chain = visible_chain(session, scope, chain_id)
        require(can_manage_chain(scope, chain.id))
        secret = chains.set_webhook(session, scope, chain, data["url"])
        commit()
        return {"url": data["url"], "secret": secret}

    @blp.response(204)
    def delete(self, chain_id):
        """Stop sending this chain's alerts to a webhook"""
        scope, session = current_scope(), get_session()
        chain = visible_chain(session, scope, chain_id)
        require(can_manage_chain(scope, chain.id))
        chains.set_webhook(session, scope, chain, None)
        commit()

"""Project-local bases for API blueprints and schemas: one home for what they all share."""

from functools import cache, partial

import marshmallow as ma
from flask import abort
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint as SmorestBlueprint
from sqlalchemy.exc import IntegrityError

from models.base import INT_MAX

from ..auth import csrf
from ..db import get_session
from ..paging import MAX_PAGE
from .access import gate


def one_of(choices) -> ma.validate.OneOf:
    """OneOf whose message is translated when it is raised."""
    return ma.validate.OneOf(list(choices), error=_l("Must be one of: {choices}."))


def length(*, min=None, max=None, equal=None) -> ma.validate.Length:  # noqa: A002
    """Length with translated messages."""
    if equal is not None:
        return ma.validate.Length(equal=equal, error=_l("Must be {equal} characters long."))
    return ma.validate.Length(
        min=min, max=max, error=_l("Must be between {min} and {max} characters long.")
    )


def at_least(minimum) -> ma.validate.Range:
    """Range(min=…) with a translated message."""
    return ma.validate.Range(min=minimum, error=_l("Must be at least {min}."))


def at_most(maximum) -> ma.validate.Range:
    """Range(max=…) with a translated message."""
    return ma.validate.Range(max=maximum, error=_l("Must be at most {max}."))


def between(minimum, maximum) -> ma.validate.Range:
    """Range(min, max) with a translated message."""
    return ma.validate.Range(min=minimum, max=maximum, error=_l("Must be between {min} and {max}."))


# The databases' INTEGER (32 bits on PostgreSQL): a larger integer can be neither stored nor
# compared with a column there (the driver fails: a 500), so no schema accepts one.
INT_RANGE = (-INT_MAX - 1, INT_MAX)


class Schema(ma.Schema):
    """Base schema: unknown fields are an error, never silently dropped; integers are bounded
    by the databases' INTEGER."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    def on_bind_field(self, field_name, field_obj) -> None:
        if isinstance(field_obj, ma.fields.Integer) and not field_obj.dump_only:
            field_obj.validators = [*field_obj.validators, between(*INT_RANGE)]


class ApiBlueprint(SmorestBlueprint):
    """An API blueprint: CSRF exempt (bearer tokens, no cookies); every request passes the
    access gate (`access.gate`: token, objects in scope, the operation's rule) before any
    argument is parsed. `public`: operations not declared in `access.RULES` need no token."""

    def __init__(self, *args, public: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        csrf.exempt(self)
        self.before_request(partial(gate, public=public))




class PageArgs(Schema):
    """?page=1&per_page=50"""

    # Bounded: an absurd page number would overflow the database's integer offset.
    page = ma.fields.Integer(load_default=1, validate=between(1, MAX_PAGE))
    per_page = ma.fields.Integer(load_default=50, validate=between(1, 500))


@cache
def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The paginated list schema {items, total, page, per_page} for an item schema."""
    return type(
        f"{item_schema.__name__.removesuffix('Schema')}PageSchema",
        (Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema)),
            "total": ma.fields.Integer(),
            "page": ma.fields.Integer(),
            "per_page": ma.fields.Integer(),
        },
    )


def commit() -> None:
    """Commit the request's unit of work (services only flush).

    Services check every rule before writing, so a constraint violation here means another
    request won a race for the same key: 409, and nothing of this request is kept."""
    session = get_session()
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        abort(409)

"""Project-local bases for API blueprints and schemas: one home for what they all share."""

from functools import cache

import marshmallow as ma
from flask import abort
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint as SmorestBlueprint
from sqlalchemy.exc import IntegrityError

from ..auth import authenticate_bearer, csrf
from ..db import get_session


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


def between(minimum, maximum) -> ma.validate.Range:
    """Range(min, max) with a translated message."""
    return ma.validate.Range(min=minimum, max=maximum, error=_l("Must be between {min} and {max}."))


class Schema(ma.Schema):
    """Base schema: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


class ApiBlueprint(SmorestBlueprint):
    """An API blueprint: bearer token required (unless public), CSRF exempt (no cookies)."""

    def __init__(self, *args, public: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        csrf.exempt(self)
        if not public:
            self.before_request(authenticate_bearer)


MAX_PAGE = 1_000_000


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

"""Who may see which trends: parsing a trend scope and checking it against the caller.

The bureau sees every scope; a chain leader only its own chain (another chain → 404 through
`scope.visible_chain`, a city, industry or town scope → 403); an SME no trends at all (403).
"""

from dataclasses import dataclass

from models.base import N_
from models.vocab import INDUSTRIES, TOWNS

from ..errors import Invalid
from ..scope import Scope, require, visible_chain
from .trends import Selection, check_period

KINDS = ("city", "chain", "industry", "town")


def parse_scope(text: str, *, field: str = "scope") -> tuple[str, object]:
    """(kind, value) of `city`, `chain:{id}`, `industry:{code}`, `town:{name}`; with
    field="chain" the effect's `all` or a chain id. 422 naming `field` otherwise."""
    if field == "chain":
        text = "city" if text == "all" else f"chain:{text}"
    kind, _, value = (text or "").partition(":")
    if kind == "city" and not value:
        return "city", None
    if kind == "chain" and value.isdigit() and len(value) < 10:
        return "chain", int(value)
    if kind == "industry" and value in INDUSTRIES:
        return "industry", value
    if kind == "town" and value in TOWNS:
        return "town", value
    if field == "chain":
        raise Invalid({field: [N_("Must be all or a chain id.")]})
    raise Invalid({field: [N_("Must be city, chain:{id}, industry:{code} or town:{name}.")]})


def may_see_trends(scope: Scope, kind: str) -> bool:
    """The bureau any scope; a chain leader a chain scope (which one is checked by 404)."""
    return scope.is_bureau or (scope.role == "chain" and kind == "chain")


def authorise(session, scope: Scope, kind: str, value) -> None:
    """403 for an SME or a chain leader outside chain scopes; 404 for a chain not visible."""
    require(scope.role in ("bureau", "chain"))
    if kind == "chain":
        visible_chain(session, scope, value)
    require(may_see_trends(scope, kind))


def selection_for(kind: str, value, first: str | None, last: str | None) -> Selection:
    """The selection of a parsed scope and period."""
    return Selection(
        chain_id=value if kind == "chain" else None,
        industry=value if kind == "industry" else None,
        town=value if kind == "town" else None,
        first=first,
        last=last,
    )


@dataclass(frozen=True)
class Filters:
    """A filter form read from a query string: the values to show again, the errors by
    field (message ids), and, when valid, the selection and the effect window."""

    values: dict
    errors: dict
    selection: Selection | None
    window: int


def _choice(value: str, allowed, field: str, errors: dict):
    if value and value not in allowed:
        errors[field] = [N_("Choose a value from the list.")]
    return value or None


def read_filters(args, *, chain_ids, chain_id: int | None = None) -> Filters:
    """Chain (one of `chain_ids`, or fixed), industry, town, period and window from `args`."""
    values = {k: (args.get(k) or "").strip() for k in ("chain", "industry", "town", "from", "to")}
    values["window"] = (args.get("window") or "12").strip()
    errors: dict = {}
    if chain_id is None:
        allowed = {str(i) for i in chain_ids}
        chain_id = _choice(values["chain"], allowed, "chain", errors)
        chain_id = int(chain_id) if chain_id and not errors else None
    industry = _choice(values["industry"], INDUSTRIES, "industry", errors)
    town = _choice(values["town"], TOWNS, "town", errors)
    first, last = values["from"] or None, values["to"] or None
    try:
        check_period(first, last)
    except Invalid as problem:
        errors |= problem.errors
    window = int(values["window"]) if values["window"].isdigit() else 0
    if not 1 <= window <= 60:
        errors["window"] = [N_("Must be a whole number from 1 to 60.")]
    if errors:
        return Filters(values, errors, None, 12)
    return Filters(values, errors, Selection(chain_id, industry, town, first, last), window)

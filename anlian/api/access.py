"""The API's access gate: who may call an operation, decided before its arguments are read.

flask-smorest parses and validates a view's arguments (`@blp.arguments`) in the view's
wrapper, before the view's own scope checks run, so a caller outside scope would get 422 and
the schema's messages instead of 401/403/404 (ASVS 8.2.1: authorise first, and let a refused
caller learn nothing from validation). The gate runs as every API blueprint's
`before_request`, so before any argument is parsed, in this order:

1. authenticate the bearer token (401), unless the operation is public;
2. resolve each object the path names within the caller's scope (`chain_id`, `uscc`,
   `hazard_id`, import `kind`): 404 when it is outside the scope or does not exist;
3. apply the operation's rule from RULES, a `scope.py` predicate (403);
4. resolve what only the rule's holder may ask about (a chain's supplier, an account): 404.

Views keep their own checks (defence in depth); tests/test_access_matrix.py proves that the
gate and the views agree for every operation and role, and that every operation is in RULES.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import request
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from models import Chain, Enterprise, Hazard, User

from ..auth import authenticate_bearer, current_scope
from ..db import get_session
from ..intake import KINDS, ImportForbidden
from ..intake.refs import check_allowed
from ..scope import (
    Scope,
    can_manage_chain,
    can_write_some_records,
    require,
    visible_chain,
    visible_enterprise,
)
from ..services import record_lists, suppliers


@dataclass
class Target:
    """The objects an operation's path names, as far as the caller may see them."""

    chain: Chain | None = None
    enterprise: Enterprise | None = None
    hazard: Hazard | None = None
    kind: str | None = None

    @property
    def enterprise_id(self) -> int:
        return self.enterprise.id if self.enterprise else self.hazard.enterprise_id


Rule = Callable[[Scope, Target], bool]


def signed_in(scope: Scope, target: Target) -> bool:
    """Any caller with a valid token (the path's objects are still resolved within scope)."""
    return True


def bureau(scope: Scope, target: Target) -> bool:
    return scope.is_bureau


def manages_chain(scope: Scope, target: Target) -> bool:
    return can_manage_chain(scope, target.chain.id)


def rates_chain(scope: Scope, target: Target) -> bool:
    """Ratings are the chain's own judgement: the bureau sees them but does not rate."""
    return scope.role == "chain" and scope.chain_id == target.chain.id


def writes(kind: str) -> Rule:
    """May write some record of `kind` for the enterprise (a hazard's source is in the body)."""

    def rule(scope: Scope, target: Target) -> bool:
        return can_write_some_records(scope, target.enterprise_id, kind)

    rule.__name__ = f"writes_{kind}"
    return rule


def imports_kind(scope: Scope, target: Target) -> bool:
    """The importer's own rule (bureau: any kind; chain: ratings and memberships)."""
    try:
        check_allowed(scope, target.kind)
    except ImportForbidden:
        return False
    return True


PUBLIC = None

# endpoint → method → rule. An operation missing here gets its blueprint's default (signed in,
# or public) and the path resolution; tests/test_access_matrix.py fails until it is declared.
RULES: dict[str, dict[str, Rule | None]] = {
    "api_auth.Token": {"POST": PUBLIC, "DELETE": signed_in},
    "api_auth.Password": {"POST": signed_in},
    "users.Users": {"GET": bureau, "POST": bureau},
    "users.UserAction": {"POST": bureau},
    "scheduler.JobRuns": {"GET": bureau},
    "scheduler.MonthClose": {"POST": bureau},
    "enterprises.Enterprises": {"GET": signed_in, "POST": bureau},
    "enterprises.EnterpriseDetail": {"GET": signed_in},
    "scores.Score": {"GET": signed_in},
    "scores.ScoreHistory": {"GET": signed_in},
    "records.Accidents": {"GET": signed_in, "POST": writes("accident")},
    "records.Inspections": {"GET": signed_in, "POST": writes("inspection")},
    "records.Hazards": {"GET": signed_in, "POST": writes("hazard")},
    "records.WorkHoursList": {"GET": signed_in, "POST": writes("work_hours")},
    "records.HazardDetail": {"PATCH": writes("rectify")},
    "chains.Chains": {"GET": signed_in, "POST": bureau},
    "chains.Webhook": {"PUT": manages_chain, "DELETE": manages_chain},
    "schemes.CurrentScheme": {"GET": signed_in, "PUT": manages_chain},
    "schemes.SchemeVersions": {"GET": signed_in},
    "suppliers.Suppliers": {"GET": manages_chain, "POST": manages_chain},
    "suppliers.Supplier": {"PATCH": manages_chain, "DELETE": manages_chain},
    "suppliers.Admission": {"GET": manages_chain, "PUT": manages_chain},
    # An SME sees its own row of a chain's assessment (the view narrows it).
    "assessment.Assessment": {"GET": signed_in},
    "assessment.AssessmentExport": {"GET": manages_chain},
    "assessment.Ratings": {"GET": manages_chain, "POST": rates_chain},
    # The chain a trend is about is in the query string: authorised by the view
    # (services/trends_access.py) once the query is parsed.
    "trends.Trends": {"GET": signed_in},
    "trends.Effect": {"GET": signed_in},
    "api_imports.Import": {"POST": imports_kind},
    "api_imports.Template": {"GET": signed_in},
}

# Path arguments that name no object to check (the route's converter bounds them).
INERT = frozenset({"action"})
# Path arguments the gate resolves (tests check that no API path uses any other).
RESOLVED = frozenset({"chain_id", "uscc", "hazard_id", "kind", "username"})


def rule_for(endpoint: str, method: str, *, public: bool) -> Rule | None:
    default = PUBLIC if public else signed_in
    method = "GET" if method == "HEAD" else method
    return RULES.get(endpoint, {}).get(method, default)


def gate(*, public: bool) -> None:
    """The before_request of an API blueprint (see the module's docstring)."""
    rule = rule_for(request.endpoint or "", request.method, public=public)
    if rule is PUBLIC:
        return
    authenticate_bearer()
    session, scope, args = get_session(), current_scope(), request.view_args or {}
    target = Target()
    if "chain_id" in args:
        target.chain = visible_chain(session, scope, args["chain_id"])
    elif "uscc" in args:
        target.enterprise = visible_enterprise(session, scope, args["uscc"])
    if "hazard_id" in args:
        target.hazard = record_lists.visible_record(session, scope, "hazard", args["hazard_id"])
    if "kind" in args:
        if args["kind"] not in KINDS:
            raise NotFound()
        target.kind = args["kind"]
    require(rule(scope, target))
    # A chain's supplier and an account exist only for those who may manage them.
    if "chain_id" in args and "uscc" in args:
        suppliers.membership(session, target.chain.id, args["uscc"])
    if "username" in args:
        found = select(User.id).where(User.username == args["username"])
        if session.execute(found).first() is None:
            raise NotFound()

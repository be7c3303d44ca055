"""Access control, proven by a matrix (ASVS 8.2.1-8.2.3, 8.4.1).

Every rule of the Flask URL map has an entry in POLICY: the requests to make (own resource,
another tenant's, nonexistent) and the status each role must get, in the order of ROLES:
anonymous, bureau, chain A, chain B, SME X, SME Y. A rule without an entry fails the test.

Conventions checked here: pages send strangers to /login (302), the API answers 401; a resource
outside the caller's scope is 404; a forbidden action on a visible resource is 403.

Write methods: a caller the policy refuses (401/403/404) sends a *valid* body, so that a hole
would show as a write that went through; a caller the policy admits sends an *invalid* body
(expected 422, or the page re-rendered), so nothing is written. That the app refuses an
unauthorised caller before it validates the body (the invalid body, sent by the refused roles,
gets the same 401/403/404) is checked separately
(`test_unauthorised_write_is_refused_before_validation`).
"""

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import func, select

from models import Hazard, Rating
from models.uscc import make_uscc
from tests.conftest import csrf_token
from tests.procurement_fixtures import save_scheme, scheme_body

ROLES = ("anon", "bureau", "chain_a", "chain_b", "sme_x", "sme_y")
USERS = {
    "bureau": "bureau_user",
    "chain_a": "chain_a_user",
    "chain_b": "chain_b_user",
    "sme_x": "sme_x_user",
    "sme_y": "sme_y_user",
}
NONE_USCC = make_uscc("91350582MA9999999")
NONE_ID = 987654
# "ok": passed authorisation (page or API answered the request: 200, 201, 204, 302 to a page
# other than /login, 422 for the invalid body an authorised caller sends).
OK = {200, 201, 204, 302, 303, 409, 422}
SKIP = {"static"}  # Flask's static files: public by design, no data.


@dataclass
class Case:
    method: str
    path: str  # format() with the ids below
    expect: str  # six codes in ROLES order; "ok" = passed authorisation (see OK)
    good: object = None  # body for refused roles (valid: a hole would write)
    bad: object = None  # body for admitted roles (invalid: nothing written)
    form: bool = False  # page POST (CSRF token added) instead of JSON
    files: bool = False  # multipart import
    last: int = 0  # 1: changes the world (run late); 2: ends the caller's session or token
    query: dict = field(default_factory=dict)

    def statuses(self) -> dict:
        return dict(zip(ROLES, self.expect.split(), strict=True))


def C(method, path, expect, **kw) -> Case:  # noqa: N802 - reads like a table row
    return Case(method, path, expect, **kw)


# Six-role rows used again and again.
PAGE_BUREAU = "302 200 403 403 403 403"
PAGE_CHAIN = "302 403 200 200 403 403"
PAGE_SME = "302 403 403 403 200 200"
PAGE_ANY = "302 200 200 200 200 200"
API_ALL = "401 200 200 200 200 200"
API_BUREAU = "401 200 403 403 403 403"
# An enterprise and its records: x is chain A's supplier and SME X; y is chain B's and SME Y.
SEE_X = "401 200 200 404 200 404"
SEE_Y = "401 200 404 200 404 200"
SEE_BOTH = "401 200 200 200 404 404"
SEE_NONE = "401 404 404 404 404 404"
# A chain's own data: A managed by chain A and the bureau; SME X supplies A.
CHAIN_A_VIEW = "401 200 200 404 200 404"
CHAIN_A_MANAGE = "401 200 200 404 403 404"
CHAIN_B_MANAGE = "401 200 404 200 404 403"
CHAIN_NONE = "401 404 404 404 404 404"

SCHEME = scheme_body()
RATING_FILE = "chain_id,uscc,period,criterion,score\n"


def policy() -> dict[str, list[Case]]:
    hx = "{hazard_x}"
    return {
        # -- public by design ------------------------------------------------------------
        "plotly_js": [C("GET", "/vendor/plotly.min.js", "200 200 200 200 200 200")],
        "api-docs.openapi_json": [C("GET", "/api/v1/openapi.json", "200 200 200 200 200 200")],
        "auth.login": [
            C("GET", "/login", "200 ok ok ok ok ok"),
            # An incomplete login form is 400 for everyone (no login attempt is counted).
            C("POST", "/login", "400 400 400 400 400 400", form=True, good={}, bad={}),
        ],
        "auth.set_language": [C("GET", "/lang/en", "302 302 302 302 302 302")],
        "auth.home": [C("GET", "/", "302 302 302 302 302 302")],
        "auth.logout": [C("POST", "/logout", "302 302 302 302 302 302", form=True, last=2)],
        "auth.password": [
            C("GET", "/account/password", PAGE_ANY),
            C("POST", "/account/password", "302 ok ok ok ok ok", form=True, good={}, bad={}),
        ],
        # -- API: auth, users, jobs ----------------------------------------------------------
        "api_auth.Token": [
            C("POST", "/api/v1/auth/token", "422 422 422 422 422 422", bad={}, good={}),
            C("DELETE", "/api/v1/auth/token", "401 204 204 204 204 204", last=2),
        ],
        "api_auth.Password": [
            C(
                "POST",
                "/api/v1/auth/password",
                "401 422 422 422 422 422",
                bad={},
                good={"current_password": "wrong-one-42", "new_password": "An0ther-long-pw"},
            ),
        ],
        "users.Users": [
            C("GET", "/api/v1/users", API_BUREAU),
            C(
                "POST",
                "/api/v1/users",
                "401 422 403 403 403 403",
                good={"username": "mallory", "password": "Str0ng-enough-pw!", "role": "bureau"},
                bad={},
            ),
        ],
        "users.UserAction": [
            C("POST", "/api/v1/users/{victim}/revoke-tokens", "401 ok 403 403 403 403"),
            C("POST", "/api/v1/users/{victim}/disable", "401 ok 403 403 403 403", last=1),
            C("POST", "/api/v1/users/nobody-here/enable", "401 404 403 403 403 403"),
        ],
        "scheduler.JobRuns": [C("GET", "/api/v1/jobs", API_BUREAU)],
        "scheduler.MonthClose": [
            C(
                "POST",
                "/api/v1/jobs/month-close",
                "401 422 403 403 403 403",
                good={"month": "2024-06"},
                bad={},
            ),
        ],
        # -- API: enterprises, scores, records ----------------------------------------------
        "enterprises.Enterprises": [
            C("GET", "/api/v1/enterprises", API_ALL),
            C(
                "POST",
                "/api/v1/enterprises",
                "401 422 403 403 403 403",
                good={
                    "uscc": make_uscc("91350582MA8888888"),
                    "name": "闯入",
                    "industry": "food",
                    "town": "陈埭镇",
                },
                bad={},
            ),
        ],
        "enterprises.EnterpriseDetail": [
            C("GET", "/api/v1/enterprises/{x}", SEE_X),
            C("GET", "/api/v1/enterprises/{y}", SEE_Y),
            C("GET", "/api/v1/enterprises/{both}", SEE_BOTH),
            C("GET", "/api/v1/enterprises/{outsider}", "401 200 404 404 404 404"),
            C("GET", "/api/v1/enterprises/{leader_a}", "401 200 200 404 404 404"),
            C("GET", "/api/v1/enterprises/{none}", SEE_NONE),
        ],
        "scores.Score": [
            C("GET", "/api/v1/enterprises/{x}/score", SEE_X),
            C("GET", "/api/v1/enterprises/{y}/score", SEE_Y),
            C("GET", "/api/v1/enterprises/{none}/score", SEE_NONE),
        ],
        "scores.ScoreHistory": [
            C("GET", "/api/v1/enterprises/{x}/score/history", SEE_X),
            C("GET", "/api/v1/enterprises/{y}/score/history", SEE_Y),
            C("GET", "/api/v1/enterprises/{none}/score/history", SEE_NONE),
        ],
        **{
            f"records.{name}": [
                C("GET", f"/api/v1/enterprises/{{x}}/{path}", SEE_X),
                C("GET", f"/api/v1/enterprises/{{y}}/{path}", SEE_Y),
                C("GET", f"/api/v1/enterprises/{{none}}/{path}", SEE_NONE),
                C("POST", f"/api/v1/enterprises/{{x}}/{path}", post_x, good=good, bad={}),
                C("POST", f"/api/v1/enterprises/{{y}}/{path}", post_y, good=good, bad={}),
                C("POST", f"/api/v1/enterprises/{{none}}/{path}", SEE_NONE, good=good, bad={}),
            ]
            for name, path, post_x, post_y, good in (
                (
                    "Accidents",
                    "accidents",
                    "401 422 403 404 403 404",
                    "401 422 404 403 404 403",
                    {"occurred_on": "2024-06-03", "severity": "minor", "source_ref": "M-1"},
                ),
                (
                    "Inspections",
                    "inspections",
                    "401 422 403 404 403 404",
                    "401 422 404 403 404 403",
                    {"inspected_on": "2024-06-03", "outcome": "none", "source_ref": "M-2"},
                ),
                (
                    "Hazards",
                    "hazards",
                    "401 422 403 404 422 404",
                    "401 422 404 403 404 422",
                    {
                        "found_on": "2024-06-03",
                        "level": "general",
                        "source": "self_check",
                        "source_ref": "M-3",
                    },
                ),
                (
                    "WorkHoursList",
                    "work-hours",
                    "401 422 403 404 422 404",
                    "401 422 404 403 404 422",
                    {"month": "2024-06", "hours": 1000},
                ),
            )
        },
        "records.HazardDetail": [
            C(
                "PATCH",
                f"/api/v1/hazards/{hx}",
                "401 422 403 404 422 404",
                good={"rectified_on": "2024-06-04"},
                bad={"rectified_on": "nope"},
            ),
            C(
                "PATCH",
                "/api/v1/hazards/{hazard_y}",
                "401 422 404 403 404 422",
                good={"rectified_on": "2024-06-04"},
                bad={"rectified_on": "nope"},
            ),
            C(
                "PATCH",
                "/api/v1/hazards/{nid}",
                CHAIN_NONE,
                good={"rectified_on": "2024-06-04"},
                bad={"rectified_on": "nope"},
            ),
        ],
        # -- API: chains and what hangs off them ---------------------------------------------
        "chains.Chains": [
            C("GET", "/api/v1/chains", API_ALL),
            C(
                "POST",
                "/api/v1/chains",
                "401 422 403 403 403 403",
                good={"name": "闯入链", "leader_uscc": "{outsider}", "joined_on": "2024-01-01"},
                bad={},
            ),
        ],
        "chains.Webhook": [
            C(
                "PUT",
                "/api/v1/chains/{a}/webhook",
                CHAIN_A_MANAGE.replace("200", "422"),
                good={"url": "https://example.invalid/hook"},
                bad={},
            ),
            C(
                "PUT",
                "/api/v1/chains/{b}/webhook",
                CHAIN_B_MANAGE.replace("200", "422"),
                good={"url": "https://example.invalid/hook"},
                bad={},
            ),
            C(
                "PUT",
                "/api/v1/chains/{nid}/webhook",
                CHAIN_NONE,
                good={"url": "https://example.invalid/hook"},
                bad={},
            ),
            C("DELETE", "/api/v1/chains/{a}/webhook", CHAIN_A_MANAGE.replace("200", "204")),
            C("DELETE", "/api/v1/chains/{nid}/webhook", CHAIN_NONE),
        ],
        "schemes.CurrentScheme": [
            C("GET", "/api/v1/chains/{a}/scheme", CHAIN_A_VIEW),
            C("GET", "/api/v1/chains/{b}/scheme", "401 200 404 200 404 200"),
            C("GET", "/api/v1/chains/{nid}/scheme", CHAIN_NONE),
            C("PUT", "/api/v1/chains/{a}/scheme", "401 422 422 404 403 404", good=SCHEME, bad={}),
            C("PUT", "/api/v1/chains/{b}/scheme", "401 422 404 422 404 403", good=SCHEME, bad={}),
            C("PUT", "/api/v1/chains/{nid}/scheme", CHAIN_NONE, good=SCHEME, bad={}),
        ],
        "schemes.SchemeVersions": [
            C("GET", "/api/v1/chains/{a}/scheme/versions", CHAIN_A_VIEW),
            C("GET", "/api/v1/chains/{nid}/scheme/versions", CHAIN_NONE),
        ],
        "suppliers.Suppliers": [
            C("GET", "/api/v1/chains/{a}/suppliers", CHAIN_A_MANAGE),
            C("GET", "/api/v1/chains/{b}/suppliers", CHAIN_B_MANAGE),
            C("GET", "/api/v1/chains/{nid}/suppliers", CHAIN_NONE),
            C(
                "POST",
                "/api/v1/chains/{a}/suppliers",
                "401 422 422 404 403 404",
                good={"uscc": "{outsider}"},
                bad={},
            ),
            C(
                "POST",
                "/api/v1/chains/{nid}/suppliers",
                CHAIN_NONE,
                good={"uscc": "{outsider}"},
                bad={},
            ),
        ],
        "suppliers.Supplier": [
            C(
                "PATCH",
                "/api/v1/chains/{a}/suppliers/{x}",
                "401 422 422 404 403 404",
                good={"tier": 2},
                bad={"tier": 99},
            ),
            C(
                "PATCH",
                "/api/v1/chains/{a}/suppliers/{y}",
                "401 404 404 404 403 404",
                good={"tier": 2},
                bad={"tier": 99},
            ),
            C(
                "PATCH",
                "/api/v1/chains/{a}/suppliers/{none}",
                "401 404 404 404 403 404",
                good={"tier": 2},
                bad={"tier": 99},
            ),
            C(
                "DELETE",
                "/api/v1/chains/{b}/suppliers/{y}",
                "401 422 404 422 404 403",
                query={"bad": {"left_on": "nope"}},
            ),
            C("DELETE", "/api/v1/chains/{nid}/suppliers/{y}", CHAIN_NONE),
        ],
        "suppliers.Admission": [
            C("GET", "/api/v1/chains/{a}/suppliers/{x}/admission", CHAIN_A_MANAGE),
            C("GET", "/api/v1/chains/{a}/suppliers/{y}/admission", "401 404 404 404 403 404"),
            C("GET", "/api/v1/chains/{nid}/suppliers/{x}/admission", CHAIN_NONE),
            C(
                "PUT",
                "/api/v1/chains/{a}/suppliers/{x}/admission",
                "401 422 422 404 403 404",
                good=[],
                bad=[{"key": "x"}],
            ),
            C(
                "PUT",
                "/api/v1/chains/{b}/suppliers/{y}/admission",
                "401 422 404 422 404 403",
                good=[],
                bad=[{"key": "x"}],
            ),
        ],
        "assessment.Assessment": [
            C("GET", "/api/v1/chains/{a}/assessment", CHAIN_A_VIEW),
            C("GET", "/api/v1/chains/{b}/assessment", "401 200 404 200 404 200"),
            C("GET", "/api/v1/chains/{nid}/assessment", CHAIN_NONE),
        ],
        "assessment.AssessmentExport": [
            C("GET", "/api/v1/chains/{a}/assessment/export", CHAIN_A_MANAGE),
            C("GET", "/api/v1/chains/{b}/assessment/export?format=xlsx", CHAIN_B_MANAGE),
            C("GET", "/api/v1/chains/{nid}/assessment/export", CHAIN_NONE),
        ],
        "assessment.Ratings": [
            C("GET", "/api/v1/chains/{a}/ratings", CHAIN_A_MANAGE),
            C("GET", "/api/v1/chains/{b}/ratings", CHAIN_B_MANAGE),
            C("GET", "/api/v1/chains/{nid}/ratings", CHAIN_NONE),
            # Only the chain itself rates (the bureau sees, it does not rate).
            C(
                "POST",
                "/api/v1/chains/{a}/ratings",
                "401 403 422 404 403 404",
                good={"period": "2024-06", "ratings": []},
                bad={},
            ),
            C(
                "POST",
                "/api/v1/chains/{b}/ratings",
                "401 403 404 422 404 403",
                good={"period": "2024-06", "ratings": []},
                bad={},
            ),
            C(
                "POST",
                "/api/v1/chains/{nid}/ratings",
                CHAIN_NONE,
                good={"period": "2024-06", "ratings": []},
                bad={},
            ),
        ],
        "trends.Trends": [
            C("GET", "/api/v1/trends?scope=city", "401 200 403 403 403 403"),
            C("GET", "/api/v1/trends?scope=chain:{a}", "401 200 200 404 403 403"),
            C("GET", "/api/v1/trends?scope=chain:{nid}", "401 404 404 404 403 403"),
        ],
        "trends.Effect": [
            C("GET", "/api/v1/trends/effect?chain=all", "401 200 403 403 403 403"),
            C("GET", "/api/v1/trends/effect?chain={a}", "401 200 200 404 403 403"),
            C("GET", "/api/v1/trends/effect?chain={nid}", "401 404 404 404 403 403"),
        ],
        "api_imports.Import": [
            C(
                "POST",
                "/api/v1/imports/ratings?dry_run=1",
                "401 422 422 422 403 403",
                files=True,
                good={"file": RATING_FILE},
                bad={},
            ),
            C(
                "POST",
                "/api/v1/imports/enterprises?dry_run=1",
                "401 422 403 403 403 403",
                files=True,
                good={"file": "uscc,name,industry,town\n"},
                bad={},
            ),
            C(
                "POST",
                "/api/v1/imports/nothing?dry_run=1",
                "401 404 404 404 404 404",
                files=True,
                good={"file": RATING_FILE},
                bad={"file": RATING_FILE},
            ),
        ],
        "api_imports.Template": [
            C("GET", "/api/v1/imports/ratings/template", API_ALL),
            C("GET", "/api/v1/imports/nothing/template", "401 404 404 404 404 404"),
        ],
        # -- pages: bureau -------------------------------------------------------------------
        "bureau.index": [C("GET", "/bureau/", PAGE_BUREAU)],
        "bureau.trends": [C("GET", "/bureau/trends", PAGE_BUREAU)],
        "bureau.series": [C("GET", "/bureau/trends/series", PAGE_BUREAU)],
        "bureau.chain": [
            C("GET", "/bureau/trends/chains/{a}", PAGE_BUREAU),
            C("GET", "/bureau/trends/chains/{nid}", "302 404 403 403 403 403"),
        ],
        "bureau.export_chain": [
            C("GET", "/bureau/trends/chains/{a}/export/series", PAGE_BUREAU),
            C("GET", "/bureau/trends/chains/{nid}/export/series", "302 404 403 403 403 403"),
        ],
        "bureau.export_dashboard": [
            C("GET", "/bureau/trends/export/chains?format=xlsx", PAGE_BUREAU),
            C("GET", "/bureau/trends/export/nothing", "302 404 403 403 403 403"),
        ],
        "audit.index": [C("GET", "/bureau/audit/", PAGE_BUREAU)],
        "audit.export": [
            C("GET", "/bureau/audit/export?format=csv", PAGE_BUREAU),
            C("GET", "/bureau/audit/export?format=xlsx", PAGE_BUREAU),
        ],
        "disputes.index": [C("GET", "/bureau/disputes/", PAGE_BUREAU)],
        "disputes.resolve": [
            C(
                "POST",
                "/bureau/disputes/{nid}/resolve",
                "302 404 403 403 403 403",
                form=True,
                good={"decision": "rejected", "resolution": "no"},
            ),
        ],
        "jobs.index": [C("GET", "/bureau/jobs/", PAGE_BUREAU)],
        "jobs.month_close": [
            C(
                "POST",
                "/bureau/jobs/month-close",
                "302 ok 403 403 403 403",
                form=True,
                good={"month": "2024-06"},
                bad={"month": "nope"},
            ),
        ],
        # -- pages: chain --------------------------------------------------------------------
        "chain.index": [C("GET", "/chain/", PAGE_CHAIN)],
        "chain.risk": [C("GET", "/chain/risk", PAGE_CHAIN)],
        "chain.export": [C("GET", "/chain/export?format=xlsx", PAGE_CHAIN)],
        "chain_gate.index": [C("GET", "/chain/admission/", PAGE_CHAIN)],
        "chain_gate.supplier": [
            C("GET", "/chain/admission/{x}", "302 403 200 404 403 403"),
            C("GET", "/chain/admission/{y}", "302 403 404 200 403 403"),
            C("GET", "/chain/admission/{none}", "302 403 404 404 403 403"),
            C("POST", "/chain/admission/{x}", "302 403 ok 404 403 403", form=True),
            C("POST", "/chain/admission/{y}", "302 403 404 ok 403 403", form=True),
        ],
        "chain_gate.conditions": [
            C("GET", "/chain/admission/conditions", PAGE_CHAIN),
            C("POST", "/chain/admission/conditions", "302 403 ok ok 403 403", form=True),
        ],
        "chain_codes.index": [C("GET", "/chain/codes/", PAGE_CHAIN)],
        "chain_codes.decide": [
            C("POST", "/chain/codes/appeals/{nid}", "302 403 404 404 403 403", form=True),
        ],
        "chain_ratings.grid": [C("GET", "/chain/ratings/", PAGE_CHAIN)],
        "chain_ratings.save": [
            C("POST", "/chain/ratings/", "302 403 ok ok 403 403", form=True, bad={"period": "x"}),
        ],
        "chain_scheme.edit": [
            C("GET", "/chain/scheme/", PAGE_CHAIN),
            C("POST", "/chain/scheme/", "302 403 ok ok 403 403", form=True),
        ],
        "chain_scheme.versions": [C("GET", "/chain/scheme/versions", PAGE_CHAIN)],
        "chain_suppliers.detail": [
            C("GET", "/chain/suppliers/{x}", "302 403 200 404 403 403"),
            C("GET", "/chain/suppliers/{y}", "302 403 404 200 403 403"),
            C("GET", "/chain/suppliers/{both}", "302 403 200 200 403 403"),
            C("GET", "/chain/suppliers/{none}", "302 403 404 404 403 403"),
        ],
        "chain_suppliers.edit": [
            C(
                "POST",
                "/chain/suppliers/{x}/edit",
                "302 403 ok 404 403 403",
                form=True,
                good={"tier": "2"},
                bad={"tier": "99"},
            ),
            C(
                "POST",
                "/chain/suppliers/{y}/edit",
                "302 403 404 ok 403 403",
                form=True,
                good={"tier": "2"},
                bad={"tier": "99"},
            ),
        ],
        "chain_suppliers.end": [
            C(
                "POST",
                "/chain/suppliers/{x}/end",
                "302 403 ok 404 403 403",
                form=True,
                bad={"left_on": "nope"},
                last=1,
            ),
            C("POST", "/chain/suppliers/{none}/end", "302 403 404 404 403 403", form=True),
        ],
        "chain_suppliers.new": [
            C("GET", "/chain/suppliers/new", PAGE_CHAIN),
            C(
                "POST",
                "/chain/suppliers/new",
                "302 403 ok ok 403 403",
                form=True,
                good={"uscc": "{outsider}"},
                bad={"uscc": "nope"},
            ),
        ],
        "chain_trends.index": [C("GET", "/chain/trends/", PAGE_CHAIN)],
        "chain_trends.series": [C("GET", "/chain/trends/series", PAGE_CHAIN)],
        "chain_trends.export_table": [
            C("GET", "/chain/trends/export/series", PAGE_CHAIN),
            C("GET", "/chain/trends/export/nothing", "302 403 404 404 403 403"),
        ],
        # -- pages: bureau and chain ---------------------------------------------------------
        "imports.index": [
            C("GET", "/imports/", "302 200 200 200 403 403"),
            C("POST", "/imports/", "302 ok ok ok 403 403", form=True),
        ],
        "imports.download_template": [
            C("GET", "/imports/template/ratings.csv", "302 200 200 200 403 403"),
            C("GET", "/imports/template/enterprises.xlsx", "302 200 404 404 403 403"),
        ],
        # -- pages: everyone logged in -------------------------------------------------------
        "notifications.index": [C("GET", "/notifications/", PAGE_ANY)],
        "notifications.mark_one": [
            C("POST", "/notifications/{nid}/read", "302 404 404 404 404 404", form=True),
        ],
        "notifications.mark_all": [
            C("POST", "/notifications/read", "302 ok ok ok ok ok", form=True),
        ],
        # -- pages: SME ----------------------------------------------------------------------
        "sme.index": [C("GET", "/sme/", PAGE_SME)],
        "sme.why": [C("GET", "/sme/why", PAGE_SME)],
        "sme.raise_score": [C("GET", "/sme/raise", PAGE_SME)],
        "sme.records_list": [C("GET", "/sme/records", PAGE_SME)],
        "sme.hazards": [C("GET", "/sme/hazards", PAGE_SME)],
        "sme.report_hazard": [C("POST", "/sme/hazards", "302 403 403 403 ok ok", form=True)],
        "sme.rectify": [
            C(
                "POST",
                f"/sme/hazards/{hx}/rectify",
                "302 403 403 403 ok 404",
                form=True,
                good={"rectified_on": "2024-06-04"},
                bad={"rectified_on": "nope"},
            ),
            C(
                "POST",
                "/sme/hazards/{hazard_y}/rectify",
                "302 403 403 403 404 ok",
                form=True,
                good={"rectified_on": "2024-06-04"},
                bad={"rectified_on": "nope"},
            ),
            C("POST", "/sme/hazards/{nid}/rectify", "302 403 403 403 404 404", form=True),
        ],
        "sme.dispute": [
            C(
                "POST",
                f"/sme/records/hazard/{hx}/dispute",
                "302 403 403 403 ok 404",
                form=True,
                good={"reason": "not ours, this is a test"},
            ),
            C(
                "POST",
                "/sme/records/hazard/{hazard_y}/dispute",
                "302 403 403 403 404 ok",
                form=True,
                good={"reason": "not ours, this is a test"},
            ),
            C("POST", "/sme/records/nothing/{nid}/dispute", "302 403 403 403 404 404", form=True),
        ],
        "sme_chains.index": [C("GET", "/sme/chains/", PAGE_SME)],
        "sme_chains.appeal": [
            C(
                "POST",
                "/sme/chains/appeal/{nid}",
                "302 403 403 403 404 404",
                form=True,
                good={"reason": "a long enough reason"},
            ),
        ],
    }


POLICY = policy()


# -- the harness ---------------------------------------------------------------------------


def seed(db, make, world, token_for) -> dict:
    """Hazards of x and y, a scheme for each chain, a victim user; the ids URLs are built from."""
    hazards = {}
    for key in ("x", "y"):
        hazard = Hazard(
            enterprise_id=world[key].id,
            source_ref=f"H-{key}",
            found_on=date(2024, 6, 3),
            month="2024-06",
            source="self_check",
            description=f"hazard of {key}",
        )
        db.add(hazard)
        db.commit()
        hazards[key] = hazard.id
    make.user("sme", enterprise=world["outsider"], username="victim")
    for chain in ("chain_a", "chain_b"):
        save_scheme(db, world[chain], effective_from="2024-01")
    return {
        "x": world["x"].uscc,
        "y": world["y"].uscc,
        "both": world["both"].uscc,
        "outsider": world["outsider"].uscc,
        "leader_a": world["leader_a"].uscc,
        "none": NONE_USCC,
        "a": world["chain_a"].id,
        "b": world["chain_b"].id,
        "nid": NONE_ID,
        "hazard_x": hazards["x"],
        "hazard_y": hazards["y"],
        "victim": "victim",
    }


def fill(value, ids: dict):
    """Format the placeholders of a body (strings inside dicts and lists)."""
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


class Caller:
    """One role: a test client with a logged-in page session and a bearer token."""

    def __init__(self, app, role: str, user, login, token_for):
        self.role = role
        self.client = app.test_client()
        self.headers = {}
        if user is not None:
            assert login(user, client=self.client).status_code == 302
            self.headers = token_for(user)
            page = self.client.get("/account/password").get_data(as_text=True)
        else:
            page = self.client.get("/login").get_data(as_text=True)
        self.csrf = csrf_token(page)

    def send(self, case: Case, ids: dict, *, admitted: bool):
        path = case.path.format(**ids)
        body = fill(case.bad if admitted else case.good, ids)
        is_api = path.startswith("/api/")
        headers = self.headers if is_api else {}
        query = case.query.get("bad" if admitted else "good", {})
        kwargs = {"headers": headers, "query_string": query or None}
        if case.method in ("POST", "PUT", "PATCH", "DELETE"):
            if case.form:
                kwargs["data"] = {"csrf_token": self.csrf, **(body or {})}
            elif case.files:
                kwargs["data"] = {
                    k: (io.BytesIO(v.encode()), "rows.csv") for k, v in (body or {}).items()
                }
                kwargs["content_type"] = "multipart/form-data"
            elif body is not None or case.method in ("POST", "PUT", "PATCH"):
                kwargs["json"] = body if body is not None else {}
        response = self.client.open(path, method=case.method, **kwargs)
        response.get_data()
        response.close()  # send_file responses keep their file open until closed
        return response


def matches(expected: str, response, *, page: bool) -> bool:
    status = response.status_code
    if expected == "ok":
        login_redirect = status == 302 and "/login" in response.headers.get("Location", "")
        return status in OK and not login_redirect
    if status != int(expected):
        return False
    if expected == "302" and page and status == 302:
        return True
    return True


def anonymous_page_redirects_to_login(role: str, case: Case, response) -> bool:
    """A page that a stranger asks for sends them to /login (not just anywhere)."""
    if role != "anon" or case.path.startswith("/api/") or case.path in PUBLIC_REDIRECTS:
        return True
    if response.status_code != 302:
        return True
    return "/login" in response.headers.get("Location", "")


PUBLIC_REDIRECTS = {"/lang/en", "/logout"}


# Deviations from POLICY found by this matrix: (endpoint, method, path template, role) →
# what the app answers today. Each is a hole or an inconsistency to fix in app code; the
# strict xfail below fails as soon as one is fixed, so the entry is then removed.
KNOWN: dict[tuple[str, str, str, str], int] = {}


@pytest.fixture
def harness(app, db, make, world, login, token_for):
    ids = seed(db, make, world, token_for)
    callers = {
        role: Caller(app, role, world[USERS[role]] if role != "anon" else None, login, token_for)
        for role in ROLES
    }
    return ids, callers


def run_cases(ids, callers, cases, *, known_only: bool):
    failures = []
    ordered = sorted(cases, key=lambda item: item[1].last)
    for endpoint, case in ordered:
        for role, expected in case.statuses().items():
            key = (endpoint, case.method, case.path, role)
            if known_only != (key in KNOWN):
                continue
            admitted = expected not in ("401", "403", "404")
            response = callers[role].send(case, ids, admitted=admitted)
            page = not case.path.startswith("/api/")
            ok = matches(expected, response, page=page)
            ok = ok and anonymous_page_redirects_to_login(role, case, response)
            if response.status_code >= 500:
                ok = False
            if not ok:
                where = response.headers.get("Location", "")
                failures.append(
                    f"{endpoint} {case.method} {case.path} as {role}: expected {expected}, "
                    f"got {response.status_code} {where}"
                )
    return failures


def all_cases():
    return [(endpoint, case) for endpoint, cases in POLICY.items() for case in cases]


def test_every_rule_has_a_policy(app):
    """A new route fails here until it is added to POLICY (with a case for each method)."""
    missing, untested = [], []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        cases = POLICY.get(rule.endpoint)
        if not cases:
            missing.append(f"{rule.endpoint} {rule.rule}")
            continue
        methods = rule.methods - {"HEAD", "OPTIONS"}
        tried = {case.method for case in cases}
        if methods - tried:
            untested.append(f"{rule.endpoint} {sorted(methods - tried)}")
    assert not missing, f"add it to POLICY: {missing}"
    assert not untested, f"add a case to POLICY for these methods: {untested}"
    stale = set(POLICY) - {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not stale, f"POLICY names endpoints that no longer exist: {stale}"


def test_access_matrix(harness):
    """Every case × every role answers as POLICY says (deviations listed in KNOWN aside)."""
    ids, callers = harness
    failures = run_cases(ids, callers, all_cases(), known_only=False)
    assert not failures, "\n".join(failures)


@pytest.mark.xfail(strict=True, reason="holes listed in KNOWN: see the comment of each entry")
def test_known_deviations_are_fixed(harness):
    ids, callers = harness
    if not KNOWN:
        pytest.skip("no known deviation today")
    failures = run_cases(ids, callers, all_cases(), known_only=True)
    assert not failures, "\n".join(failures)


def refused_with_invalid_body(ids, callers) -> list[str]:
    """Write cases sent with the *invalid* body by callers the policy refuses."""
    found = []
    for endpoint, case in sorted(all_cases(), key=lambda item: item[1].last):
        if case.method == "GET" or case.bad == case.good:
            continue
        for role, expected in case.statuses().items():
            if expected not in ("401", "403", "404"):
                continue
            response = callers[role].send(case, ids, admitted=True)  # the invalid body
            if response.status_code != int(expected):
                found.append(
                    f"{endpoint} {case.method} {case.path} as {role}: "
                    f"expected {expected}, got {response.status_code}"
                )
    return found


def test_unauthorised_write_is_refused_before_validation(harness):
    """ASVS 8.2.1: a caller who may not act learns nothing from validation messages (the API's
    access gate, anlian/api/access.py, runs before flask-smorest parses any argument)."""
    ids, callers = harness
    found = refused_with_invalid_body(ids, callers)
    assert not found, "\n".join(found)
    # Not vacuous: the refused callers above really sent invalid bodies.
    assert sum(1 for _, case in all_cases() if case.method != "GET" and case.bad != case.good) > 30


def test_every_api_operation_has_an_access_rule(app):
    """The gate knows every API operation (a missing one would fall back to "signed in") and
    every path argument names an object it resolves, or one it need not (access.INERT)."""
    from anlian.api import access

    undeclared, unknown_args = [], []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint.startswith("api-docs."):
            continue
        declared = access.RULES.get(rule.endpoint, {})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method not in declared:
                undeclared.append(f"{method} {rule.rule} ({rule.endpoint})")
        unknown_args += [
            f"{rule.rule}: <{name}>" for name in rule.arguments - access.RESOLVED - access.INERT
        ]
    assert not undeclared, f"add them to anlian/api/access.py RULES: {undeclared}"
    assert not unknown_args, f"teach anlian/api/access.py::gate to resolve: {unknown_args}"
    stale = set(access.RULES) - {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not stale, f"RULES names endpoints that no longer exist: {stale}"


# -- canaries: bodies, not just status codes (ASVS 8.2.2, 8.4.1) ----------------------------

PERIOD = "2024-06"
A_RATES_BOTH, B_RATES_BOTH = "13.57", "86.42"  # each chain's rating of the shared supplier
CANARIES = {
    "x": "CANARYXNAME",  # chain A's supplier x (and SME X)
    "x_hazard": "CANARYXHAZARD",
    "y": "CANARYYNAME",
    "y_hazard": "CANARYYHAZARD",
    "both": "CANARYBOTHNAME",  # both chains may see it; no SME may
    "a_label": "CANARYASCHEME",  # chain A's own criterion label (also its key below)
    "b_label": "CANARYBSCHEME",
}
# What each role must never receive.
FORBIDDEN = {
    "anon": set(CANARIES) | {"a_rating", "b_rating"},
    "bureau": set(),
    "chain_a": {"y", "y_hazard", "b_label", "b_rating"},
    "chain_b": {"x", "x_hazard", "a_label", "a_rating"},
    "sme_x": {"y", "y_hazard", "both", "b_label", "b_rating", "a_rating"},
    "sme_y": {"x", "x_hazard", "both", "a_label", "a_rating", "b_rating"},
}
CANARY_TEXT = CANARIES | {"a_rating": A_RATES_BOTH, "b_rating": B_RATES_BOTH}


def canary_scheme(tag: str) -> dict:
    """The default scheme with `service` replaced by a criterion carrying the canary."""
    body = scheme_body()
    for criterion in body["criteria"]:
        if criterion["key"] == "service":
            criterion["key"] = tag.lower()[:32]
            criterion["label"] = tag
    return body


def body_text(response) -> str:
    """The response as text; an XLSX is unzipped so the strings of its sheets are seen."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return data.decode("utf-8", "replace")


def canary_urls(ids: dict) -> list[str]:
    """Every GET of POLICY, plus the period-bound views where ratings and hazards show."""
    urls = [
        case.path.format(**ids)
        for endpoint, case in all_cases()
        if case.method == "GET" and endpoint not in ("plotly_js", "api-docs.openapi_json")
    ]
    p = f"period={PERIOD}"
    for chain in ("a", "b"):
        c = ids[chain]
        urls += [
            f"/api/v1/chains/{c}/assessment?{p}",
            f"/api/v1/chains/{c}/ratings?{p}",
            f"/api/v1/chains/{c}/assessment/export?{p}&format=csv",
            f"/api/v1/chains/{c}/assessment/export?{p}&format=xlsx",
            f"/api/v1/chains/{c}/scheme/versions",
            f"/bureau/trends/chains/{c}",
        ]
    for key in ("x", "y", "both"):
        urls += [f"/api/v1/enterprises/{ids[key]}/hazards", f"/chain/suppliers/{ids[key]}"]
    urls += [
        f"/chain/?{p}",
        f"/chain/ratings/?{p}",
        f"/chain/export?{p}&format=csv",
        f"/chain/export?{p}&format=xlsx",
        f"/chain/risk?{p}",
        f"/sme/chains/?{p}",
        "/sme/hazards",
        "/sme/records",
        "/api/v1/enterprises?per_page=500",
        "/api/v1/enterprises?q=CANARY",
        "/bureau/trends/export/chains?format=csv",
    ]
    return urls


@pytest.fixture
def canaried(harness, db, world, token_for):
    """The canaries planted in each tenant's data, ratings of `both` made through the API."""
    ids, callers = harness
    for key in ("x", "y", "both"):
        world[key].name = CANARIES[key]
        db.add(world[key])
    for key in ("x", "y"):
        hazard = db.get(Hazard, ids[f"hazard_{key}"])
        hazard.description = CANARIES[f"{key}_hazard"]
        db.add(hazard)
    db.commit()
    for chain, tag, score in (
        ("a", "CANARYASCHEME", A_RATES_BOTH),
        ("b", "CANARYBSCHEME", B_RATES_BOTH),
    ):
        caller = callers[f"chain_{chain}"]
        put = caller.client.put(
            f"/api/v1/chains/{ids[chain]}/scheme",
            json=canary_scheme(tag) | {"effective_from": "2024-01"},
            headers=caller.headers,
        )
        if put.status_code == 422:  # effective_from is not a field: the default applies
            put = caller.client.put(
                f"/api/v1/chains/{ids[chain]}/scheme",
                json=canary_scheme(tag),
                headers=caller.headers,
            )
        assert put.status_code in (200, 201), put.json
        rated = caller.client.post(
            f"/api/v1/chains/{ids[chain]}/ratings",
            json={
                "period": PERIOD,
                "ratings": [
                    {"uscc": ids["both"], "criterion": "quality", "score": float(score)},
                ],
            },
            headers=caller.headers,
        )
        assert rated.status_code == 200, rated.json
    return ids, callers


def test_no_canary_crosses_tenants(canaried):
    ids, callers = canaried
    leaks, seen_by_bureau = [], set()
    for url in canary_urls(ids):
        for role, caller in callers.items():
            headers = caller.headers if url.startswith("/api/") else {}
            response = caller.client.get(url, headers=headers)
            text = body_text(response)
            response.close()
            for name in FORBIDDEN[role]:
                if CANARY_TEXT[name] in text:
                    leaks.append(f"{role} GET {url} ({response.status_code}) contains {name}")
            if role == "bureau":
                seen_by_bureau |= {n for n, v in CANARY_TEXT.items() if v in text}
    assert not leaks, "\n".join(leaks)
    # The canaries are really there for those who may see them (the check is not vacuous).
    assert seen_by_bureau == set(CANARY_TEXT)


def test_each_chain_sees_only_its_own_rating_of_the_shared_supplier(canaried):
    ids, callers = canaried
    for chain, mine, theirs in (
        ("a", A_RATES_BOTH, B_RATES_BOTH),
        ("b", B_RATES_BOTH, A_RATES_BOTH),
    ):
        caller = callers[f"chain_{chain}"]
        for url in (
            f"/api/v1/chains/{ids[chain]}/ratings?period={PERIOD}",
            f"/api/v1/chains/{ids[chain]}/assessment?period={PERIOD}",
        ):
            response = caller.client.get(url, headers=caller.headers)
            assert response.status_code == 200
            rows = response.json if isinstance(response.json, list) else response.json["items"]
            shared = [r for r in rows if r["uscc"] == ids["both"]]
            assert shared, url
            text = response.get_data(as_text=True)
            assert mine in text and theirs not in text, url
        other = ids["b" if chain == "a" else "a"]
        response = caller.client.get(
            f"/api/v1/chains/{other}/ratings?period={PERIOD}", headers=caller.headers
        )
        assert response.status_code == 404


# -- bulk object references: one foreign row rejects the whole batch -------------------------


def stored_ratings(db, chain_id: int) -> int:
    db.rollback()  # end the read snapshot (WAL): see what the requests committed
    return db.execute(
        select(func.count()).select_from(Rating).where(Rating.chain_id == chain_id)
    ).scalar_one()


def test_ratings_batch_with_a_foreign_supplier_is_rejected_whole(harness, db):
    ids, callers = harness
    caller = callers["chain_a"]
    before = stored_ratings(db, ids["a"])
    for foreign in ("y", "outsider", "none"):
        response = caller.client.post(
            f"/api/v1/chains/{ids['a']}/ratings",
            json={
                "period": PERIOD,
                "ratings": [
                    {"uscc": ids["x"], "criterion": "quality", "score": 70},
                    {"uscc": ids["both"], "criterion": "quality", "score": 71},
                    {"uscc": ids[foreign], "criterion": "quality", "score": 72},
                ],
            },
            headers=caller.headers,
        )
        assert response.status_code in (404, 422), (foreign, response.status_code)
        assert stored_ratings(db, ids["a"]) == before
        assert stored_ratings(db, ids["b"]) == 0


@pytest.mark.parametrize("foreign_chain", [False, True], ids=["foreign-uscc", "foreign-chain"])
def test_ratings_import_with_a_foreign_row_is_rejected_whole(harness, db, foreign_chain):
    ids, callers = harness
    caller = callers["chain_a"]
    foreign = f"{ids['b'] if foreign_chain else ids['a']},{ids['y']},{PERIOD},quality,72\n"
    csv = (
        RATING_FILE
        + f"{ids['a']},{ids['x']},{PERIOD},quality,70\n"
        + f"{ids['a']},{ids['both']},{PERIOD},quality,71\n"
        + foreign
    )
    response = caller.client.post(
        "/api/v1/imports/ratings",
        data={"file": (io.BytesIO(csv.encode()), "ratings.csv")},
        content_type="multipart/form-data",
        headers=caller.headers,
    )
    assert response.status_code in (403, 404, 422), response.status_code
    if response.status_code == 422:
        rows = {e.get("row") for e in response.json["errors"]}
        assert rows == {4} or 4 in rows, response.json  # the foreign row (header is row 1)
    assert stored_ratings(db, ids["a"]) == 0
    assert stored_ratings(db, ids["b"]) == 0
    # The same file without the foreign row goes through: the rejection was that row's.
    ok = caller.client.post(
        "/api/v1/imports/ratings",
        data={"file": (io.BytesIO(csv.removesuffix(foreign).encode()), "ratings.csv")},
        content_type="multipart/form-data",
        headers=caller.headers,
    )
    assert ok.status_code == 200, ok.json
    assert stored_ratings(db, ids["a"]) == 2

"""The chain leader's pages and the SME's "My chains", through the forms (CSRF included)."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from anlian.services import assessment
from models import AdmissionCheck, Appeal, Membership, Rating, Scheme

from .conftest import csrf_token
from .procurement_fixtures import PERIOD, admit, rate, rated_fixture, snapshot, today_fixture  # noqa: F401

PAGES = [
    "/chain/",
    "/chain/risk",
    "/chain/suppliers/new",
    "/chain/scheme/",
    "/chain/scheme/versions",
    "/chain/ratings/",
    "/chain/admission/",
    "/chain/admission/conditions",
    "/chain/codes/",
]


@pytest.fixture
def chain_client(client, login, rated):
    login(rated["chain_a_user"])
    client.get("/lang/en")
    return client


def _count(db, model, *where) -> int:
    db.rollback()  # a fresh snapshot: see what the requests committed
    return db.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_the_chain(chain_client, path, today):
    response = chain_client.get(path)
    assert response.status_code == 200
    assert 'name="viewport"' in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["sme_x_user", "bureau_user"])
def test_chain_pages_are_for_chain_users_only(client, login, rated, today, who):
    login(rated[who])
    assert client.get("/chain/").status_code == 403
    assert client.get("/chain/scheme/").status_code == 403


def test_ranking_shows_standings_filters_and_charts(chain_client, rated, today):
    page = chain_client.get(f"/chain/?period={PERIOD}").get_data(as_text=True)
    for text in (
        rated["x"].name,
        rated["z"].name,
        "80.00",
        "No new orders",
        "incomplete",
        'data-figure="composites"',
        'data-figure="safety-composite"',
        "veto",
    ):
        assert text in page
    only = chain_client.get(f"/chain/?period={PERIOD}&standing=normal").get_data(as_text=True)
    assert rated["x"].name in only and rated["z"].name not in only
    bad = chain_client.get(f"/chain/?period={PERIOD}&grade=Z").get_data(as_text=True)
    assert "Not a valid choice" in bad and rated["z"].name in bad  # the bad filter is ignored


def test_export_page_gives_the_erp_file(chain_client, today):
    response = chain_client.get(f"/chain/export?period={PERIOD}&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value == "period" and sheet.max_row == 4


def test_supplier_detail_shows_history_and_safety(chain_client, db, rated, today):
    page = chain_client.get(f"/chain/suppliers/{rated['x'].uscc}?period={PERIOD}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for part in ("Why this safety score", 'data-figure="history"', "Ratings history", "80"):
        assert part in text
    assert chain_client.get(f"/chain/suppliers/{rated['y'].uscc}").status_code == 404


def _post(client, path, data):
    token = csrf_token(client.get(path).get_data(as_text=True))
    return client.post(path, data=data | {"csrf_token": token})


def test_add_edit_and_end_a_supplier_through_the_forms(chain_client, db, make, rated, today):
    newcomer = make.enterprise(name="新来的供应商")
    bad = _post(
        chain_client,
        "/chain/suppliers/new",
        {"uscc": "91350100M000100Y43", "tier": "1", "joined_on": "2025-07-01"},
    )
    assert bad.status_code == 422
    assert "No enterprise with this USCC is registered." in bad.get_data(as_text=True)
    added = _post(
        chain_client,
        "/chain/suppliers/new",
        {
            "uscc": newcomer.uscc,
            "tier": "2",
            "joined_on": "2025-07-01",
            "annual_spend_cny": "800000",
        },
    )
    assert added.status_code == 302
    detail = f"/chain/suppliers/{newcomer.uscc}"
    token = csrf_token(chain_client.get(detail).get_data(as_text=True))
    edited = chain_client.post(f"{detail}/edit", data={"csrf_token": token, "tier": "12"})
    assert edited.status_code == 422 and "Number must be between 1 and 9" in edited.get_data(
        as_text=True
    )
    # Beyond what the Numeric(16, 2) column holds: a field error, not an overflow (500).
    huge = {"csrf_token": token, "tier": "2", "annual_spend_cny": "100000000000000"}
    edited = chain_client.post(f"{detail}/edit", data=huge)
    assert edited.status_code == 422 and "Number must be between 0" in edited.get_data(as_text=True)
    ended = chain_client.post(f"{detail}/end", data={"csrf_token": token, "left_on": "2025-06-30"})
    assert ended.status_code == 422
    assert "The end date cannot be before the join date." in ended.get_data(as_text=True)
    ended = chain_client.post(f"{detail}/end", data={"csrf_token": token, "left_on": "2025-07-09"})
    assert ended.status_code == 302
    db.rollback()
    row = db.execute(select(Membership).where(Membership.enterprise_id == newcomer.id)).scalar_one()
    assert str(row.left_on) == "2025-07-09" and row.tier == 2


def _scheme_form(page: str, **rows) -> dict:
    """The editor's fields for the default scheme, with some weights replaced."""
    data = {"csrf_token": csrf_token(page), "version": "1", "effective_from": "2025-07"}
    weights = {"safety": "20", "quality": "40", "delivery": "20", "price": "10", "service": "10"}
    weights |= rows
    for i, (key, weight) in enumerate(weights.items()):
        data |= {
            f"criteria-{i}-key": key,
            f"criteria-{i}-label": key,
            f"criteria-{i}-weight": weight,
        }
    bands = [
        ("85", "优选", "green", "preferred", "2"),
        ("0", "暂停", "red", "suspend_new_orders", "-5"),
    ]
    for i, (low, name, color, act, adj) in enumerate(bands):
        data |= {
            f"bands-{i}-min_score": low,
            f"bands-{i}-label": name,
            f"bands-{i}-color": color,
            f"bands-{i}-order_action": act,
            f"bands-{i}-settlement_adjustment_pct": adj,
        }
    return data


def test_scheme_editor_refuses_a_low_safety_weight_and_saves_a_valid_one(chain_client, db, today):
    page = chain_client.get("/chain/scheme/").get_data(as_text=True)
    assert 'src="/static/scheme.js"' in page and "data-msg-safety" in page
    refused = chain_client.post(
        "/chain/scheme/", data=_scheme_form(page, safety="9.99", quality="50.01")
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "The safety weight must be at least 10%" in text
    assert _count(db, Scheme) == 1
    off = chain_client.post("/chain/scheme/", data=_scheme_form(page, quality="39.99"))
    assert "add up to exactly 100 (now 99.99)" in off.get_data(as_text=True)
    saved = chain_client.post("/chain/scheme/", data=_scheme_form(page, safety="30", quality="30"))
    assert saved.status_code == 302 and _count(db, Scheme) == 2
    stale = chain_client.post("/chain/scheme/", data=_scheme_form(page))  # still says version 1
    assert stale.status_code == 422 and "Someone else saved" in stale.get_data(as_text=True)
    history = chain_client.get("/chain/scheme/versions").get_data(as_text=True)
    assert "Version 2" in history and "Version 1" in history


def test_ratings_grid_saves_all_or_nothing(chain_client, db, rated, today):
    path = f"/chain/ratings/?period={PERIOD}"
    page = chain_client.get(path).get_data(as_text=True)
    z = rated["z"].uscc
    assert f'name="r-{z}-delivery"' in page and "r-" + z + "-safety" not in page
    data = {
        "csrf_token": csrf_token(page),
        "period": PERIOD,
        f"r-{z}-delivery": "77",
        f"r-{z}-quality": "101",
    }
    refused = chain_client.post("/chain/ratings/", data=data)
    assert refused.status_code == 422 and "between 0 and 100" in refused.get_data(as_text=True)
    assert (
        _count(db, Rating, Rating.criterion == "delivery", Rating.enterprise_id == rated["z"].id)
        == 0
    )
    data[f"r-{z}-quality"] = "91.5"
    assert chain_client.post("/chain/ratings/", data=data).status_code == 302
    db.rollback()
    row = next(
        r for r in assessment.assess_chain(db, rated["chain_a"], period=PERIOD) if r["uscc"] == z
    )
    # 0.2·88.5 + 0.4·91.5 + 0.2·77 + 0.1·90 + 0.1·90 = 87.7
    assert row["complete"] and row["composite"] == 87.7


def test_admission_checklist_form(chain_client, db, rated, today):
    path = f"/chain/admission/{rated['x'].uscc}"
    page = chain_client.get(path).get_data(as_text=True)
    assert "Emergency plan and drills" in page
    data = {"csrf_token": csrf_token(page)}
    for i in range(8):
        data[f"checks-{i}-key"] = [
            "responsibility",
            "standardization",
            "risk_control",
            "hazard_rectification",
            "emergency",
            "training",
            "certified",
            "reporting_insurance",
        ][i]
        if i != 4:
            data[f"checks-{i}-met"] = "y"
    data["checks-0-verified_on"] = "2099-01-01"
    refused = chain_client.post(path, data=data)
    assert refused.status_code == 422 and "cannot be in the future" in refused.get_data(
        as_text=True
    )
    data["checks-0-verified_on"] = "2025-07-01"
    assert chain_client.post(path, data=data).status_code == 302
    db.rollback()
    missing = db.execute(
        select(AdmissionCheck.condition_key).where(
            AdmissionCheck.enterprise_id == rated["x"].id, AdmissionCheck.met.is_(False)
        )
    ).scalars()
    assert list(missing) == ["emergency"]


def _red_code(db, world):
    """x fails two closed periods in a row: red."""
    chain, x = world["chain_a"], world["x"]
    for month in ("2025-04", "2025-05"):
        snapshot(db, x, month, 40)
        rate(db, chain, x, month, quality=50, delivery=50, price=50, service=50)
        assessment.close_period(db, month=month)
    db.commit()


def test_sme_sees_its_standing_and_appeals_and_the_chain_decides(client, login, db, rated, today):
    _red_code(db, rated)
    login(rated["sme_x_user"])
    client.get("/lang/en")
    page = client.get("/sme/chains/?period=2025-05").get_data(as_text=True)
    assert rated["chain_a"].name in page and "Red code" in page
    assert "weighs 20% in this chain" in page
    action = page.split('action="/sme/chains/appeal/')[1].split('"')[0]
    short = client.post(
        f"/sme/chains/appeal/{action}?period=2025-05",
        data={"csrf_token": csrf_token(page), "reason": "no"},
    )
    assert short.status_code == 422
    assert "between 10 and 2000 characters" in short.get_data(as_text=True)
    sent = client.post(
        f"/sme/chains/appeal/{action}",
        data={"csrf_token": csrf_token(page), "reason": "五月的评分录入有误，请核实。"},
    )
    assert sent.status_code == 302 and _count(db, Appeal) == 1
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    login(rated["chain_a_user"])
    codes_page = client.get("/chain/codes/").get_data(as_text=True)
    assert "五月的评分录入有误" in codes_page
    appeal_id = db.execute(select(Appeal.id)).scalar_one()
    decided = client.post(
        f"/chain/codes/appeals/{appeal_id}",
        data={"csrf_token": csrf_token(codes_page), "decision": "upheld", "note": "核实属实"},
    )
    assert decided.status_code == 302
    db.rollback()
    assert db.get(Appeal, appeal_id).status == "upheld"


def test_sme_page_is_for_smes_and_shows_only_its_chains(client, login, rated, today):
    login(rated["sme_y_user"])
    page = client.get(f"/sme/chains/?period={PERIOD}").get_data(as_text=True)
    assert rated["chain_b"].name in page and rated["chain_a"].name not in page
    login(rated["chain_a_user"])
    assert client.get("/sme/chains/").status_code == 403

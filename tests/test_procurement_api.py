"""Suppliers, ratings, the assessment and its export through the API, and who sees what."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models import AuditEvent, Enterprise, Membership, Rating

from .procurement_fixtures import PERIOD, rated_fixture, save_scheme, today_fixture  # noqa: F401

EN = {"Accept-Language": "en"}


def _url(chain, tail: str) -> str:
    return f"/api/v1/chains/{chain.id}/{tail}"


def test_add_list_change_and_end_a_supplier(client, db, make, world, token_for, today):
    headers = token_for(world["chain_a_user"]) | EN
    newcomer = make.enterprise(name="新供应商")
    chain = world["chain_a"]
    added = client.post(
        _url(chain, "suppliers"),
        headers=headers,
        json={"uscc": newcomer.uscc, "tier": 2, "annual_spend_cny": 1200000.5},
    )
    assert added.status_code == 201, added.json
    assert (added.json["joined_on"], added.json["tier"]) == ("2025-07-10", 2)
    assert added.json["annual_spend_cny"] == 1200000.5
    listed = client.get(_url(chain, "suppliers"), headers=headers).json
    assert listed["total"] == 3 and newcomer.uscc in {i["uscc"] for i in listed["items"]}
    changed = client.patch(
        _url(chain, f"suppliers/{newcomer.uscc}"),
        headers=headers,
        json={"annual_spend_cny": None, "tier": 1},
    )
    assert changed.json["annual_spend_cny"] is None and changed.json["tier"] == 1
    ended = client.delete(
        _url(chain, f"suppliers/{newcomer.uscc}?left_on=2025-07-31"), headers=headers
    )
    assert ended.status_code == 200 and ended.json["left_on"] == "2025-07-31"
    assert (
        client.delete(_url(chain, f"suppliers/{newcomer.uscc}"), headers=headers).status_code == 404
    )
    assert (
        db.execute(
            select(func.count())
            .select_from(Membership)
            .where(Membership.enterprise_id == newcomer.id)
        ).scalar_one()
        == 1
    )  # history kept
    actions = db.execute(select(AuditEvent.action).where(AuditEvent.entity == "membership"))
    assert list(actions.scalars()) == ["create", "update", "end"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"uscc": "91350582MA0000999X"}, "uscc", "check"),
        ({"uscc": "VALID_UNKNOWN"}, "uscc", "No enterprise with this USCC is registered."),
        ({"uscc": "X", "tier": 10}, "tier", "between 1 and 9"),
        ({"uscc": "X", "annual_spend_cny": -1}, "annual_spend_cny", "at least 0"),
        ({"uscc": "X", "annual_spend_cny": 1.234}, "annual_spend_cny", "2 decimals"),
        ({"uscc": "LEADER"}, "uscc", "cannot be its own supplier"),
        ({"uscc": "MEMBER"}, "uscc", "already a supplier"),
    ],
)
def test_supplier_input_errors(client, db, make, world, token_for, today, body, field, message):
    spare = make.enterprise()
    codes = {
        "X": spare.uscc,
        "LEADER": world["leader_a"].uscc,
        "MEMBER": world["x"].uscc,
        "VALID_UNKNOWN": "91350100M000100Y43",
    }
    body = body | {"uscc": codes.get(body["uscc"], body["uscc"])}
    response = client.post(
        _url(world["chain_a"], "suppliers"),
        json=body,
        headers=token_for(world["chain_a_user"]) | EN,
    )
    assert response.status_code == 422
    assert message in " ".join(response.json["errors"][field])
    assert db.execute(select(func.count()).select_from(Membership)).scalar_one() == 4


def test_ratings_upsert_and_refusals(client, db, rated, token_for, today):
    chain, x = rated["chain_a"], rated["x"]
    headers = token_for(rated["chain_a_user"]) | EN
    body = {
        "period": PERIOD,
        "ratings": [
            {"uscc": x.uscc, "criterion": "quality", "score": 85},
            {"uscc": x.uscc, "criterion": "delivery", "score": 70},
            {"uscc": rated["z"].uscc, "criterion": "delivery", "score": 66.5},
        ],
    }
    response = client.post(_url(chain, "ratings"), json=body, headers=headers)
    assert response.json == {"inserted": 1, "updated": 1, "unchanged": 1}
    again = client.post(_url(chain, "ratings"), json=body, headers=headers)
    assert again.json == {"inserted": 0, "updated": 0, "unchanged": 3}
    listed = client.get(_url(chain, f"ratings?period={PERIOD}"), headers=headers).json
    assert {"uscc": x.uscc, "criterion": "quality", "score": 85.0} in listed
    before = db.execute(select(func.count()).select_from(Rating)).scalar_one()
    bad = {
        "period": PERIOD,
        "ratings": [
            {"uscc": x.uscc, "criterion": "safety", "score": 99},
            {"uscc": rated["y"].uscc, "criterion": "quality", "score": 80},
            {"uscc": x.uscc, "criterion": "colour", "score": 80},
            {"uscc": x.uscc, "criterion": "price", "score": 80.123},
        ],
    }
    refused = client.post(_url(chain, "ratings"), json=bad, headers=headers)
    assert refused.status_code == 422
    errors = refused.json["errors"]
    assert "Safety cannot be rated by hand" in errors["ratings[0].criterion"][0]
    assert "Not a supplier of the chain" in errors["ratings[1].uscc"][0]
    assert "Not a criterion of the scheme" in errors["ratings[2].criterion"][0]
    assert "2 decimals" in errors["ratings[3].score"][0]
    assert db.execute(select(func.count()).select_from(Rating)).scalar_one() == before
    future = client.post(
        _url(chain, "ratings"), headers=headers, json={"period": "2025-08", "ratings": []}
    )
    assert future.status_code == 422 and "future" in future.json["errors"]["period"][0]
    bureau = client.post(_url(chain, "ratings"), json=body, headers=token_for(rated["bureau_user"]))
    assert bureau.status_code == 403


def test_assessment_rows_and_filters(client, rated, token_for, today):
    headers = token_for(rated["chain_a_user"])
    body = client.get(_url(rated["chain_a"], f"assessment?period={PERIOD}"), headers=headers).json
    assert body["period"] == PERIOD and body["scheme_version"] == 1 and body["total"] == 3
    first, second, last = body["items"]
    assert (first["uscc"], first["composite"], first["veto"]) == (rated["both"].uscc, 90.0, True)
    assert (second["uscc"], second["standing"], second["settlement_adjustment_pct"]) == (
        rated["x"].uscc,
        "合格",
        0,
    )
    assert last["complete"] is False and last["composite"] is None
    assert set(first) >= {
        "uscc",
        "name",
        "safety_score",
        "criteria",
        "composite",
        "standing",
        "order_action",
        "settlement_adjustment_pct",
        "complete",
        "veto",
    }
    default = client.get(_url(rated["chain_a"], "assessment"), headers=headers).json
    assert default["period"] == PERIOD  # the month that ended last
    only = client.get(
        _url(rated["chain_a"], "assessment?standing=normal&sort=safety"), headers=headers
    ).json
    assert [i["uscc"] for i in only["items"]] == [rated["x"].uscc]
    paged = client.get(_url(rated["chain_a"], "assessment?per_page=1&page=2"), headers=headers).json
    assert [i["uscc"] for i in paged["items"]] == [rated["x"].uscc] and paged["total"] == 3
    for bad in ("period=2025-13", "period=2099-01", "grade=E", "sort=colour"):
        response = client.get(_url(rated["chain_a"], f"assessment?{bad}"), headers=headers)
        assert response.status_code == 422


def test_sme_sees_only_its_own_row(client, rated, token_for, today):
    own = client.get(
        _url(rated["chain_a"], f"assessment?period={PERIOD}"),
        headers=token_for(rated["sme_x_user"]),
    ).json
    assert [i["uscc"] for i in own["items"]] == [rated["x"].uscc] and own["total"] == 1
    assert own["items"][0]["rank"] is None and own["items"][0]["composite"] == 80.0
    response = client.get(
        _url(rated["chain_a"], f"assessment/export?period={PERIOD}"),
        headers=token_for(rated["sme_x_user"]),
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "tail",
    [
        "scheme",
        "scheme/versions",
        "suppliers",
        "assessment",
        "assessment/export",
        "ratings?period=2025-06",
    ],
)
def test_another_chain_gets_404_everywhere(client, rated, token_for, today, tail):
    save_scheme_for_b = rated["chain_b"]  # chain B asks about chain A
    assert save_scheme_for_b.id != rated["chain_a"].id
    response = client.get(_url(rated["chain_a"], tail), headers=token_for(rated["chain_b_user"]))
    assert response.status_code == 404
    assert rated["x"].uscc not in response.get_data(as_text=True)
    writes = [
        client.post(
            _url(rated["chain_a"], "suppliers"),
            json={"uscc": rated["y"].uscc},
            headers=token_for(rated["chain_b_user"]),
        ),
        client.delete(
            _url(rated["chain_a"], f"suppliers/{rated['x'].uscc}"),
            headers=token_for(rated["chain_b_user"]),
        ),
    ]
    assert [w.status_code for w in writes] == [404, 404]


def test_sme_of_another_chain_gets_404(client, rated, token_for, today):
    response = client.get(
        _url(rated["chain_a"], "assessment"), headers=token_for(rated["sme_y_user"])
    )
    assert response.status_code == 404


def test_export_csv_and_xlsx_neutralise_formulas(client, db, rated, token_for, today):
    x = db.get(Enterprise, rated["x"].id)
    x.name = '=HYPERLINK("http://evil")'
    db.commit()
    headers = token_for(rated["chain_a_user"])
    response = client.get(
        _url(rated["chain_a"], f"assessment/export?period={PERIOD}"), headers=headers
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["order_action"] for r in rows] == ["suspend_new_orders", "normal", ""]
    assert rows[1]["name"].startswith("'=") and float(rows[1]["settlement_adjustment_pct"]) == 0
    assert list(rows[0])[:6] == ["period", "uscc", "name", "rank", "safety_score", "grade"]
    xlsx = client.get(
        _url(rated["chain_a"], f"assessment/export?period={PERIOD}&format=xlsx"), headers=headers
    )
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    names = [cell.value for cell in sheet["C"]]
    assert '\'=HYPERLINK("http://evil")' in names
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize(
    ("language", "message"), [("zh", "不允许使用特殊数值"), ("en", "nan or infinity")]
)
def test_a_special_number_is_refused_in_the_callers_language(
    client, db, make, world, token_for, language, message
):
    response = client.post(
        _url(world["chain_a"], "suppliers"),
        json={"uscc": make.enterprise().uscc, "annual_spend_cny": "NaN"},
        headers=token_for(world["chain_a_user"]) | {"Accept-Language": language},
    )
    assert response.status_code == 422
    assert message in " ".join(response.json["errors"]["annual_spend_cny"])
    assert db.execute(select(func.count()).select_from(Membership)).scalar_one() == 4

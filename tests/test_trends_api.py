"""/trends: monthly series by scope and group, who may ask for what, and input errors."""

import pytest

from tests import trends_fixtures

hand = trends_fixtures.hand

EN = {"Accept-Language": "en"}


@pytest.fixture
def trends_as(client, token_for):
    def get(user, path="/api/v1/trends", **params):
        return client.get(path, query_string=params, headers=token_for(user) | EN)

    return get


@pytest.fixture
def bureau(make):
    return make.user("bureau")


def _by_month(body) -> dict:
    return {row["month"]: row for row in body["items"]}


def test_chain_members_month_by_month(hand, trends_as, bureau):
    response = trends_as(bureau, scope=f"chain:{hand['chain_a'].id}", group="members")
    assert response.status_code == 200
    body = response.json
    assert (body["from"], body["to"], len(body["items"])) == ("2024-01", "2024-12", 12)
    rows = _by_month(body)
    # s1 from May; s2 in July and August (it left on 15 September).
    assert [rows[m]["hours"] for m in ("2024-04", "2024-05", "2024-08", "2024-09")] == [
        0, 10_000, 20_000, 10_000,
    ]  # fmt: skip
    assert rows["2024-04"]["injury_rate"] is None and rows["2024-04"]["enterprises"] == 0
    assert rows["2024-06"]["cases"] == 1 and rows["2024-06"]["injury_rate"] == 100.0
    assert rows["2024-08"]["enforcement_cases"] == 1
    assert rows["2024-08"]["enforcement_rate"] == 50.0
    assert rows["2024-08"]["penalty_per_enterprise"] == 500.0
    assert rows["2024-06"]["accidents_official_only"] == 1
    assert rows["2024-06"]["official_only_share"] == 100.0


def test_non_members_leave_out_suppliers_and_leaders(hand, trends_as, bureau):
    rows = _by_month(trends_as(bureau, scope="city", group="non_members").json)
    assert all(row["hours"] == 20_000 for row in rows.values())
    assert rows["2024-02"]["cases"] == 1  # n1 only: the leader's three are not here
    assert rows["2024-02"]["injury_rate"] == 50.0


def test_city_all_counts_everyone(hand, trends_as, bureau):
    rows = _by_month(trends_as(bureau, scope="city", group="all").json)
    assert rows["2024-02"]["cases"] == 4 and rows["2024-02"]["hours"] == 80_000  # 8 firms
    assert rows["2024-06"]["hours"] == 70_000  # s4 worked no hours in June
    assert rows["2024-06"]["enterprises"] == 7


def test_zero_hour_month_in_a_chain(hand, trends_as, bureau):
    rows = _by_month(trends_as(bureau, scope=f"chain:{hand['chain_b'].id}", group="members").json)
    assert rows["2024-06"]["hours"] == 10_000 and rows["2024-06"]["enterprises"] == 1
    assert rows["2024-03"]["cases"] == 4  # s3 is a member from February


def test_industry_town_and_period(hand, make, trends_as, bureau):
    body = trends_as(
        bureau, scope="industry:footwear_apparel", **{"from": "2024-03", "to": "2024-04"}
    )
    assert [row["month"] for row in body.json["items"]] == ["2024-03", "2024-04"]
    empty = trends_as(bureau, scope="industry:food").json
    assert all(row["hours"] == 0 for row in empty["items"])
    town = trends_as(bureau, scope="town:陈埭镇", group="all").json
    assert _by_month(town)["2024-02"]["cases"] == 4


def test_mean_score_comes_from_closed_snapshots(hand, db, trends_as, bureau):
    from models import ScoreSnapshot

    for firm, score in ((hand["n1"], 80.0), (hand["n2"], 70.0)):
        db.add(ScoreSnapshot(enterprise_id=firm.id, month="2024-03", kind="closed",
                             model_version="t", score=score, grade="C", color="orange",
                             components={}))  # fmt: skip
    db.add(ScoreSnapshot(enterprise_id=hand["n1"].id, month="2024-04", kind="provisional",
                         model_version="t", score=10.0, grade="D", color="red",
                         components={}))  # fmt: skip
    db.commit()
    rows = _by_month(trends_as(bureau, scope="city", group="non_members").json)
    assert rows["2024-03"]["mean_score"] == 75.0 and rows["2024-04"]["mean_score"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"scope": "country"}, "scope"),
        ({"scope": "chain:abc"}, "scope"),
        ({"scope": "industry:shoes"}, "scope"),
        ({"scope": "town:Paris"}, "scope"),
        ({"group": "everyone"}, "group"),
        ({"from": "2024-13"}, "from"),
        ({"from": "2024-05", "to": "2024-01"}, "to"),
        ({"from": "2000-01", "to": "2024-01"}, "to"),
    ],
)
def test_bad_input_is_422_naming_the_field(hand, trends_as, bureau, params, field):
    response = trends_as(bureau, **params)
    assert response.status_code == 422
    assert field in response.json["errors"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"chain": "x"}, "chain"), ({"window": "0"}, "window"), ({"window": "abc"}, "window")],
)
def test_bad_effect_input_is_422(hand, trends_as, bureau, params, field):
    response = trends_as(bureau, "/api/v1/trends/effect", **params)
    assert response.status_code == 422 and field in response.json["errors"]


def test_unknown_chain_is_404_for_the_bureau(hand, trends_as, bureau):
    assert trends_as(bureau, scope="chain:99999").status_code == 404
    assert trends_as(bureau, "/api/v1/trends/effect", chain="99999").status_code == 404


def test_no_token_is_401(client):
    assert client.get("/api/v1/trends").status_code == 401
    assert client.get("/api/v1/trends/effect").status_code == 401


def test_openapi_describes_both(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/trends" in paths and "/api/v1/trends/effect" in paths

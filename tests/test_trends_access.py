"""Who may see which trends: bureau any scope, a chain only its own chain, an SME nothing."""

import pytest

EN = {"Accept-Language": "en"}
SERIES, EFFECT = "/api/v1/trends", "/api/v1/trends/effect"


def _status(client, token_for, user, path, **params):
    return client.get(path, query_string=params, headers=token_for(user) | EN).status_code


@pytest.mark.parametrize(
    ("who", "path", "params", "expected"),
    [
        ("bureau_user", SERIES, {"scope": "city"}, 200),
        ("bureau_user", SERIES, {"scope": "chain:{b}"}, 200),
        ("bureau_user", SERIES, {"scope": "industry:food"}, 200),
        ("bureau_user", EFFECT, {"chain": "all"}, 200),
        ("chain_a_user", SERIES, {"scope": "chain:{a}", "group": "members"}, 200),
        ("chain_a_user", SERIES, {"scope": "chain:{a}", "group": "non_members"}, 200),
        ("chain_a_user", SERIES, {"scope": "chain:{b}"}, 404),
        ("chain_a_user", SERIES, {"scope": "city"}, 403),
        ("chain_a_user", SERIES, {"scope": "industry:food"}, 403),
        ("chain_a_user", SERIES, {"scope": "town:陈埭镇"}, 403),
        ("chain_a_user", EFFECT, {"chain": "{a}"}, 200),
        ("chain_a_user", EFFECT, {"chain": "{b}"}, 404),
        ("chain_a_user", EFFECT, {"chain": "all"}, 403),
        ("sme_x_user", SERIES, {"scope": "chain:{a}"}, 403),
        ("sme_x_user", SERIES, {"scope": "city"}, 403),
        ("sme_x_user", EFFECT, {"chain": "{a}"}, 403),
    ],
)
def test_trend_scoping_matrix(client, world, token_for, who, path, params, expected):
    ids = {"a": world["chain_a"].id, "b": world["chain_b"].id}
    params = {k: v.format(**ids) for k, v in params.items()}
    assert _status(client, token_for, world[who], path, **params) == expected


def test_chain_all_group_is_its_suppliers_past_and_present(client, world, token_for, db):
    from models import WorkHours

    for firm in ("x", "y", "both", "outsider", "leader_a"):
        db.add(WorkHours(enterprise_id=world[firm].id, month="2025-01", hours=100.0))
    db.commit()
    from anlian.services import rollup

    rollup.rebuild_all(db)
    db.commit()
    headers = token_for(world["chain_a_user"]) | EN
    scope = f"chain:{world['chain_a'].id}"
    body = client.get(SERIES, query_string={"scope": scope, "group": "all"}, headers=headers).json
    assert body["items"][0]["hours"] == 200.0  # x and both; not y, the outsider or the leader
    body = client.get(
        SERIES, query_string={"scope": scope, "group": "non_members"}, headers=headers
    ).json
    assert body["items"][0]["hours"] == 100.0  # the outsider, in aggregate only

"""Scoping: every role sees its own and nothing else (404, never a hint that it exists)."""

import pytest


def _get(client, headers, path):
    return client.get(path, headers=headers)


@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("bureau_user", "x", 200),
        ("bureau_user", "outsider", 200),
        ("chain_a_user", "x", 200),
        ("chain_a_user", "both", 200),
        ("chain_a_user", "y", 404),
        ("chain_a_user", "outsider", 404),
        ("sme_x_user", "x", 200),
        ("sme_x_user", "y", 404),
        ("sme_x_user", "both", 404),
        ("sme_y_user", "x", 404),
    ],
)
def test_enterprise_detail_matrix(client, world, token_for, who, target, status):
    headers = token_for(world[who])
    response = _get(client, headers, f"/api/v1/enterprises/{world[target].uscc}")
    assert response.status_code == status
    if status == 404:
        assert world[target].name not in response.get_data(as_text=True)


def test_unknown_enterprise_is_404_for_everyone(client, world, token_for):
    for who in ("bureau_user", "chain_a_user", "sme_x_user"):
        response = _get(client, token_for(world[who]), "/api/v1/enterprises/91350100M000100Y43")
        assert response.status_code == 404


def _usccs(response):
    return {item["uscc"] for item in response.json["items"]}


def test_lists_are_scoped(client, world, token_for):
    chain_a = _usccs(_get(client, token_for(world["chain_a_user"]), "/api/v1/enterprises"))
    # Its suppliers and its own leader enterprise; nobody else.
    assert chain_a == {world["x"].uscc, world["both"].uscc, world["leader_a"].uscc}
    sme = _usccs(_get(client, token_for(world["sme_x_user"]), "/api/v1/enterprises"))
    assert sme == {world["x"].uscc}
    everything = _get(client, token_for(world["bureau_user"]), "/api/v1/enterprises?per_page=500")
    assert everything.json["total"] == 6  # four firms and two leaders


def test_list_filters_cannot_widen_scope(client, world, token_for):
    chain_b = world["chain_b"].id
    response = _get(
        client, token_for(world["chain_a_user"]), f"/api/v1/enterprises?chain_id={chain_b}"
    )
    assert _usccs(response) == {world["both"].uscc}


def test_chains_are_scoped(client, world, token_for):
    def ids(who):
        return {c["id"] for c in _get(client, token_for(world[who]), "/api/v1/chains").json}

    a, b = world["chain_a"].id, world["chain_b"].id
    assert ids("bureau_user") == {a, b}
    assert ids("chain_a_user") == {a}
    assert ids("sme_x_user") == {a}
    assert ids("sme_y_user") == {b}


def test_only_the_bureau_registers_enterprises_and_chains(client, world, token_for):
    body = {"uscc": "91350100M000100Y43", "name": "新企业", "industry": "food", "town": "陈埭镇"}
    for who in ("chain_a_user", "sme_x_user"):
        headers = token_for(world[who])
        assert client.post("/api/v1/enterprises", json=body, headers=headers).status_code == 403
        chain = {"name": "新链", "leader_uscc": world["x"].uscc, "joined_on": "2024-01-01"}
        assert client.post("/api/v1/chains", json=chain, headers=headers).status_code == 403
    headers = token_for(world["bureau_user"])
    assert client.post("/api/v1/enterprises", json=body, headers=headers).status_code == 201


def test_sme_page_shows_only_its_own_chains(client, world, login):
    login(world["sme_x_user"])
    page = client.get("/sme/").get_data(as_text=True)
    assert world["chain_a"].name in page and world["chain_b"].name not in page


@pytest.mark.parametrize(
    ("role", "kind", "source", "own", "allowed"),
    [
        ("bureau", "accident", None, False, True),
        ("sme", "accident", None, True, False),
        ("sme", "inspection", None, True, False),
        ("sme", "hazard", None, True, False),
        ("sme", "hazard", "inspection", True, False),
        ("sme", "hazard", "self_check", True, True),
        ("sme", "hazard", "self_check", False, False),
        ("sme", "rectify", None, True, True),
        ("sme", "rectify", None, False, False),
        ("sme", "work_hours", None, True, True),
        ("chain", "hazard", "self_check", True, False),
        ("chain", "work_hours", None, True, False),
    ],
)
def test_record_write_rules(role, kind, source, own, allowed):
    from anlian.scope import Scope, can_write_records

    scope = Scope(
        role=role,
        enterprise_id=7 if role == "sme" else None,
        chain_id=3 if role == "chain" else None,
    )
    target = 7 if own else 8
    assert can_write_records(scope, target, kind, hazard_source=source) is allowed

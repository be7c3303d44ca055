"""Assessment schemes: the validation table, versions, the version check (409), the database
check, scoping, and the audit trail."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from anlian.services.scheme_rules import scheme_problems
from models import AuditEvent, Scheme

from .procurement_fixtures import BANDS, scheme_body, today_fixture, with_weights  # noqa: F401

EN = {"Accept-Language": "en"}


def _put(client, headers, chain_id, body):
    return client.put(f"/api/v1/chains/{chain_id}/scheme", json=body, headers=headers | EN)


def _count(db, model) -> int:
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def _messages(response) -> str:
    return " ".join(str(m) for ms in response.json["errors"].values() for m in ms)


@pytest.mark.parametrize(
    ("criteria", "bands", "status", "message"),
    [
        (
            with_weights(safety=9.99, quality=50.01),
            BANDS,
            422,
            "The safety weight must be at least 10%",
        ),
        (with_weights(safety=10, quality=50), BANDS, 200, None),
        (
            with_weights(safety=0.01, quality=59.99),
            BANDS,
            422,
            "The safety weight must be at least 10%",
        ),
        (
            [c for c in with_weights(quality=60) if c["key"] != "safety"],
            BANDS,
            422,
            "must include the safety criterion",
        ),
        (with_weights(quality=39.99), BANDS, 422, "add up to exactly 100 (now 99.99)"),
        (with_weights(quality=40.01), BANDS, 422, "add up to exactly 100 (now 100.01)"),
        (
            with_weights(price=5, service=5) + [{"key": "price", "label": "x", "weight": 10}],
            BANDS,
            422,
            "appears more than once",
        ),
        (with_weights(quality=39.995, delivery=20.005), BANDS, 422, "up to 2 decimals"),
        (with_weights(), BANDS[:2] + [BANDS[2] | {"min_score": 70}] + BANDS[3:], 422, "overlap"),
        (with_weights(), BANDS[:3], 422, "lowest band must start at 0"),
        (
            with_weights(),
            [BANDS[0] | {"max_score": 100}, BANDS[1] | {"max_score": 90}, *BANDS[2:]],
            422,
            "overlap",
        ),
        (with_weights(), [BANDS[0], BANDS[1] | {"max_score": 80}, *BANDS[2:]], 422, "gap"),
        (with_weights(), [BANDS[0] | {"min_score": 100.5}, *BANDS[1:]], 422, "between 0 and 100"),
        (with_weights(), BANDS[3:], 422, "At least two standing bands"),
    ],
)
def test_validation_table(client, db, world, token_for, today, criteria, bands, status, message):
    headers = token_for(world["chain_a_user"])
    response = _put(client, headers, world["chain_a"].id, {"criteria": criteria, "bands": bands})
    assert response.status_code == status, response.json
    if status == 422:
        assert message in _messages(response)
        assert _count(db, Scheme) == 0 and _count(db, AuditEvent) == 0  # nothing written


def test_safety_rule_message_in_chinese(client, world, token_for, today):
    body = scheme_body(criteria=with_weights(safety=9, quality=51))
    response = client.put(
        f"/api/v1/chains/{world['chain_a'].id}/scheme",
        json=body,
        headers=token_for(world["chain_a_user"]) | {"Accept-Language": "zh"},
    )
    assert response.status_code == 422
    text = " ".join(response.json["errors"]["criteria"])  # parsed: \u escapes or not
    assert "安全生产权重不得低于10%" in text


def test_service_refuses_what_the_schema_refuses():
    errors = scheme_problems(with_weights(safety=9.99, quality=50.01), BANDS)
    assert errors == {"criteria": ["The safety weight must be at least 10%"]}
    assert scheme_problems(with_weights(), BANDS) == {}


def test_the_database_refuses_a_safety_weight_below_10_percent(db, world):
    stored = [{"key": "safety", "label": "安全", "weight_bp": 999}]
    db.add(
        Scheme(
            chain_id=world["chain_a"].id,
            version=1,
            effective_from="2025-01",
            safety_weight_bp=999,
            criteria=stored,
            bands=[],
        )
    )
    with pytest.raises(IntegrityError, match="ck_scheme_safety_min_10pct"):
        db.flush()
    db.rollback()


def test_versions_get_and_audit(client, db, world, token_for, today):
    headers = token_for(world["chain_a_user"])
    chain_id = world["chain_a"].id
    assert client.get(f"/api/v1/chains/{chain_id}/scheme", headers=headers).status_code == 404
    first = _put(client, headers, chain_id, scheme_body(effective_from="2025-01"))
    assert first.status_code == 200 and first.json["version"] == 1
    assert first.headers["ETag"] == '"1"'
    second = _put(
        client,
        headers,
        chain_id,
        scheme_body(criteria=with_weights(safety=30, quality=30), version=1),
    )
    assert second.json["version"] == 2 and second.json["effective_from"] == "2025-07"
    current = client.get(f"/api/v1/chains/{chain_id}/scheme", headers=headers).json
    assert [c["weight"] for c in current["criteria"]] == [30, 30, 20, 10, 10]
    assert current["bands"][0]["max_score"] == 100 and current["bands"][1]["max_score"] == 85
    versions = client.get(f"/api/v1/chains/{chain_id}/scheme/versions", headers=headers).json
    assert [v["version"] for v in versions] == [2, 1]
    events = db.execute(select(AuditEvent).where(AuditEvent.entity == "scheme")).scalars().all()
    assert [e.entity_id for e in events] == [f"{chain_id}:v1", f"{chain_id}:v2"]
    assert events[1].before["criteria"][0]["weight"] == 20
    assert events[1].after["criteria"][0]["weight"] == 30
    assert events[1].actor == world["chain_a_user"].username


def test_a_stale_edit_gets_409(client, db, world, token_for, today):
    headers = token_for(world["chain_a_user"])
    chain_id = world["chain_a"].id
    assert _put(client, headers, chain_id, scheme_body(effective_from="2025-01")).status_code == 200
    mine = _put(client, headers, chain_id, scheme_body(version=1))
    theirs = _put(client, headers, chain_id, scheme_body(version=1))
    assert mine.status_code == 200 and theirs.status_code == 409
    by_header = _put(client, headers | {"If-Match": '"1"'}, chain_id, scheme_body())
    assert by_header.status_code == 409
    assert _put(client, headers | {"If-Match": '"2"'}, chain_id, scheme_body()).status_code == 200
    assert _count(db, Scheme) == 3


def test_effective_from_cannot_go_back(client, world, token_for, today):
    headers = token_for(world["chain_a_user"])
    chain_id = world["chain_a"].id
    _put(client, headers, chain_id, scheme_body(effective_from="2025-03"))
    response = _put(client, headers, chain_id, scheme_body(effective_from="2025-02"))
    assert response.status_code == 422 and "effective_from" in response.json["errors"]
    assert _put(client, headers, chain_id, scheme_body(effective_from="25-3")).status_code == 422


@pytest.mark.parametrize(
    ("who", "status"),
    [("chain_b_user", 404), ("sme_y_user", 404), ("sme_x_user", 403), ("bureau_user", 200)],
)
def test_who_may_put(client, world, token_for, today, who, status):
    response = _put(
        client, token_for(world[who]), world["chain_a"].id, scheme_body(effective_from="2025-01")
    )
    assert response.status_code == status


def test_chain_b_cannot_read_chain_a_scheme(client, db, world, token_for, today):
    _put(
        client,
        token_for(world["chain_a_user"]),
        world["chain_a"].id,
        scheme_body(effective_from="2025-01"),
    )
    other = token_for(world["chain_b_user"])
    for path in ("scheme", "scheme/versions"):
        response = client.get(f"/api/v1/chains/{world['chain_a'].id}/{path}", headers=other)
        assert response.status_code == 404
    supplier = token_for(world["sme_x_user"])  # x supplies chain A: it may read the scheme
    assert (
        client.get(f"/api/v1/chains/{world['chain_a'].id}/scheme", headers=supplier).status_code
        == 200
    )

"""The records API: lists, writes, their rules, scoping, and what every write refreshes."""

from datetime import date

import pytest
from sqlalchemy import select

from models import Accident, AuditEvent, Hazard, Inspection, MonthlyRollup, ScoreSnapshot, WorkHours

from .sme_fixtures import CLOSED, MONTH, count, fresh, hazard_of, records_fixture, today_fixture  # noqa: F401

ACCIDENT = {"occurred_on": "2025-06-10", "severity": "minor", "injured": 2, "source_ref": "A9"}
INSPECTION = {"inspected_on": "2025-06-11", "outcome": "fine", "penalty_cny": 5000.5}
SELF_CHECK = {"found_on": "2025-06-24", "description": "灭火器过期", "deadline": "2025-07-10"}
HOURS = {"month": "2025-06", "hours": 7000, "headcount": 40}


def url(world, who: str, kind: str) -> str:
    return f"/api/v1/enterprises/{world[who].uscc}/{kind}"


def test_bureau_records_an_accident_with_month_audit_rollup_and_provisional_score(
    client, db, records, token_for
):
    headers = token_for(records["bureau_user"])
    response = client.post(url(records, "x", "accidents"), json=ACCIDENT, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["month"] == MONTH and response.json["source_ref"] == "A9"
    x = records["x"].id
    fresh(db)
    rollup = db.get(MonthlyRollup, (x, MONTH))
    assert rollup.accidents == 1 and rollup.cases == 2
    snapshot = db.execute(
        select(ScoreSnapshot).where(ScoreSnapshot.kind == "provisional")
    ).scalar_one()
    assert snapshot.enterprise_id == x and snapshot.month == MONTH
    event = db.execute(select(AuditEvent).where(AuditEvent.entity == "accident")).scalar_one()
    assert event.action == "create" and event.after["severity"] == "minor"


def test_lists_are_paginated_newest_first(client, records, token_for):
    headers = token_for(records["bureau_user"])
    for day in ("2025-06-01", "2025-06-02"):
        body = {**INSPECTION, "inspected_on": day, "outcome": "warning", "penalty_cny": 0}
        assert (
            client.post(url(records, "x", "inspections"), json=body, headers=headers).status_code
            == 201
        )
    page = client.get(url(records, "x", "inspections") + "?per_page=2", headers=headers).json
    assert page["total"] == 3 and page["page"] == 1 and page["per_page"] == 2
    assert [i["inspected_on"] for i in page["items"]] == ["2025-06-02", "2025-06-01"]
    second = client.get(url(records, "x", "inspections") + "?per_page=2&page=2", headers=headers)
    assert second.json["items"][0]["source_ref"] == "I1"
    assert second.json["items"][0]["penalty_cny"] == 20000.0


def test_hazard_list_carries_status_and_filters(client, records, token_for):
    headers = token_for(records["sme_x_user"])
    items = client.get(url(records, "x", "hazards"), headers=headers).json["items"]
    assert {h["source_ref"]: h["status"] for h in items} == {"H1": "overdue", "H2": "open"}
    overdue = client.get(url(records, "x", "hazards") + "?status=overdue", headers=headers).json
    assert [h["source_ref"] for h in overdue["items"]] == ["H1"]
    bad = client.get(url(records, "x", "hazards") + "?status=lost", headers=headers)
    assert bad.status_code == 422 and "status" in bad.json["errors"]


def test_sme_reports_self_check_hazard_with_generated_reference(client, db, records, token_for):
    headers = token_for(records["sme_x_user"])
    response = client.post(url(records, "x", "hazards"), json=SELF_CHECK, headers=headers)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["source"] == "self_check" and body["source_ref"].startswith("SC-")
    assert body["status"] == "open" and body["month"] == MONTH


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SELF_CHECK, "found_on": "2025-06-26"}, "found_on"),
        ({**SELF_CHECK, "deadline": "2025-06-01"}, "deadline"),
        ({**SELF_CHECK, "description": "  "}, "description"),
        ({**SELF_CHECK, "rectified_on": "2025-06-01"}, "rectified_on"),
        ({**SELF_CHECK, "source_ref": "MINE"}, "source_ref"),
        ({**SELF_CHECK, "level": "huge"}, "level"),
        ({**SELF_CHECK, "colour": "red"}, "colour"),
    ],
)
def test_bad_hazard_is_422_naming_the_field_and_nothing_is_written(
    client, db, records, token_for, body, field
):
    before = count(db, Hazard)
    response = client.post(
        url(records, "x", "hazards"), json=body, headers=token_for(records["sme_x_user"])
    )
    assert response.status_code == 422 and field in response.json["errors"]
    assert count(db, Hazard) == before


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("accidents", {**ACCIDENT, "occurred_on": "2025-07-01"}, "occurred_on"),
        ("accidents", {**ACCIDENT, "severity": "fatal"}, "deaths"),
        ("accidents", {**ACCIDENT, "deaths": 1}, "severity"),
        ("accidents", {**ACCIDENT, "source_ref": "A1"}, "source_ref"),
        ("inspections", {**INSPECTION, "outcome": "warning"}, "penalty_cny"),
        ("inspections", {**INSPECTION, "penalty_cny": -1}, "penalty_cny"),
        ("work-hours", {**HOURS, "month": "2025-07"}, "month"),
        ("work-hours", {**HOURS, "month": "2025-6"}, "month"),
        ("work-hours", {**HOURS, "hours": -5}, "hours"),
    ],
)
def test_bad_official_records_are_422(client, db, records, token_for, kind, body, field):
    tables = (Accident, Inspection, WorkHours)
    before = [count(db, t) for t in tables]
    response = client.post(
        url(records, "x", kind), json=body, headers=token_for(records["bureau_user"])
    )
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert [count(db, t) for t in tables] == before


def test_sme_writes_only_what_it_may(client, db, records, token_for):
    headers = token_for(records["sme_x_user"])
    assert (
        client.post(url(records, "x", "accidents"), json=ACCIDENT, headers=headers).status_code
        == 403
    )
    assert (
        client.post(url(records, "x", "inspections"), json=INSPECTION, headers=headers).status_code
        == 403
    )
    official = {**SELF_CHECK, "source": "inspection"}
    assert (
        client.post(url(records, "x", "hazards"), json=official, headers=headers).status_code == 403
    )
    assert (
        client.post(url(records, "y", "hazards"), json=SELF_CHECK, headers=headers).status_code
        == 404
    )
    assert client.get(url(records, "y", "accidents"), headers=headers).status_code == 404
    assert count(db, Accident) == 1 and count(db, Hazard) == 3


def test_sme_sets_its_hours_and_a_second_post_replaces_them(client, db, records, token_for):
    headers = token_for(records["sme_x_user"])
    first = client.post(
        url(records, "x", "work-hours"), json={**HOURS, "month": "2025-07"}, headers=headers
    )
    assert first.status_code == 422
    replaced = client.post(url(records, "x", "work-hours"), json=HOURS, headers=headers)
    assert replaced.status_code == 200 and replaced.json["hours"] == 7000
    listed = client.get(url(records, "x", "work-hours") + "?per_page=1", headers=headers).json
    assert listed["items"][0]["month"] == MONTH and listed["total"] == 14
    assert (
        client.post(url(records, "y", "work-hours"), json=HOURS, headers=headers).status_code == 404
    )


def test_chain_reads_its_suppliers_records_but_cannot_write(client, db, records, token_for):
    headers = token_for(records["chain_a_user"])
    listed = client.get(url(records, "x", "accidents"), headers=headers)
    assert listed.status_code == 200 and listed.json["total"] == 1
    assert client.get(url(records, "y", "hazards"), headers=headers).status_code == 404
    assert (
        client.post(url(records, "x", "accidents"), json=ACCIDENT, headers=headers).status_code
        == 403
    )
    assert (
        client.post(url(records, "x", "hazards"), json=SELF_CHECK, headers=headers).status_code
        == 403
    )
    assert (
        client.post(url(records, "x", "work-hours"), json=HOURS, headers=headers).status_code == 403
    )
    h1 = hazard_of(db, "H1").id
    patch = client.patch(
        f"/api/v1/hazards/{h1}", json={"rectified_on": "2025-06-20"}, headers=headers
    )
    assert patch.status_code == 403
    assert count(db, Accident) == 1


def test_no_token_is_401(client, records):
    assert client.get(url(records, "x", "accidents")).status_code == 401


def test_owner_marks_its_hazard_rectified(client, db, records, token_for):
    headers = token_for(records["sme_x_user"])
    h1 = hazard_of(db, "H1")
    body = {"rectified_on": "2025-06-24", "rectify_note": "已清理通道"}
    response = client.patch(f"/api/v1/hazards/{h1.id}", json=body, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "rectified_late"
    fresh = hazard_of(db, "H1")
    assert fresh.rectified_on == date(2025, 6, 24) and fresh.rectify_note == "已清理通道"
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "rectify")).scalar_one()
    assert event.before["rectified_on"] is None and event.after["rectified_on"] == "2025-06-24"


@pytest.mark.parametrize("day", ["2025-06-26", "2025-05-01"])
def test_rectification_date_rules(client, db, records, token_for, day):
    h1 = hazard_of(db, "H1").id
    response = client.patch(
        f"/api/v1/hazards/{h1}",
        json={"rectified_on": day},
        headers=token_for(records["bureau_user"]),
    )
    assert response.status_code == 422 and "rectified_on" in response.json["errors"]
    assert hazard_of(db, "H1").rectified_on is None


def test_another_firms_hazard_is_404(client, db, records, token_for):
    hy = hazard_of(db, "HY").id
    response = client.patch(
        f"/api/v1/hazards/{hy}",
        json={"rectified_on": "2025-06-24"},
        headers=token_for(records["sme_x_user"]),
    )
    assert response.status_code == 404
    assert hazard_of(db, "HY").rectified_on is None


def test_closed_month_is_untouched_by_writes(client, db, records, token_for):
    headers = token_for(records["bureau_user"])
    client.post(
        url(records, "x", "accidents"),
        json={**ACCIDENT, "occurred_on": "2025-05-10"},
        headers=headers,
    )
    fresh(db)
    closed = (
        db.execute(
            select(ScoreSnapshot).where(
                ScoreSnapshot.kind == "closed", ScoreSnapshot.month == CLOSED
            )
        )
        .scalars()
        .all()
    )
    assert len(closed) == 6

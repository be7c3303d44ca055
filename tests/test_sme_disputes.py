""" "This record is wrong": raised by the owner on My records, answered on the bureau's page."""

import re

import pytest
from sqlalchemy import select

from models import Accident, AuditEvent, Inspection, RecordDispute

from .conftest import csrf_token
from .sme_fixtures import count, fresh, records_fixture, today_fixture  # noqa: F401

EN = {"Accept-Language": "en"}


def record_id(db, table, ref: str) -> int:
    fresh(db)
    return db.execute(select(table.id).where(table.source_ref == ref)).scalar_one()


def post(client, page: str, path: str, data: dict):
    token = csrf_token(client.get(page, headers=EN).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, headers=EN)


def dispute(client, kind: str, rid: int, message: str):
    return post(client, "/sme/records", f"/sme/records/{kind}/{rid}/dispute", {"message": message})


@pytest.fixture
def raised(client, login, db, records):
    """x's owner disputes the fine; then the bureau logs in."""
    login(records["sme_x_user"])
    fine = record_id(db, Inspection, "I1")
    assert dispute(client, "inspection", fine, "罚款金额应为2000元").status_code == 302
    client.post(
        "/logout", data={"csrf_token": csrf_token(client.get("/sme/").get_data(as_text=True))}
    )
    login(records["bureau_user"])
    fresh(db)
    return db.execute(select(RecordDispute)).scalar_one()


def test_owner_reports_a_wrong_record(client, login, db, records):
    login(records["sme_x_user"])
    accident = record_id(db, Accident, "A1")
    response = dispute(client, "accident", accident, "受伤的是外包工人，不是本厂员工")
    assert response.status_code == 302
    html = client.get("/sme/records", headers=EN).get_data(as_text=True)
    assert "the bureau will look at this record" in html
    assert "You reported this record as wrong" in html
    fresh(db)
    row = db.execute(select(RecordDispute)).scalar_one()
    assert (row.record_kind, row.record_id, row.status) == ("accident", accident, "open")
    assert row.raised_by == records["sme_x_user"].id and row.enterprise_id == records["x"].id
    assert db.execute(select(AuditEvent).where(AuditEvent.entity == "record_dispute")).scalar_one()


@pytest.mark.parametrize("message", ["", "   ", "长" * 2001])
def test_bad_dispute_is_shown_on_the_form_and_nothing_written(client, login, db, records, message):
    login(records["sme_x_user"])
    accident = record_id(db, Accident, "A1")
    response = dispute(client, "accident", accident, message)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = html[html.index(f'id="dispute-accident-{accident}"') :]
    assert re.search(r'data-testid="error-message">[^<]+<', form)
    assert count(db, RecordDispute) == 0


def test_second_open_dispute_on_a_record_is_refused(client, login, db, records):
    login(records["sme_x_user"])
    accident = record_id(db, Accident, "A1")
    assert dispute(client, "accident", accident, "有误").status_code == 302
    response = dispute(client, "accident", accident, "还是有误")
    assert response.status_code == 422 and "already reported" in response.get_data(as_text=True)
    assert count(db, RecordDispute) == 1


def test_another_firms_record_is_404(client, login, db, records, make):
    other = make.enterprise()
    db.add(
        Accident(
            enterprise_id=other.id,
            source_ref="AO",
            occurred_on=records["x"].created_at.date(),
            month="2025-01",
            severity="minor",
            injured=1,
        )
    )
    db.commit()
    login(records["sme_x_user"])
    assert (
        dispute(client, "accident", record_id(db, Accident, "AO"), "不是我们的").status_code == 404
    )
    assert dispute(client, "lorry", 1, "?").status_code == 404
    assert count(db, RecordDispute) == 0


def test_bureau_lists_and_answers(client, db, raised):
    html = client.get("/bureau/disputes/", headers=EN).get_data(as_text=True)
    assert "罚款金额应为2000元" in html and "fine CNY 20,000" in html
    response = post(
        client,
        "/bureau/disputes/",
        f"/bureau/disputes/{raised.id}/resolve",
        {"decision": "rejected", "resolution": "经核实，罚款金额无误"},
    )
    assert response.status_code == 302
    fresh(db)
    row = db.get(RecordDispute, raised.id)
    assert row.status == "rejected" and row.resolution == "经核实，罚款金额无误"
    assert row.resolved_at is not None
    answered = client.get("/bureau/disputes/?status=rejected", headers=EN).get_data(as_text=True)
    assert 'data-status="rejected"' in answered
    assert 'data-testid="dispute"' not in client.get("/bureau/disputes/").get_data(as_text=True)


def test_bureau_answer_needs_a_reply(client, db, raised):
    response = post(
        client,
        "/bureau/disputes/",
        f"/bureau/disputes/{raised.id}/resolve",
        {"decision": "resolved", "resolution": " "},
    )
    assert response.status_code == 422
    assert 'data-testid="error-resolution"' in response.get_data(as_text=True)
    fresh(db)
    assert db.get(RecordDispute, raised.id).status == "open"


def test_owner_sees_the_answer(client, login, db, raised, records):
    post(
        client,
        "/bureau/disputes/",
        f"/bureau/disputes/{raised.id}/resolve",
        {"decision": "resolved", "resolution": "已更正"},
    )
    client.post(
        "/logout",
        data={"csrf_token": csrf_token(client.get("/bureau/disputes/").get_data(as_text=True))},
    )
    login(records["sme_x_user"])
    html = client.get("/sme/records", headers=EN).get_data(as_text=True)
    assert "The bureau's answer: 已更正" in html


def test_only_the_bureau_sees_disputes(client, login, records):
    login(records["sme_x_user"])
    assert client.get("/bureau/disputes/").status_code == 403

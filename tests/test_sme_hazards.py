"""The owner's hazard actions: report a self-check hazard, mark one rectified, and the
provisional score moving by exactly what the page promised."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from models import AuditEvent, Hazard, ScoreSnapshot

from .conftest import csrf_token
from .sme_fixtures import MONTH, count, fresh, hazard_of, records_fixture, today_fixture  # noqa: F401

EN = {"Accept-Language": "en"}


@pytest.fixture
def owner(client, login, records):
    login(records["sme_x_user"])
    return client


def post(client, path: str, data: dict):
    token = csrf_token(client.get("/sme/hazards", headers=EN).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, headers=EN)


def shown_score(client) -> float:
    html = client.get("/sme/", headers=EN).get_data(as_text=True)
    return float(re.search(r'data-testid="score" data-score="([\d.]+)"', html).group(1))


def promised(client, hazard_id: int) -> float:
    html = client.get("/sme/raise", headers=EN).get_data(as_text=True)
    pattern = rf'data-delta="([\d.]+)" data-hazard-id="{hazard_id}"'
    return float(re.search(pattern, html).group(1))


REPORT = {
    "description": "灭火器过期",
    "level": "general",
    "found_on": "2025-06-24",
    "deadline": "2025-07-10",
}


def test_report_self_check_hazard(owner, db, records):
    response = post(owner, "/sme/hazards", REPORT)
    assert response.status_code == 302
    fresh(db)
    hazard = db.execute(select(Hazard).where(Hazard.description == "灭火器过期")).scalar_one()
    assert hazard.source == "self_check" and hazard.source_ref.startswith("SC-")
    assert hazard.month == MONTH
    page = owner.get("/sme/hazards", headers=EN).get_data(as_text=True)
    assert "self-check report is on file" in page and "Your score this month went from" in page
    event = db.execute(select(AuditEvent).where(AuditEvent.entity == "hazard")).scalar_one()
    assert event.action == "create" and event.actor_id == records["sme_x_user"].id


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"found_on": "2025-06-26"}, "found_on", "Must not be in the future."),
        ({"description": "   "}, "description", "Describe the hazard."),
        (
            {"deadline": "2025-06-01"},
            "deadline",
            "Must not be before the day the hazard was found.",
        ),
        ({"found_on": "yesterday"}, "found_on", "Not a valid date value."),
    ],
)
def test_bad_report_is_shown_on_the_form_and_nothing_written(owner, db, change, field, message):
    before = count(db, Hazard)
    response = post(owner, "/sme/hazards", {**REPORT, **change})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'data-testid="error-{field}">{re.escape(message)}<', html), html[-3000:]
    assert count(db, Hazard) == before


@pytest.mark.parametrize("ref", ["H1", "H2"])  # overdue (rectified late), open (on time)
def test_rectify_moves_the_score_by_exactly_the_promised_gain(owner, db, ref):
    h1 = hazard_of(db, ref).id
    before, gain = shown_score(owner), promised(owner, h1)
    assert gain > 0
    response = post(
        owner,
        f"/sme/hazards/{h1}/rectify",
        {"rectified_on": "2025-06-25", "rectify_note": "通道已清理"},
    )
    assert response.status_code == 302
    flashed = owner.get(response.location, headers=EN).get_data(as_text=True)
    assert f"went from {before:.1f} to {before + gain:.1f}" in flashed
    assert shown_score(owner) == pytest.approx(before + gain, abs=1e-9)
    fresh(db)
    stored = db.execute(
        select(ScoreSnapshot.score).where(ScoreSnapshot.kind == "provisional")
    ).scalar_one()
    assert stored == pytest.approx(before + gain, abs=1e-9)
    hazard = hazard_of(db, ref)
    assert hazard.rectified_on == date(2025, 6, 25) and hazard.rectify_note == "通道已清理"


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2025-06-26", "Must not be in the future."),
        ("2025-05-01", "Must not be before the hazard was found (2025-05-02)."),
        ("", "Enter a date."),
    ],
)
def test_bad_rectification_is_shown_on_the_form_and_nothing_written(owner, db, day, message):
    h1 = hazard_of(db, "H1").id
    response = post(owner, f"/sme/hazards/{h1}/rectify", {"rectified_on": day})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = html[html.index(f'id="rectify-form-{h1}"') :]
    assert re.search(rf'data-testid="error-rectified_on">{re.escape(message)}<', form)
    assert hazard_of(db, "H1").rectified_on is None
    assert count(db, ScoreSnapshot) == 6  # the closed month only: no provisional refresh


def test_another_firms_hazard_is_404(owner, db):
    hy = hazard_of(db, "HY").id
    response = post(owner, f"/sme/hazards/{hy}/rectify", {"rectified_on": "2025-06-25"})
    assert response.status_code == 404
    assert hazard_of(db, "HY").rectified_on is None


def test_pages_need_an_sme_login(client, login, records):
    assert client.get("/sme/hazards").status_code == 302
    login(records["chain_a_user"])
    assert client.get("/sme/hazards").status_code == 403


def test_post_without_csrf_token_is_refused(owner, db):
    before = count(db, Hazard)
    response = owner.post("/sme/hazards", data=REPORT, headers=EN)
    assert response.status_code == 400
    assert count(db, Hazard) == before

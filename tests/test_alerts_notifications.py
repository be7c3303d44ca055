"""Score alerts become notifications for exactly the right users; the bell and its page."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from anlian.services import alerts, notifications, scheduled
from models import Notification
from tests.conftest import csrf_token
from tests.test_jobs_runs import fatal, give_hours

PREVIOUS, MONTH = "2025-05", "2025-06"


@pytest.fixture
def fallen(app, db, world, make):
    """x (chain A) and both (A and B) have a fatal accident in June; x once supplied B too;
    outsider supplies no one. May and then June are closed."""
    make.membership(
        world["chain_b"], world["x"], joined_on=date(2024, 1, 1), left_on=date(2024, 5, 1)
    )
    world["outsider_user"] = make.user("sme", enterprise=world["outsider"])
    world["chain_a_user2"] = make.user("chain", chain=world["chain_a"])
    give_hours(db, world, MONTH)
    fatal(db, world["x"], date(2025, 6, 3), "X1")
    fatal(db, world["both"], date(2025, 6, 9), "B1")
    config = app.extensions["scoring_config"]
    for month in (PREVIOUS, MONTH):
        counts = scheduled.close_month(db, month=month, config=config, today=date(2025, 7, 1))
        db.commit()
    world["counts"] = counts
    return world


def inbox(db, user) -> list[dict]:
    db.commit()
    rows = db.execute(select(Notification.params).where(Notification.user_id == user.id))
    return sorted((params for (params,) in rows), key=lambda p: p["uscc"])


def test_a_fall_notifies_the_sme_and_the_chains_it_supplies_now(db, fallen):
    w = fallen
    assert w["counts"]["alerts"] == 2
    assert [n["uscc"] for n in inbox(db, w["sme_x_user"])] == [w["x"].uscc]
    expected_a = sorted([w["x"].uscc, w["both"].uscc])
    assert [n["uscc"] for n in inbox(db, w["chain_a_user"])] == expected_a
    assert [n["uscc"] for n in inbox(db, w["chain_a_user2"])] == expected_a
    assert [n["uscc"] for n in inbox(db, w["chain_b_user"])] == [w["both"].uscc]  # x left B
    for quiet in ("sme_y_user", "bureau_user", "outsider_user"):
        assert inbox(db, w[quiet]) == []
    (note,) = inbox(db, w["sme_x_user"])
    assert note["month"] == MONTH and note["to_grade"] == "D" and note["vetoes"] == ["death"]
    total = db.execute(select(func.count()).select_from(Notification)).scalar_one()
    assert total == w["counts"]["notifications"] == 6


def test_closing_the_same_month_again_does_not_alert_against_itself(app, db, fallen):
    counts = scheduled.close_month(
        db, month=MONTH, config=app.extensions["scoring_config"], today=date(2025, 7, 2)
    )
    assert counts["alerts"] == 0  # June's standings were alerted on at its first close
    assert (
        alerts.compare({1: ("D", ["death"])}, {1: ("D", ["death"])}, month=MONTH, kind="closed")
        == []
    )
    assert alerts.compare({}, {1: ("D", ["death"])}, month=MONTH, kind="closed") == []
    (fell,) = alerts.compare({1: ("A", [])}, {1: ("B", [])}, month=MONTH, kind="provisional")
    assert fell.reasons == ["grade_down"]
    assert (
        alerts.compare(
            {1: ("A", [])}, {1: ("B", [])}, month=MONTH, kind="closed", seen={1: ("B", [])}
        )
        == []
    )


def test_the_bell_counts_only_the_users_own_unread(client, login, db, fallen):
    client.get("/lang/en")
    login(fallen["chain_a_user"])
    page = client.get("/notifications/").get_data(as_text=True)
    assert re.search(r'data-testid="unread-count">2<', page)
    assert fallen["x"].name in page and fallen["both"].name in page
    assert "fell from grade" in page and "a fatal accident" in page


def test_a_user_sees_and_marks_only_their_own(client, login, db, fallen):
    client.get("/lang/en")
    login(fallen["sme_x_user"])
    page = client.get("/notifications/").get_data(as_text=True)
    assert fallen["x"].name in page and fallen["both"].name not in page
    token = csrf_token(page)
    theirs = db.execute(
        select(Notification.id).where(Notification.user_id == fallen["chain_b_user"].id)
    ).scalar_one()
    assert (
        client.post(f"/notifications/{theirs}/read", data={"csrf_token": token}).status_code == 404
    )
    mine = db.execute(
        select(Notification.id).where(Notification.user_id == fallen["sme_x_user"].id)
    ).scalar_one()
    assert client.post(f"/notifications/{mine}/read", data={"csrf_token": token}).status_code == 302
    db.commit()
    assert notifications.unread_count(db, fallen["sme_x_user"].id) == 0
    assert notifications.unread_count(db, fallen["chain_b_user"].id) == 1
    assert 'data-testid="unread-count"' not in client.get("/notifications/").get_data(as_text=True)


def test_mark_all_read_and_the_page_needs_a_login(client, login, db, fallen):
    assert client.get("/notifications/").status_code == 302
    login(fallen["chain_a_user"])
    token = csrf_token(client.get("/notifications/").get_data(as_text=True))
    assert client.post("/notifications/read", data={}).status_code == 400  # no CSRF token
    assert client.post("/notifications/read", data={"csrf_token": token}).status_code == 302
    db.commit()
    assert notifications.unread_count(db, fallen["chain_a_user"].id) == 0
    assert notifications.unread_count(db, fallen["chain_a_user2"].id) == 2

"""Month close, the explained score and its history, through the CLI and the API."""

from datetime import date

import pytest
from sqlalchemy import func, select

from anlian import months
from anlian.services import scores
from models import Accident, Hazard, Inspection, MonthClose, ScoreSnapshot, WorkHours

MONTH = "2025-06"


@pytest.fixture
def records(db, world):
    """A year of hours for everyone; x has a serious injury and an overdue hazard, y is clean."""
    firms = [world[k] for k in ("x", "y", "both", "outsider", "leader_a", "leader_b")]
    for firm in firms:
        for month in months.window(MONTH, 12):
            db.add(WorkHours(enterprise_id=firm.id, month=month, hours=firm.headcount * 174.0))
    x = world["x"]
    db.add(Accident(enterprise_id=x.id, source_ref="A1", occurred_on=date(2025, 3, 4),
                    month="2025-03", severity="serious", injured=1))
    db.add(Inspection(enterprise_id=x.id, source_ref="I1", inspected_on=date(2025, 4, 1),
                      month="2025-04", outcome="fine", penalty_cny=20000))
    db.add(Hazard(enterprise_id=x.id, source_ref="H1", found_on=date(2025, 5, 2), month="2025-05",
                  level="general", deadline=date(2025, 5, 20), description="消防通道堵塞"))
    db.add(Hazard(enterprise_id=x.id, source_ref="H2", found_on=date(2025, 6, 20),
                  month="2025-06", level="general", deadline=date(2025, 7, 20),
                  source="self_check", description="配电箱未上锁"))
    db.commit()
    return world


def _snapshot_count(db, month=MONTH):
    return db.execute(select(func.count()).select_from(ScoreSnapshot)
                      .where(ScoreSnapshot.month == month)).scalar_one()


def test_close_month_writes_one_snapshot_per_enterprise_and_replaces(runner, records, db):
    result = runner.invoke(args=["score", "close", "--month", MONTH])
    assert result.exit_code == 0, result.output
    assert _snapshot_count(db) == 6
    assert runner.invoke(args=["score", "close", "--month", MONTH]).exit_code == 0
    assert _snapshot_count(db) == 6
    close = db.execute(select(MonthClose)).scalar_one()
    assert close.month == MONTH and close.enterprises == 6 and close.industry_stats["city"]


def test_close_refuses_bad_and_unended_months(runner, records):
    assert "YYYY-MM" in runner.invoke(args=["score", "close", "--month", "2025-6"]).output
    result = runner.invoke(args=["score", "close", "--month", "2999-01"])
    assert result.exit_code != 0 and "has not ended" in result.output
    assert runner.invoke(args=["score", "close"]).exit_code != 0


def test_close_all_backfills_every_month_with_data(runner, records, db):
    result = runner.invoke(args=["score", "close", "--all"])
    assert result.exit_code == 0, result.output
    closed = db.execute(select(MonthClose.month).order_by(MonthClose.month)).scalars().all()
    assert closed == months.span("2024-07", MONTH)


def test_score_detail_explains_and_promises_what_re_scoring_gives(app, client, records,
                                                                  token_for, runner):
    runner.invoke(args=["score", "close", "--month", MONTH])
    headers = token_for(records["sme_x_user"])
    uscc = records["x"].uscc
    body = client.get(f"/api/v1/enterprises/{uscc}/score?as_of={MONTH}", headers=headers).json
    assert body["as_of"] == MONTH and body["provisional"] is False
    assert body["records_changed_since_close"] is False
    assert set(body["components"]) == {"accidents", "enforcement", "hazards", "foundation"}
    assert 0 <= body["score"] <= 100 and body["grade"] in "ABCD"
    keys = {d["message_key"] for d in body["drivers"]}
    assert "hazards.overdue" in keys
    rectify = [w for w in body["what_if"] if w["action"] == "rectify_hazard"]
    assert {w["params"]["hazard_id"] for w in rectify} <= {1, 2} and rectify


def test_score_as_of_is_validated(client, records, token_for):
    headers = token_for(records["bureau_user"])
    uscc = records["x"].uscc
    for bad in ("2025-13", "June", "2999-01"):
        response = client.get(f"/api/v1/enterprises/{uscc}/score?as_of={bad}", headers=headers)
        assert response.status_code == 422 and "as_of" in response.json["errors"]


def test_unclosed_month_is_scored_live_and_marked_provisional(client, records, token_for):
    headers = token_for(records["bureau_user"])
    body = client.get(f"/api/v1/enterprises/{records['y'].uscc}/score?as_of={MONTH}",
                      headers=headers).json
    assert body["provisional"] is True and body["score"] > 0


def test_history_lists_closed_months(client, runner, records, token_for):
    runner.invoke(args=["score", "close", "--all"])
    headers = token_for(records["chain_a_user"])
    history = client.get(f"/api/v1/enterprises/{records['x'].uscc}/score/history",
                         headers=headers).json
    assert [h["as_of"] for h in history] == months.span("2024-07", MONTH)
    assert client.get(f"/api/v1/enterprises/{records['y'].uscc}/score/history",
                      headers=headers).status_code == 404


def test_closed_scores_feed_the_enterprise_list(client, runner, records, token_for):
    runner.invoke(args=["score", "close", "--month", MONTH])
    items = client.get("/api/v1/enterprises", headers=token_for(records["bureau_user"])).json
    assert all(item["grade"] in "ABCD" for item in items["items"])
    clean, hurt = (next(i for i in items["items"] if i["uscc"] == records[k].uscc)
                   for k in ("y", "x"))
    assert clean["score"] > hurt["score"]


def test_provisional_refresh_of_one_enterprise(app, db, records):
    config = app.extensions["scoring_config"]
    written = scores.refresh_provisional(db, config=config, today=date(2025, 6, 25),
                                         enterprise_ids=[records["x"].id])
    db.commit()
    assert written == 1
    assert _snapshot_count(db) == 1


def test_close_all_missing_closes_only_what_is_not_closed(runner, records, db):
    assert runner.invoke(args=["score", "close", "--month", "2025-01"]).exit_code == 0
    first = db.execute(select(MonthClose.closed_at).where(MonthClose.month == "2025-01")).scalar()
    result = runner.invoke(args=["score", "close", "--all", "--missing"])
    assert result.exit_code == 0, result.output
    assert "closed 11 month(s)" in result.output
    again = db.execute(select(MonthClose.closed_at).where(MonthClose.month == "2025-01")).scalar()
    assert again == first
    assert "already closed" in runner.invoke(args=["score", "close", "--all", "--missing"]).output

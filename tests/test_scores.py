"""Month close, the explained score and its history, through the CLI and the API."""

import math
from datetime import date

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from sqlalchemy import func, select, text

from anlian import months
from anlian.services import scores
from anlian.services.snapshot_rows import plain_column, snapshot_columns
from models import Accident, Hazard, Inspection, MonthClose, ScoreSnapshot, WorkHours
from scoring import ScoringConfig, score_batch
from tests.scoring.builders import batches

MONTH = "2025-06"


@pytest.fixture
def records(db, world):
    """A year of hours for everyone; x has a serious injury and an overdue hazard, y is clean."""
    firms = [world[k] for k in ("x", "y", "both", "outsider", "leader_a", "leader_b")]
    for firm in firms:
        for month in months.window(MONTH, 12):
            db.add(WorkHours(enterprise_id=firm.id, month=month, hours=firm.headcount * 174.0))
    x = world["x"]
    db.add(
        Accident(
            enterprise_id=x.id,
            source_ref="A1",
            occurred_on=date(2025, 3, 4),
            month="2025-03",
            severity="serious",
            injured=1,
        )
    )
    db.add(
        Inspection(
            enterprise_id=x.id,
            source_ref="I1",
            inspected_on=date(2025, 4, 1),
            month="2025-04",
            outcome="fine",
            penalty_cny=20000,
        )
    )
    db.add(
        Hazard(
            enterprise_id=x.id,
            source_ref="H1",
            found_on=date(2025, 5, 2),
            month="2025-05",
            level="general",
            deadline=date(2025, 5, 20),
            description="消防通道堵塞",
        )
    )
    db.add(
        Hazard(
            enterprise_id=x.id,
            source_ref="H2",
            found_on=date(2025, 6, 20),
            month="2025-06",
            level="general",
            deadline=date(2025, 7, 20),
            source="self_check",
            description="配电箱未上锁",
        )
    )
    db.commit()
    return world


def _snapshot_count(db, month=MONTH):
    return db.execute(
        select(func.count()).select_from(ScoreSnapshot).where(ScoreSnapshot.month == month)
    ).scalar_one()


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


def test_score_detail_explains_and_promises_what_re_scoring_gives(
    app, client, records, token_for, runner
):
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
    body = client.get(
        f"/api/v1/enterprises/{records['y'].uscc}/score?as_of={MONTH}", headers=headers
    ).json
    assert body["provisional"] is True and body["score"] > 0


def test_history_lists_closed_months(client, runner, records, token_for):
    runner.invoke(args=["score", "close", "--all"])
    headers = token_for(records["chain_a_user"])
    history = client.get(
        f"/api/v1/enterprises/{records['x'].uscc}/score/history", headers=headers
    ).json
    assert [h["as_of"] for h in history] == months.span("2024-07", MONTH)
    assert (
        client.get(
            f"/api/v1/enterprises/{records['y'].uscc}/score/history", headers=headers
        ).status_code
        == 404
    )


def test_closed_scores_feed_the_enterprise_list(client, runner, records, token_for):
    runner.invoke(args=["score", "close", "--month", MONTH])
    items = client.get("/api/v1/enterprises", headers=token_for(records["bureau_user"])).json
    assert all(item["grade"] in "ABCD" for item in items["items"])
    clean, hurt = (
        next(i for i in items["items"] if i["uscc"] == records[k].uscc) for k in ("y", "x")
    )
    assert clean["score"] > hurt["score"]


def test_provisional_refresh_of_one_enterprise(app, db, records):
    config = app.extensions["scoring_config"]
    written = scores.refresh_provisional(
        db, config=config, today=date(2025, 6, 25), enterprise_ids=[records["x"].id]
    )
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


def _engine_snapshot(result) -> list[tuple]:
    """What a snapshot stored when it was built from the engine's rows() (the reference)."""
    detail = ("components", "confidence", "rate_interval", "hours_imputed")
    return [
        (
            r["score"],
            r["grade"],
            r["color"],
            orjson.dumps(r["veto"]).decode(),
            orjson.dumps({key: r[key] for key in detail}).decode(),
        )
        for r in result.rows()
    ]


@settings(max_examples=60, deadline=None, database=None)
@given(batches(min_size=1, max_size=8))
def test_snapshot_columns_are_the_engine_rows_text_for_text(batch):
    result = score_batch(batch, ScoringConfig())
    names = ("score", "grade", "color", "veto", "components")
    expected = _engine_snapshot(result)
    # Any selection of rows, in any order, as the close's chunks take them.
    for indices in (np.arange(len(batch)), np.arange(len(batch))[::-2]):
        columns = snapshot_columns(result, indices)
        mine = list(zip(*(columns[k] for k in names), strict=True))
        assert mine == [expected[i] for i in indices]


def test_plain_column_rounds_exactly_as_round():
    rng = np.random.default_rng(3)
    halves = (np.arange(-2000, 2000) + 0.5) / 10.0 ** rng.integers(0, 5, 4000)  # ties and near
    values = np.concatenate(
        [
            halves,
            np.nextafter(halves, np.inf),
            np.nextafter(halves, -np.inf),
            rng.normal(0, 1e3, 20_000),
            rng.exponential(1e6, 5000),
            rng.uniform(-1, 1, 5000),
            [
                0.0,
                -0.0,
                0.285,
                2.675,
                1.0005,
                -0.00001,
                1e300,
                -1e300,
                2.0**53 + 1,
                5e-324,
                np.nan,
                np.inf,
                -np.inf,
            ],
        ]
    )
    for digits in (None, 0, 1, 3, 4):
        expected = [
            None if not math.isfinite(v) else v if digits is None else round(v, digits)
            for v in values.tolist()
        ]
        got = plain_column(values, digits)
        # Compare texts: equal floats could still differ in the sign of a zero.
        assert orjson.dumps(got) == orjson.dumps(expected), digits
    single = values[~(np.abs(values) > 1e30)].astype(np.float32)
    assert plain_column(single, 2) == [
        None if not math.isfinite(v) else round(v, 2) for v in single.tolist()
    ]
    assert plain_column(np.array([3, 4]), 1) == [3, 4]
    assert plain_column(np.array([True, False])) == [True, False]


def test_close_stores_the_engine_rows_once_per_enterprise(app, db, records):
    config = app.extensions["scoring_config"]
    for _ in range(2):  # a second close replaces, never duplicates
        scores.close_month(db, month=MONTH, config=config)
    db.commit()
    stored = db.execute(
        text(
            "SELECT enterprise_id, score, grade, color, veto, components, computed_at "
            "FROM score_snapshot WHERE month = :m ORDER BY enterprise_id"
        ),
        {"m": MONTH},
    ).all()
    batch, ids = scores.load_batch(
        db, as_of=MONTH, on=months.last_day(MONTH), window=config.window_months
    )
    result = score_batch(batch, config, scores.stored_industry_stats(db, MONTH))
    assert [row.enterprise_id for row in stored] == ids.tolist()
    # JSON columns come back as text on SQLite and as parsed values on PostgreSQL.
    as_text = [
        (
            r.score,
            r.grade,
            r.color,
            r.veto if isinstance(r.veto, str) else orjson.dumps(r.veto).decode(),
            r.components if isinstance(r.components, str) else orjson.dumps(r.components).decode(),
        )
        for r in stored
    ]
    assert as_text == _engine_snapshot(result)
    assert len({row.computed_at for row in stored}) == 1

"""The stored per-month cell totals (trends_totals): equal to the live aggregates after the
rollup's writers and the month close, late records in a closed month included."""

from datetime import date

import numpy as np
from sqlalchemy import delete, func, select, update

from anlian.db import open_session
from anlian.scope import Scope
from anlian.services import (
    month_close,
    records,
    scores,
    trends,
    trends_base,
    trends_cache,
    trends_funnel,
)
from models import (
    EnterpriseSeries,
    EnterpriseTotals,
    MonthlyRollup,
    MonthlyScoreTotals,
    MonthlyTotals,
)
from tests import trends_fixtures

hand = trends_fixtures.hand


def _selections(world) -> list[trends.Selection]:
    n1 = world["n1"]
    return [
        trends.Selection(),
        trends.Selection(industry=n1.industry),
        trends.Selection(town=n1.town),
        trends.Selection(industry=n1.industry, town=n1.town),
    ]


def _assert_stored_equals_live(db, world) -> None:
    span = trends.data_span(db)
    assert trends_base.fetch(db, select(MonthlyTotals.month).limit(1))  # the stored path
    for sel in _selections(world):
        stored = trends_base._totals(db, sel, span)
        live = trends_base._live_totals(db, sel, span)
        np.testing.assert_allclose(stored, live, err_msg=repr(sel))
    # The funnel's per-enterprise sums over the whole data.
    assert trends_base.fetch(db, select(EnterpriseTotals.enterprise_id).limit(1))
    found = trends_funnel._per_enterprise(db, span)
    r = MonthlyRollup
    live = db.execute(
        select(r.enterprise_id, func.sum(r.cases), func.sum(r.hours))
        .group_by(r.enterprise_id)
        .having(func.sum(r.hours) > 0)
        .order_by(r.enterprise_id)
    ).all()
    assert found.ids.tolist() == [row[0] for row in live]
    assert found.cases.tolist() == [float(row[1]) for row in live]
    assert found.hours.tolist() == [float(row[2]) for row in live]


def _march(app, *, cached=True) -> dict:
    reader = open_session(app.extensions["anlian_engine"], write=False)
    if cached:
        trends_cache.enable(reader)
    try:
        return trends.series(reader, Scope.system(), trends.Selection(), groups=("all",))["all"][2]
    finally:
        reader.close()


def test_stored_cells_equal_the_live_aggregates(hand, db):
    assert db.execute(select(func.count()).select_from(MonthlyTotals)).scalar_one() > 0
    _assert_stored_equals_live(db, hand)


def test_a_late_record_in_a_closed_month_is_reflected(hand, app, db):
    config = app.extensions["scoring_config"]
    month_close.run_month_close(db, month="2024-03", config=config)
    db.commit()
    stored = select(func.count()).select_from(MonthlyScoreTotals)
    assert db.execute(stored.where(MonthlyScoreTotals.month == "2024-03")).scalar_one() > 0
    before = _march(app)
    assert before["mean_score"] is not None
    records.add_accident(
        db,
        Scope.system(),
        hand["n1"],
        {
            "occurred_on": date(2024, 3, 5),
            "severity": "serious",
            "injured": 3,
            "deaths": 0,
            "source": "bureau",
        },  # fmt: skip
        today=date(2025, 1, 10),
        config=config,
    )
    db.commit()
    after = _march(app)
    assert (after["cases"], after["accidents"]) == (before["cases"] + 3, before["accidents"] + 1)
    assert after["mean_score"] == before["mean_score"]  # the close's scores stand
    _assert_stored_equals_live(db, hand)


def test_scores_are_read_from_the_current_close_only(hand, app, db):
    config = app.extensions["scoring_config"]
    month_close.run_month_close(db, month="2024-03", config=config)
    db.commit()
    right = _march(app)["mean_score"]
    # Stored rows are what the series reads while they are of the month's current close (a
    # manual update no write path makes: read without the in-process cache) …
    db.execute(update(MonthlyScoreTotals).values(score_sum=MonthlyScoreTotals.score_sum * 0.5))
    db.commit()
    assert abs(_march(app, cached=False)["mean_score"] - right * 0.5) < 1e-9
    # … and a re-close that did not rewrite them makes the month come from the snapshots.
    scores.close_month(db, month="2024-03", config=config)
    db.commit()
    assert abs(_march(app, cached=False)["mean_score"] - right) < 1e-9
    _assert_stored_equals_live(db, hand)


def _blocks(db):
    """The trend block from the stored vectors and from the rollup's rows."""
    span = trends.data_span(db)
    stored = trends_base._block(db, span)
    assert trends_base.fetch(db, select(EnterpriseSeries.enterprise_id).limit(1))
    rows = np.zeros_like(stored.values)
    at = {m: i for i, m in enumerate(stored.months)}
    trends_base._from_rollup(db, rows, stored.ids, at)
    return stored, rows


def _assert_vectors_equal_rows(db) -> None:
    stored, rows = _blocks(db)
    scores = [trends_base.K[name] for name in ("score_sum", "score_n", *trends_base.COLOURS)]
    rollup = np.delete(stored.values, scores, axis=2)
    assert rollup.any()  # something to compare
    assert rollup.tobytes() == np.delete(rows, scores, axis=2).tobytes()  # bit for bit


def test_block_from_stored_vectors_equals_the_rollup_rows(hand, app, db, make):
    config = app.extensions["scoring_config"]
    _assert_vectors_equal_rows(db)
    # After a write through the rollup's writers (an accident before the data span: its
    # vector starts outside the block and is cut) and a newly linked supplier.
    records.add_accident(
        db,
        Scope.system(),
        hand["s1"],
        {"occurred_on": date(2023, 11, 5), "severity": "serious", "injured": 1, "deaths": 0,
         "source": "bureau"},
        today=date(2025, 1, 10),
        config=config,
    )  # fmt: skip
    make.membership(hand["chain_b"], hand["n1"], joined_on=date(2024, 8, 1))
    db.commit()
    _assert_vectors_equal_rows(db)
    # Falls back to the rows when nothing is stored (rows written outside the application).
    db.execute(delete(EnterpriseSeries))
    span = trends.data_span(db)
    fallback = trends_base._block(db, span)
    assert fallback.values.any()
    db.rollback()
    assert fallback.values.tobytes() == trends_base._block(db, span).values.tobytes()


def test_a_hazard_written_through_the_api_is_in_the_next_trends_call(
    hand, app, db, client, token_for, make
):
    bureau = make.user("bureau")
    headers = token_for(bureau) | {"Accept-Language": "en"}
    query = {"scope": f"chain:{hand['chain_a'].id}", "group": "members"}

    def june():
        response = client.get("/api/v1/trends", query_string=query, headers=headers)
        assert response.status_code == 200, response.json
        return next(row for row in response.json["items"] if row["month"] == "2024-06")

    before = june()
    hazard = {"found_on": "2024-06-15", "level": "general", "source": "inspection"}
    hazard |= {"description": "probe", "deadline": "2024-06-28", "source_ref": "T-1"}
    url = f"/api/v1/enterprises/{hand['s1'].uscc}/hazards"
    response = client.post(url, json=hazard, headers=headers)
    assert response.status_code == 201, response.json
    after = june()
    assert after["hazards_found"] == before["hazards_found"] + 1
    assert {k: v for k, v in after.items() if k != "hazards_found"} == {
        k: v for k, v in before.items() if k != "hazards_found"
    }
    _assert_vectors_equal_rows(db)

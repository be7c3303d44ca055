"""The stored per-month cell totals (trends_totals): equal to the live aggregates after the
rollup's writers and the month close, late records in a closed month included."""

from datetime import date

import numpy as np
from sqlalchemy import func, select, update

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
from models import EnterpriseTotals, MonthlyRollup, MonthlyScoreTotals, MonthlyTotals
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

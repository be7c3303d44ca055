"""`score evaluate` on the small demo: the report has its figures and they make sense."""

import pytest

from anlian.demo import generate
from anlian.services import evaluation, month_close, rollup


@pytest.fixture
def closed_demo(app, db):
    generate(db, seed=7, scale="small", end_month="2025-12")
    rollup.rebuild_all(db)
    config = app.extensions["scoring_config"]
    for month in ("2024-06", "2024-09", "2024-12"):
        month_close.run_month_close(db, month=month, config=config)
    db.commit()
    return db


def test_report_compares_score_and_baseline(closed_demo):
    report = evaluation.evaluate(closed_demo, last_month="2025-12")
    assert report["observations"] == 3 * 304
    for key in (
        "auc_score",
        "auc_baseline",
        "auc_score_within_exposure",
        "auc_baseline_within_exposure",
    ):
        assert 0.0 <= report[key] <= 1.0
    rates = report["rate_by_grade"]
    assert rates["D"] > rates["A"]
    assert 0.0 <= report["auc_exposure"] <= 1.0
    text = evaluation.format_report(report)
    assert "within exposure quintiles" in text and "per million hours" in text
    assert "hours worked alone" in text


def test_months_without_a_following_year_are_left_out(closed_demo):
    report = evaluation.evaluate(closed_demo, last_month="2025-06")
    assert report["observations"] == 304  # only 2024-06 has twelve months after it
    assert evaluation.evaluate(closed_demo, last_month="2024-12")["observations"] == 0


def test_cli_prints_the_report(runner, closed_demo):
    result = runner.invoke(args=["score", "evaluate"])
    assert result.exit_code == 0, result.output
    assert "AUC" in result.output


def test_months_whose_window_reaches_before_the_data_are_left_out(app, closed_demo):
    # The small demo's data start in 2023-01: a 2023-06 score has six months behind it.
    month_close.run_month_close(
        closed_demo, month="2023-06", config=app.extensions["scoring_config"]
    )
    closed_demo.commit()
    assert evaluation.evaluate(closed_demo, last_month="2025-12")["observations"] == 3 * 304
    early = evaluation.evaluate(closed_demo, last_month="2025-12", first_month="2022-07")
    assert early["observations"] == 4 * 304

"""score_batch: the worked example, vetoes, credibility, neutral defaults, purity, speed."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scoring import (
    MODEL_VERSION,
    EnterpriseBatch,
    IndustryStats,
    ScoringConfig,
    industry_stats,
    score_batch,
)

from .builders import example_batch, make_batch

ROOT = Path(__file__).resolve().parents[2]
CFG = ScoringConfig()


# --- the worked example of docs/scoring.md, number for number ------------------------------
def test_worked_example_industry_rates():
    stats = industry_stats(example_batch(), CFG)
    assert stats.city_hours == 1_152_440
    assert stats.city_rate == pytest.approx(6.0741, abs=1e-4)
    assert stats.rate_for(np.array(["footwear_apparel", "food", "paper"])) == pytest.approx(
        [6.6018, 5.3944, 6.0741], abs=1e-4
    )


def test_worked_example_components():
    result = score_batch(example_batch(), CFG)
    acc, enf, haz = (result.inputs[k] for k in ("accidents", "enforcement", "hazards"))
    assert acc["hours"][0] == 60_440 and result.hours_imputed.tolist() == [True, False, False]
    assert acc["weighted_cases"][0] == 4 and acc["own_rate"][0] == pytest.approx(66.18, abs=0.01)
    assert acc["credibility"][0] == pytest.approx(0.1078, abs=1e-4)
    assert acc["credible_rate"][0] == pytest.approx(13.027, abs=1e-3)
    assert result.components["accidents"][0] == pytest.approx(40.54, abs=0.01)
    assert enf["decayed_cases"][0] == pytest.approx(1.2599, abs=1e-4)
    assert enf["decayed_penalty_cny"][0] == pytest.approx(12_599.21, abs=0.01)
    assert result.components["enforcement"][0] == pytest.approx(71.39, abs=0.01)
    assert haz["on_time_rate"][0] == pytest.approx(0.65)
    assert haz["self_check_credit"][0] == pytest.approx(0.5)
    assert haz["overdue_factor"][0] == pytest.approx(0.7071, abs=1e-4)
    assert result.components["hazards"][0] == pytest.approx(43.84, abs=0.01)
    assert result.components["foundation"][0] == 63.0


def test_worked_example_score_grade_and_confidence():
    result = score_batch(example_batch(), CFG)
    assert result.points[0] == pytest.approx(52.446, abs=1e-3)
    assert result.score.tolist() == [52.4, 84.2, 80.7]
    assert result.grade.tolist() == ["D", "B", "B"]
    assert result.color.tolist() == ["red", "yellow", "yellow"]
    row = result.row(0)
    assert row["confidence"] == "low" and row["veto"] == []
    assert row["rate_interval"]["low"] == pytest.approx(0.419, abs=1e-3)
    assert row["rate_interval"]["high"] == pytest.approx(92.185, abs=1e-3)
    assert result.confidence_low.tolist() == [True, False, False]


def test_row_is_plain_json():
    row = score_batch(example_batch(), CFG).row(0)
    assert json.loads(json.dumps(row)) == row
    assert row["model_version"] == MODEL_VERSION
    assert set(row["components"]) == {"accidents", "enforcement", "hazards", "foundation"}
    for part in row["components"].values():
        assert set(part) == {"score", "weight", "inputs"}
    _assert_plain(row)


def _assert_plain(value):
    """Only dict, list, str, int, float, bool, None anywhere."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            _assert_plain(item)
    elif isinstance(value, list):
        for item in value:
            _assert_plain(item)
    else:
        assert value is None or type(value) in (str, int, float, bool), type(value)


# --- vetoes -------------------------------------------------------------------------------
EXCELLENT = {
    "industry": "machinery",
    "headcount": 200,
    "hours": 34_800.0,
    "hazards_found": 12,
    "hazards_rectified_on_time": 12,
    "self_check_found": 40,
    "standardization": "level1",
    "steward": True,
    "risk_color": "blue",
}


@pytest.mark.parametrize(
    ("rule", "change"),
    [
        ("death", {"deaths": {5: 1}}),
        ("major_hazard_overdue", {"hazards_overdue_major": 1}),
        ("suspension", {"suspensions": {11: 1}}),
        ("dishonest", {"dishonest_listed": True}),
    ],
)
def test_each_veto_caps_the_grade_and_names_its_rule(rule, change):
    base = score_batch(make_batch(EXCELLENT), CFG)
    assert base.grade[0] == "A"
    result = score_batch(make_batch(EXCELLENT | change), CFG)
    row = result.row(0)
    assert row["veto"] == [rule]
    assert (row["grade"], row["color"]) == ("D", "red")
    assert row["score"] == round(float(result.points[0]), 1) > 0
    if rule == "dishonest":  # the points themselves are untouched
        assert row["score"] == base.score[0]


def test_several_vetoes_are_all_listed():
    batch = make_batch(EXCELLENT | {"deaths": {0: 1}, "dishonest_listed": True})
    assert score_batch(batch, CFG).row(0)["veto"] == ["death", "dishonest"]


# --- credibility ----------------------------------------------------------------------------
def _shop_and_plant():
    """The docs' example: a 10-person shop with 1 minor injury, a 2,000-person plant with 30."""
    shop = {"uscc": "SHOP", "industry": "machinery", "headcount": 10, "minor_injured": {4: 1}}
    plant = {
        "uscc": "PLANT",
        "industry": "machinery",
        "headcount": 2000,
        "hours": 348_000.0,
        "minor_injured": {m: 3 if m < 6 else 2 for m in range(12)},
    }
    others = [
        {
            "uscc": f"M{i:02d}",
            "industry": "machinery",
            "headcount": 300,
            "hours": 52_200.0,
            "minor_injured": {i % 12: 1},
        }
        for i in range(20)
    ]
    return make_batch(shop, plant, *others)


def test_small_shop_with_one_injury_is_not_ranked_below_big_plant_with_thirty():
    result = score_batch(_shop_and_plant(), CFG)
    acc = result.inputs["accidents"]
    assert acc["cases"][:2].tolist() == [1, 30]
    assert acc["own_rate"][0] > 6 * acc["own_rate"][1]  # raw rates: 47.9 vs 7.2
    assert result.inputs["accidents"]["industry_rate"][0] == pytest.approx(3.05, abs=0.01)
    assert acc["credible_rate"][0] == pytest.approx(4.85, abs=0.01)
    assert acc["credible_rate"][1] == pytest.approx(6.74, abs=0.01)
    assert result.score[0] >= result.score[1]
    assert result.components["accidents"][0] > result.components["accidents"][1]
    assert result.confidence_low[:2].tolist() == [True, False]


def test_zero_exposure_takes_the_industry_rate():
    batch = make_batch(
        {"industry": "food", "headcount": 0},
        {"industry": "food", "headcount": 50, "minor_injured": {0: 2}},
    )
    result = score_batch(batch, CFG)
    acc = result.inputs["accidents"]
    assert acc["credible_rate"][0] == acc["industry_rate"][0]
    assert np.isnan(acc["own_rate"][0]) and result.row(0)["rate_interval"]["high"] is None


# --- neutral defaults for missing data -----------------------------------------------------
def test_enterprise_with_no_records_gets_neutral_points():
    result = score_batch(make_batch({"headcount": 20, "hours": 3480.0}), CFG)
    hp = CFG.hazards
    neutral = 100 * (1 - hp.self_check_share) * hp.prior_on_time_rate
    assert result.components["hazards"][0] == pytest.approx(neutral)  # 76, not 0
    assert result.components["enforcement"][0] == 100.0
    assert result.components["foundation"][0] == CFG.foundation.risk_color.unknown
    assert result.components["accidents"][0] == 100.0  # a city without accidents


def test_invalid_standardization_counts_as_none():
    valid = score_batch(make_batch({"standardization": "level2"}), CFG)
    expired = score_batch(
        make_batch({"standardization": "level2", "standardization_valid": False}), CFG
    )
    assert valid.components["foundation"][0] - expired.components["foundation"][0] == 55.0
    assert expired.row(0)["components"]["foundation"]["inputs"]["standardization"] == "none"


def test_window_must_match_config():
    with pytest.raises(ValueError, match="window_months"):
        score_batch(make_batch({}, window=6), CFG)


def test_empty_batch():
    result = score_batch(EnterpriseBatch.from_columns([]), CFG)
    assert len(result) == 0 and result.score.shape == (0,)


def test_results_are_read_only():
    result = score_batch(example_batch(), CFG)
    with pytest.raises(ValueError):
        result.score[0] = 100.0
    with pytest.raises(TypeError):
        result.components["accidents"] = None


# --- purity and speed ---------------------------------------------------------------------
def test_import_pulls_in_no_web_or_database_package():
    code = (
        "import sys, scoring; assert hasattr(scoring, 'score_batch');"
        "bad = [m for m in ('flask', 'sqlmodel', 'sqlalchemy') if m in sys.modules];"
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


ALLOWED_IMPORTS = {
    "numpy",
    "dataclasses",
    "math",
    "collections",
    "types",
    "typing",
    "functools",
    "statistics",
}


def test_engine_modules_import_only_stdlib_math_and_numpy():
    for path in (ROOT / "scoring").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in ALLOWED_IMPORTS, f"{path.name} imports {name}"


def _city(n: int) -> EnterpriseBatch:
    rng = np.random.default_rng(7)
    w = CFG.window_months
    headcount = rng.integers(1, 500, n)
    hours = headcount[:, None] * rng.uniform(150, 190, (n, w))
    hours[rng.random((n, w)) < 0.2] = np.nan
    return EnterpriseBatch.from_columns(
        [f"91350582{i:010d}" for i in range(n)],
        w,
        industry=rng.choice(["food", "machinery", "paper", "logistics"], n),
        headcount=headcount,
        hours=hours,
        minor_injured=rng.poisson(0.01, (n, w)),
        serious_injured=rng.poisson(0.002, (n, w)),
        fines=rng.poisson(0.003, (n, w)),
        penalty_cny=rng.poisson(0.003, (n, w)) * 5e4,
        hazards_rectified_on_time=rng.poisson(2, n),
        self_check_found=rng.poisson(2, n),
        hazards_overdue_general=rng.poisson(0.1, n),
        standardization=rng.choice(["none", "small_micro", "level3"], n),
        risk_color=rng.choice(["", "red", "blue", "yellow"], n),
        steward=rng.random(n) < 0.2,
    )


def _python_calls(batch) -> int:
    """Python-level function calls made while scoring `batch` (profiled, not timed)."""
    calls = [0]

    def count(frame, event, arg):
        if event == "call":
            calls[0] += 1

    sys.setprofile(count)
    try:
        score_batch(batch, CFG)
    finally:
        sys.setprofile(None)
    return calls[0]


def test_scoring_does_the_same_python_work_for_10_or_10000_enterprises():
    # A per-enterprise Python loop would make the call count grow with the batch; the
    # batch path must stay vectorised (speed itself is measured in benchmarks/, not here).
    small, large = _city(10), _city(10_000)
    score_batch(large, CFG)  # fills the module's exact-Poisson lookup table once
    assert _python_calls(large) == _python_calls(small)
    result = score_batch(large, CFG)
    assert len(result) == 10_000 and np.all((result.score >= 0) & (result.score <= 100))


def test_industry_stats_survive_a_json_round_trip():
    batch = example_batch()
    stats = industry_stats(batch, CFG)
    again = IndustryStats.from_dict(json.loads(json.dumps(stats.as_dict())))
    assert again.as_dict() == stats.as_dict()
    assert np.array_equal(score_batch(batch, CFG, again).points, score_batch(batch, CFG).points)
    with pytest.raises(ValueError, match="sorted"):
        IndustryStats(np.array(["b", "a"]), np.zeros(2), np.zeros(2), np.zeros(2), 0.0, 0.0, 0.0)

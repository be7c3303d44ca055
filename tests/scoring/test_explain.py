"""explain(): drivers and what-if, each what-if delta checked against an independent re-score."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import (
    EnterpriseBatch,
    HazardDetail,
    ScoringConfig,
    explain,
    industry_stats,
    score_batch,
)

from .builders import (
    EXAMPLE_AS_OF,
    W,
    assert_unchanged,
    batches,
    copy_columns,
    example_batch,
    make_batch,
)

CFG = ScoringConfig()
EXAMPLE_HAZARDS = [
    HazardDetail(11, "general", "inspection", True, "blocked fire exit"),
    HazardDetail(12, "general", "self_check", False, "frayed cable"),
]


def _plus(one: EnterpriseBatch, **deltas: int) -> EnterpriseBatch:
    """The single enterprise with some hazard counts changed."""
    return one.replace(**{k: getattr(one, k) + d for k, d in deltas.items()})


def _slid(one: EnterpriseBatch, months: int) -> EnterpriseBatch:
    """The window moved `months` ahead by hand: clean new months at the mean reported hours."""
    reported = one.hours[~np.isnan(one.hours)]
    fill = reported.mean() if reported.size else np.nan
    changes = {}
    for name in (
        "minor_injured",
        "serious_injured",
        "deaths",
        "warnings",
        "fines",
        "suspensions",
        "referrals",
        "penalty_cny",
        "hours",
    ):
        old = getattr(one, name)
        new = np.zeros_like(old) if name != "hours" else np.full_like(old, fill)
        new[:, months:] = old[:, : W - months]
        changes[name] = new
    return one.replace(**changes)


def _expected_batch(one: EnterpriseBatch, entry: dict, hazards: list[HazardDetail]):
    """The modified enterprise a what-if entry promises, rebuilt independently of explain."""
    action, params = entry["action"], entry["params"]
    if action == "rectify_hazard":
        hazard = next(h for h in hazards if h.hazard_id == params["hazard_id"])
        if not hazard.overdue:
            return _plus(one, hazards_open_not_due=-1, hazards_rectified_on_time=1)
        column = f"hazards_overdue_{hazard.level}"
        return _plus(one, **{column: -1, "hazards_rectified_late": 1})
    if action == "contract_steward":
        return one.replace(steward=np.array([True]))
    if action == "months_without_accident":
        return _slid(one, params["months"])
    assert action == "standardize"
    return one.replace(
        standardization=np.array([params["to"]]), standardization_valid=np.array([True])
    )


def _check_what_ifs(one, stats, hazards, explained):
    """Every what-if delta equals the re-scored rounded score minus the rounded score."""
    base = score_batch(one, CFG, stats).score[0]
    deltas = [entry["delta"] for entry in explained["what_if"]]
    assert deltas == sorted(deltas, reverse=True) and all(d > 0 for d in deltas)
    for entry in explained["what_if"]:
        rescored = score_batch(_expected_batch(one, entry, hazards), CFG, stats)
        assert entry["delta"] == round(float(rescored.score[0] - base), 1), entry
        assert entry["score_after"] == rescored.score[0]
        assert entry["grade_after"] == rescored.grade[0]


def test_worked_example_explanation():
    batch = example_batch()
    stats = industry_stats(batch, CFG)
    one = batch.take([0])
    explained = explain(one, CFG, stats, EXAMPLE_HAZARDS, as_of=EXAMPLE_AS_OF)
    assert explained["score"] == score_batch(batch, CFG).score[0] == 52.4
    actions = [
        (e["action"], e["params"].get("months", e["params"].get("hazard_id")), e["delta"])
        for e in explained["what_if"]
    ]
    assert actions == [
        ("months_without_accident", 12, 16.3),
        ("rectify_hazard", 11, 4.6),
        ("months_without_accident", 6, 3.3),
        ("contract_steward", None, 2.3),
        ("months_without_accident", 3, 1.9),
        ("rectify_hazard", 12, 0.8),
        ("standardize", None, 0.8),
    ]
    _check_what_ifs(one, stats, EXAMPLE_HAZARDS, explained)


def test_worked_example_drivers():
    batch = example_batch()
    explained = explain(
        batch.take([0]), CFG, industry_stats(batch, CFG), EXAMPLE_HAZARDS, as_of=EXAMPLE_AS_OF
    )
    drivers = [(d["message_key"], d["points_lost"]) for d in explained["drivers"]]
    assert drivers == [
        ("accidents.industry_rate", 11.7),
        ("accidents.month", 9.1),
        ("hazards.overdue", 7.9),
        ("enforcement.month", 7.2),
        ("hazards.rectified_late", 2.4),
    ]
    injury = explained["drivers"][1]
    assert injury["params"] == {
        "months_ago": 1,
        "month": "2026-03",
        "minor_injured": 0,
        "serious_injured": 1,
        "deaths": 0,
    }
    assert injury["text"] == "1 serious injury in 2026-03"
    assert explained["drivers"][2]["text"] == "1 hazard is past the deadline"


def test_explanation_is_plain_json_and_carries_the_row():
    batch = example_batch()
    stats = industry_stats(batch, CFG)
    explained = explain(batch.take([0]), CFG, stats, EXAMPLE_HAZARDS, max_drivers=20)
    assert json.loads(json.dumps(explained)) == explained
    row = score_batch(batch, CFG).row(0)
    assert {k: explained[k] for k in row} == row
    assert all("month" not in d["params"] for d in explained["drivers"])  # no as_of given
    keys = {d["message_key"] for d in explained["drivers"]}
    assert {
        "hazards.self_check_low",
        "foundation.no_steward",
        "foundation.risk_color",
        "foundation.standardization",
    } <= keys
    for driver in explained["drivers"]:
        assert set(driver) == {"component", "points_lost", "message_key", "params", "text"}
        assert driver["points_lost"] > 0 and driver["text"]


def test_rectifying_an_overdue_major_hazard_lifts_the_veto():
    one = make_batch(
        {
            "headcount": 50,
            "hours": 8700.0,
            "hazards_overdue_major": 1,
            "standardization": "level3",
            "steward": True,
            "risk_color": "blue",
        }
    )
    stats = industry_stats(one, CFG)
    hazard = HazardDetail(7, "major", "inspection", True, "unguarded press")
    explained = explain(one, CFG, stats, [hazard])
    assert explained["veto"] == ["major_hazard_overdue"] and explained["grade"] == "D"
    rectify = next(e for e in explained["what_if"] if e["action"] == "rectify_hazard")
    assert rectify["grade_after"] != "D"
    _check_what_ifs(one, stats, [hazard], explained)


def test_explain_needs_exactly_one_enterprise():
    with pytest.raises(ValueError, match="one enterprise"):
        explain(example_batch(), CFG, industry_stats(example_batch(), CFG), [])


@st.composite
def batch_one_and_hazards(draw):
    """A random batch, one of its enterprises, and hazard details matching its open counts."""
    batch = draw(batches())
    one = batch.take([draw(st.integers(0, len(batch) - 1))])
    hazards, next_id = [], 1
    for column, level, overdue in (
        ("hazards_overdue_general", "general", True),
        ("hazards_overdue_major", "major", True),
        ("hazards_open_not_due", "general", False),
    ):
        for _ in range(int(getattr(one, column)[0])):
            hazards.append(HazardDetail(next_id, level, "self_check", overdue, ""))
            next_id += 1
    return batch, one, hazards


@settings(max_examples=30, deadline=None, database=None)
@given(batch_one_and_hazards())
def test_every_what_if_delta_equals_a_rescore(case):
    batch, one, hazards = case
    stats = industry_stats(batch, CFG)
    before = copy_columns(one)
    explained = explain(one, CFG, stats, hazards, as_of="2026-01")
    assert_unchanged(one, before)
    _check_what_ifs(one, stats, hazards, explained)
    assert [d["points_lost"] for d in explained["drivers"]] == sorted(
        (d["points_lost"] for d in explained["drivers"]), reverse=True
    )

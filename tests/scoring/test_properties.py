"""Hypothesis properties: bounds, monotonicity, credibility, order invariance, purity."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import EnterpriseBatch, ScoringConfig, industry_stats, score_batch
from scoring.industry import effective_hours

from .builders import W, assert_unchanged, batches, copy_columns, make_batch

CFG = ScoringConfig()
FAST = settings(max_examples=30, deadline=None, database=None)
MONOTONE = settings(max_examples=20, deadline=None, database=None)


def _add(batch: EnterpriseBatch, name: str, i: int, amount, month: int | None = None):
    """A copy with `amount` added to enterprise i's column (at `month` for monthly ones)."""
    arr = getattr(batch, name).copy()
    if month is None:
        arr[i] += amount
    else:
        arr[i, month] += amount
    return batch.replace(**{name: arr})


def _upgrade(batch: EnterpriseBatch, i: int, j: int, k: int) -> EnterpriseBatch:
    """One injured person at month j made more severe: minor -> serious, else serious -> death."""
    for lower, higher in (("minor_injured", "serious_injured"), ("serious_injured", "deaths")):
        if getattr(batch, lower)[i, j] > 0:
            return _add(_add(batch, lower, i, -1, j), higher, i, 1, j)
    return _add(batch, "serious_injured", i, 1, j)


WORSE = {
    "minor accident": lambda b, i, j, k: _add(b, "minor_injured", i, k, j),
    "serious accident": lambda b, i, j, k: _add(b, "serious_injured", i, k, j),
    "death": lambda b, i, j, k: _add(b, "deaths", i, 1, j),
    "severer accident": _upgrade,
    "warning": lambda b, i, j, k: _add(b, "warnings", i, k, j),
    "fine": lambda b, i, j, k: _add(b, "fines", i, k, j),
    "suspension": lambda b, i, j, k: _add(b, "suspensions", i, k, j),
    "referral": lambda b, i, j, k: _add(b, "referrals", i, k, j),
    "larger penalty": lambda b, i, j, k: _add(b, "penalty_cny", i, 1000.0 * k, j),
    "overdue general": lambda b, i, j, k: _add(b, "hazards_overdue_general", i, k),
    "overdue major": lambda b, i, j, k: _add(b, "hazards_overdue_major", i, k),
}


def _more_clean_hours(batch: EnterpriseBatch, i: int, j: int, k: int) -> EnterpriseBatch:
    """Month j of enterprise i reports k * 1000 hours more than it counts now; no accident."""
    hours = batch.hours.copy()
    hours[i, j] = effective_hours(batch, CFG)[i, j] + 1000.0 * k
    return batch.replace(hours=hours)


def _self_report_not_due(batch: EnterpriseBatch, i: int, j: int, k: int) -> EnterpriseBatch:
    """k newly self-reported hazards, open and not yet due."""
    for name in ("hazards_found", "hazards_open_not_due", "self_check_found"):
        batch = _add(batch, name, i, k)
    return batch


BETTER = {
    "more clean exposure": _more_clean_hours,
    "more on-time rectifications": lambda b, i, j, k: _add(b, "hazards_rectified_on_time", i, k),
    "self-reported hazard not yet due": _self_report_not_due,
}


@st.composite
def batch_and_change(draw):
    """A batch, an enterprise index i, a month j and an amount k >= 1."""
    batch = draw(batches())
    return (
        batch,
        draw(st.integers(0, len(batch) - 1)),
        draw(st.integers(0, W - 1)),
        draw(st.integers(1, 5)),
    )


@FAST
@given(batches(max_size=8))
def test_scores_are_bounded_and_grades_consistent(batch):
    result = score_batch(batch, CFG)
    assert np.all((result.score >= 0) & (result.score <= 100))
    for part in result.components.values():
        assert np.all((part >= 0) & (part <= 100))
    letters = np.select(
        [result.score >= 85, result.score >= 70, result.score >= 60], ["A", "B", "C"], "D"
    )
    assert np.array_equal(result.grade, np.where(result.vetoed, "D", letters))


@pytest.mark.parametrize("change", sorted(WORSE))
@MONOTONE
@given(case=batch_and_change())
def test_score_never_rises_with_worse_records(change, case):
    batch, i, j, k = case
    before, after = score_batch(batch, CFG), score_batch(WORSE[change](batch, i, j, k), CFG)
    assert after.points[i] <= before.points[i] + 1e-9
    assert after.score[i] <= before.score[i]


@pytest.mark.parametrize("change", sorted(BETTER))
@MONOTONE
@given(case=batch_and_change())
def test_score_never_falls_with_better_records(change, case):
    batch, i, j, k = case
    before, after = score_batch(batch, CFG), score_batch(BETTER[change](batch, i, j, k), CFG)
    assert after.points[i] >= before.points[i] - 1e-9
    assert after.score[i] >= before.score[i]


@FAST
@given(
    hours=st.floats(100, 50_000),
    minor=st.integers(0, 3),
    scale=st.integers(2, 20),
    reference=batches(min_size=2),
)
def test_credible_rate_moves_toward_the_industry_as_exposure_shrinks(
    hours, minor, scale, reference
):
    # Same own rate, `scale` times the exposure; industry statistics held fixed.
    stats = industry_stats(reference, CFG)
    small = {"industry": "food", "hours": hours, "minor_injured": minor}
    large = small | {"hours": hours * scale, "minor_injured": minor * scale}
    acc = score_batch(make_batch(small, large), CFG, stats).inputs["accidents"]
    gap = np.abs(acc["credible_rate"] - acc["industry_rate"])
    assert acc["credibility"][0] < acc["credibility"][1]
    assert gap[0] <= gap[1] * (1 + 1e-12) + 1e-12


def test_no_exposure_means_exactly_the_industry_rate():
    stats = industry_stats(make_batch({"industry": "food", "hours": 9e4, "minor_injured": 1}), CFG)
    acc = score_batch(make_batch({"industry": "food", "deaths": {0: 1}}), CFG, stats).inputs[
        "accidents"
    ]
    # 20 weighted cases over K hours: the prior still dominates the firm's own record.
    assert acc["credibility"][0] == 0
    expected = (20 * 1e6 + stats.rate[0] * CFG.accidents.credibility_hours) / (
        CFG.accidents.credibility_hours
    )
    assert acc["credible_rate"][0] == pytest.approx(expected)


@FAST
@given(data=st.data(), batch=batches(min_size=2, max_size=8))
def test_invariant_to_the_order_of_enterprises(data, batch):
    order = data.draw(st.permutations(range(len(batch))))
    first, second = score_batch(batch, CFG), score_batch(batch.take(order), CFG)
    back = np.argsort(order)  # row r of the first result is row back[r] of the second
    assert np.array_equal(second.uscc[back], first.uscc)
    assert np.array_equal(second.score[back], first.score)
    assert np.array_equal(second.grade[back], first.grade)
    for name, points in first.components.items():
        assert np.array_equal(second.components[name][back], points)


@FAST
@given(batches(max_size=5))
def test_deterministic_and_inputs_not_mutated(batch):
    before = copy_columns(batch)
    first, second = score_batch(batch, CFG), score_batch(batch, CFG)
    assert_unchanged(batch, before)
    assert np.array_equal(first.points, second.points)
    assert [first.row(i) for i in range(len(batch))] == [second.row(i) for i in range(len(batch))]

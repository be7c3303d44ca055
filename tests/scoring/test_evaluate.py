"""AUC (Mann-Whitney, ties averaged) and incidence by group."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.evaluate import (
    auc,
    average_ranks,
    incidence_by_group,
    quantile_bands,
    stratified_auc,
)


@pytest.mark.parametrize(
    ("risk", "outcome", "expected"),
    [
        ([1, 2, 3, 4], [0, 0, 1, 1], 1.0),
        ([4, 3, 2, 1], [0, 0, 1, 1], 0.0),
        ([1, 1, 1, 1], [0, 1, 0, 1], 0.5),
        ([1, 2, 2, 3], [0, 1, 0, 1], 0.875),  # one tied pair counts 1/2: (1 + .5 + 1 + 1) / 4
        ([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75),
    ],
)
def test_auc_table(risk, outcome, expected):
    assert auc(risk, outcome) == pytest.approx(expected)


def test_auc_is_nan_without_both_classes():
    assert math.isnan(auc([1, 2], [0, 0])) and math.isnan(auc([1, 2], [1, 1]))


def test_auc_rejects_bad_input():
    with pytest.raises(ValueError):
        auc([1, 2, 3], [0, 1])
    with pytest.raises(ValueError):
        auc([1, np.nan], [0, 1])


def test_average_ranks():
    assert average_ranks(np.array([10, 20, 20, 5])).tolist() == [2.0, 3.5, 3.5, 1.0]


@settings(max_examples=40, deadline=None, database=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=2, max_size=30))
def test_auc_equals_the_pairwise_definition(pairs):
    risk = np.array([p[0] for p in pairs], dtype=float)
    outcome = np.array([p[1] for p in pairs])
    pos, neg = risk[outcome], risk[~outcome]
    if pos.size == 0 or neg.size == 0:
        assert math.isnan(auc(risk, outcome))
        return
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert auc(risk, outcome) == pytest.approx(wins / (pos.size * neg.size))


def test_incidence_by_group():
    result = incidence_by_group(["A", "D", "A", "B", "D", "D"], [0, 1, 0, 1, 1, 0])
    assert result == {
        "A": {"n": 2, "events": 0, "incidence": 0.0},
        "B": {"n": 1, "events": 1, "incidence": 1.0},
        "D": {"n": 3, "events": 2, "incidence": pytest.approx(2 / 3)},
    }
    assert list(result) == ["A", "B", "D"]
    with pytest.raises(ValueError):
        incidence_by_group(["A"], [1, 0])


def test_stratified_auc_compares_only_within_strata():
    # Between strata the risk ranks perfectly wrong, within each stratum perfectly right.
    risk = [10, 11, 1, 2]
    outcome = [0, 1, 0, 1]
    strata = ["big", "big", "small", "small"]
    assert auc(risk, outcome) == 0.75
    assert stratified_auc(risk, outcome, strata) == 1.0
    assert np.isnan(stratified_auc([1, 2], [1, 1], ["a", "a"]))


def test_quantile_bands_split_evenly():
    bands = quantile_bands(np.arange(100), 5)
    assert np.bincount(bands).tolist() == [20] * 5

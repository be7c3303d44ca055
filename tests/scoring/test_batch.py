"""EnterpriseBatch construction, defaults, validation and row operations."""

import numpy as np
import pytest

from scoring import EnterpriseBatch

from .builders import make_batch


def test_from_columns_fills_defaults():
    batch = EnterpriseBatch.from_columns(["A", "B"], window_months=6, headcount=[3, 4])
    assert len(batch) == 2 and batch.window == 6
    assert np.isnan(batch.hours).all()
    assert batch.deaths.shape == (2, 6) and not batch.deaths.any()
    assert batch.standardization.tolist() == ["none", "none"]
    assert batch.risk_color.tolist() == ["", ""]
    assert batch.standardization_valid.all() and not batch.steward.any()
    assert batch.industry.tolist() == ["other", "other"]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"deaths": -np.ones((2, 12))}, "deaths"),
        ({"hours": np.full((2, 12), np.inf)}, "hours"),
        ({"hazards_overdue_major": [0, -1]}, "hazards_overdue_major"),
        ({"standardization": ["level1", "gold"]}, "standardization"),
        ({"risk_color": ["green", ""]}, "risk_color"),
        ({"fines": np.zeros((2, 11))}, "fines"),
        ({"headcount": [1, 2, 3]}, "headcount"),
        ({"penalty_cny": np.full((2, 12), np.nan)}, "penalty_cny"),
        ({"rectifications": [1, 2]}, "rectifications"),
    ],
)
def test_invalid_columns_raise(columns, message):
    with pytest.raises(ValueError, match=message):
        EnterpriseBatch.from_columns(["A", "B"], **columns)


def test_take_replace_concat():
    batch = make_batch({"headcount": 1}, {"headcount": 2}, {"headcount": 3})
    assert batch.take([2, 0]).headcount.tolist() == [3, 1]
    assert batch.take(np.array([False, True, False])).uscc.tolist() == [batch.uscc[1]]
    changed = batch.replace(steward=np.array([True, False, True]))
    assert changed.steward.tolist() == [True, False, True]
    assert not batch.steward.any()
    both = EnterpriseBatch.concat([batch, changed])
    assert len(both) == 6 and both.steward.tolist()[3:] == [True, False, True]


def test_string_columns_are_not_truncated_on_replace():
    batch = make_batch({"standardization": "none"})
    changed = batch.replace(standardization=np.array(["small_micro"]))
    assert changed.standardization[0] == "small_micro"

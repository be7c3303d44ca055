"""scoring.stats: rates, intervals, DiD, proportions and funnel limits, worked out by hand."""

import math

import numpy as np
import pytest

from scoring.stats import (
    MIN_EVENTS,
    Pool,
    change,
    change_pct,
    did,
    funnel_flags,
    funnel_limits,
    poisson_limit,
    pool,
    proportions,
    rate,
    window_weights,
)


def _pct(x: float) -> float:
    return (math.exp(x) - 1.0) * 100.0


def test_pool_sums_with_weights_and_poisson_variance():
    p = pool([1, 2, 3], [10, 20, 30], weights=[1, 2, 0])
    assert (p.count, p.exposure, p.var) == (5.0, 50.0, 1 + 4 * 2)
    amounts = pool([100, 300], [1, 1], squares=[100**2, 300**2], events=[1, 2])
    assert amounts.var == 100**2 + 300**2 and amounts.n_events == 3


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [(5.0, 3.0, -40.0), (2.0, 3.0, 50.0), (0.0, 3.0, None), (None, 1.0, None), (4.0, 0.0, -100.0)],
)
def test_change_pct(before, after, expected):
    assert change_pct(before, after) == (expected if expected is None else pytest.approx(expected))


def test_rate_needs_exposure():
    assert rate(Pool(3, 2e6), 1e6) == 1.5
    assert rate(Pool(3, 0), 1e6) is None


def test_change_is_the_poisson_log_rate_ratio_interval():
    result = change(Pool(10, 2e6), Pool(6, 2e6), per=1e6)
    assert (result.before, result.after) == (5.0, 3.0)
    assert result.change_pct == pytest.approx(-40.0)
    se = math.sqrt(1 / 10 + 1 / 6)
    low, high = result.ci95
    assert low == pytest.approx(_pct(math.log(0.6) - 1.96 * se))
    assert high == pytest.approx(_pct(math.log(0.6) + 1.96 * se))
    assert result.reason is None and result.few_events is (6 < MIN_EVENTS)


@pytest.mark.parametrize(
    ("before", "after", "reason", "pct"),
    [
        (Pool(0, 1e6), Pool(0, 1e6), "no_cases", None),
        (Pool(0, 1e6), Pool(4, 1e6), "no_cases_before", None),
        (Pool(4, 1e6), Pool(0, 1e6), "no_cases_after", -100.0),
        (Pool(4, 0), Pool(4, 1e6), "no_exposure_before", None),
        (Pool(4, 1e6), Pool(4, 0), "no_exposure_after", None),
    ],
)
def test_insufficient_data_has_a_reason_and_no_interval(before, after, reason, pct):
    result = change(before, after, per=1e6)
    assert (result.reason, result.ci95, result.change_pct) == (reason, None, pct)


def test_amounts_use_their_sum_of_squares():
    before = Pool(1000, 10, variance=500**2 * 2, events=2)
    after = Pool(500, 10, variance=500**2, events=1)
    result = change(before, after)
    se = math.sqrt(2 * 500**2 / 1000**2 + 500**2 / 500**2)
    assert result.ci95[0] == pytest.approx(_pct(math.log(0.5) - 1.96 * se))
    assert result.few_events


def test_did_is_the_ratio_of_rate_ratios():
    treated = (Pool(20, 1e6), Pool(10, 1e6))  # RR 0.5
    control = (Pool(40, 4e6), Pool(36, 4e6))  # RR 0.9
    result = did(treated, control, per=1e6)
    assert result.change_pct == pytest.approx((0.5 / 0.9 - 1) * 100)
    se = math.sqrt(1 / 20 + 1 / 10 + 1 / 40 + 1 / 36)
    assert result.ci95[1] == pytest.approx(_pct(math.log(0.5 / 0.9) + 1.96 * se))
    assert result.control.change_pct == pytest.approx(-10.0)


def test_did_with_weighted_control_uses_weighted_variance():
    control = (pool([4, 6], [1e5, 1e5], weights=[2, 1]), pool([5, 5], [1e5, 1e5], weights=[1, 2]))
    result = did((Pool(20, 1e6), Pool(10, 1e6)), control)
    rr_c = (15 / 3e5) / (14 / 3e5)
    assert result.change_pct == pytest.approx((0.5 / rr_c - 1) * 100)
    se = math.sqrt(1 / 20 + 1 / 10 + (4 * 4 + 6) / 14**2 + (5 + 4 * 5) / 15**2)
    assert result.ci95[0] == pytest.approx(_pct(math.log(0.5 / rr_c) - 1.96 * se))


@pytest.mark.parametrize(
    ("treated", "control", "reason"),
    [
        ((Pool(0, 1), Pool(0, 1)), (Pool(3, 1), Pool(3, 1)), "no_cases"),
        ((Pool(3, 1), Pool(3, 1)), (Pool(0, 1), Pool(3, 1)), "control_no_cases_before"),
        ((Pool(3, 1), Pool(3, 1)), (Pool(3, 1), Pool(0, 1)), "control_no_cases_after"),
        ((Pool(3, 1), Pool(3, 1)), (Pool(3, 0), Pool(3, 1)), "control_no_exposure_before"),
    ],
)
def test_did_unavailable(treated, control, reason):
    result = did(treated, control)
    assert (result.change_pct, result.ci95, result.reason) == (None, None, reason)


def test_window_weights_count_the_suppliers_whose_window_holds_each_month():
    before, after = window_weights({5: 2, 7: 1}, first=0, n_months=12, window=3)
    assert before.tolist() == [0, 0, 2, 2, 3, 1, 1, 0, 0, 0, 0, 0]
    assert after.tolist() == [0, 0, 0, 0, 0, 2, 2, 3, 1, 1, 0, 0]


def test_proportions_newcombe_interval():
    result = proportions(3, 10, 8, 12)
    assert result.before == pytest.approx(30.0) and result.change_pp == pytest.approx(36.6666667)
    low, high = result.ci95
    assert low < 0 < high and not result.rising
    assert proportions(10, 100, 60, 100).rising
    assert proportions(1, 0, 2, 5).change_pp is None


def test_poisson_limit_matches_the_tables():
    # Poisson(10): F(16) = 0.97296, F(17) = 0.98572, so the 97.5% point is 17 − 0.840.
    assert poisson_limit([10.0], 0.975)[0] == pytest.approx(16.1600, abs=1e-3)
    # Poisson(10): F(3) = 0.01034, F(4) = 0.02925 → the 2.5% point is 4 − 0.2248.
    assert poisson_limit([10.0], 0.025)[0] == pytest.approx(3.7752, abs=1e-3)
    assert poisson_limit([0.0], 0.999)[0] == 0.0


def test_poisson_limit_uses_the_normal_for_large_means():
    big = poisson_limit([1e6], 0.975)[0]
    assert big == pytest.approx(1e6 + 1.959964 * 1000, rel=1e-6)


def test_funnel_limits_narrow_with_exposure_and_nan_without():
    limits = funnel_limits(5.0, [0, 1e5, 1e6, 1e7])
    low95, high95 = limits[0.95]
    low998, high998 = limits[0.998]
    assert np.isnan(high95[0]) and np.isnan(low95[0])
    assert list(np.diff(high95[1:]) < 0) == [True, True]
    assert all(high998[1:] > high95[1:]) and all(low998[1:] <= low95[1:])
    assert all(low95[1:] <= 5.0) and all(high95[1:] >= 5.0)


def test_funnel_flags():
    flags = funnel_flags([0, 10, 40, 0], [10.0, 10.0, 10.0, 0.5])
    assert flags.tolist() == [-1, 0, 1, 0]

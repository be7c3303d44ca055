"""Exact Poisson intervals and the gamma quantile behind them."""

import numpy as np
import pytest

from scoring.poisson import EXACT_MAX_SHAPE, gamma_cdf_int, gamma_quantile_int, poisson_interval


def test_one_event_in_100000_hours():
    low, high = poisson_interval(np.array([1]), np.array([100_000.0]))
    assert low[0] == pytest.approx(0.2532, abs=1e-4)
    assert high[0] == pytest.approx(55.716, abs=1e-3)


@pytest.mark.parametrize(
    ("count", "low", "high"),
    [  # Garwood limits in events (chi-square tables / 2)
        (0, 0.0, 3.6889),
        (1, 0.02532, 5.5716),
        (2, 0.2422, 7.2247),
        (10, 4.7954, 18.3904),
        (50, 37.1110, 65.9200),
        (100, 81.3639, 121.6296),
    ],
)
def test_interval_matches_tables(count, low, high):
    lo, hi = poisson_interval(np.array([count]), np.array([1e6]))
    assert lo[0] == pytest.approx(low, rel=2e-4, abs=1e-4)
    assert hi[0] == pytest.approx(high, rel=2e-4)


def test_zero_exposure_gives_nan_bounds():
    low, high = poisson_interval(np.array([0, 3]), np.array([0.0, 0.0]))
    assert np.isnan(low).all() and np.isnan(high).all()


def test_quantile_inverts_the_cdf_and_joins_the_approximation_smoothly():
    shapes = np.arange(1, EXACT_MAX_SHAPE + 1)
    for p in (0.025, 0.5, 0.975):
        x = gamma_quantile_int(shapes, p)
        assert np.allclose(gamma_cdf_int(shapes, x), p, atol=1e-9)
    both = gamma_quantile_int(np.array([EXACT_MAX_SHAPE, EXACT_MAX_SHAPE + 1]), 0.975)
    assert 0 < both[1] - both[0] < 1.2  # one more event moves the bound by about one

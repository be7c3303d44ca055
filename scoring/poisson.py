"""Exact (Garwood) Poisson confidence intervals without scipy."""

from functools import lru_cache
from statistics import NormalDist

import numpy as np

# Up to this shape the gamma quantile is found by bisection on the exact CDF; above it the
# Wilson-Hilferty cube-root approximation is accurate to about 1e-4 relative.
EXACT_MAX_SHAPE = 60
_BISECTIONS = 64


def gamma_cdf_int(shape: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Regularized lower gamma P(a, x) for integer a >= 1: 1 - sum_{k<a} e^-x x^k / k!."""
    kmax = int(shape.max())
    k = np.arange(1, kmax, dtype=np.float64)
    # Poisson terms e^-x x^k / k! built by a running product, so nothing overflows.
    ratios = x[:, None] / k[None, :]
    terms = np.exp(-x)[:, None] * np.cumprod(np.hstack([np.ones((x.size, 1)), ratios]), axis=1)
    mask = np.arange(kmax)[None, :] < shape[:, None]
    return 1.0 - np.where(mask, terms, 0.0).sum(axis=1)


def _bisect_quantile(shape: np.ndarray, p: float) -> np.ndarray:
    """Gamma(shape, 1) quantile at p by bisection, for integer shapes 1..EXACT_MAX_SHAPE."""
    lo = np.zeros(shape.size)
    hi = shape + 10.0 * np.sqrt(shape) + 10.0
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        below = gamma_cdf_int(shape, mid) < p
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def _wilson_hilferty(shape: np.ndarray, p: float) -> np.ndarray:
    """Gamma(shape, 1) quantile ~ a (1 - 1/(9a) + z / (3 sqrt a))^3, z the normal quantile."""
    z = NormalDist().inv_cdf(p)
    return shape * (1.0 - 1.0 / (9.0 * shape) + z / (3.0 * np.sqrt(shape))) ** 3


@lru_cache(maxsize=8)
def _exact_table(p: float) -> np.ndarray:
    """Quantiles at p of shapes 0..EXACT_MAX_SHAPE (entry 0 unused), computed once per p."""
    table = np.zeros(EXACT_MAX_SHAPE + 1)
    table[1:] = _bisect_quantile(np.arange(1, EXACT_MAX_SHAPE + 1, dtype=np.float64), p)
    table.flags.writeable = False
    return table


def gamma_quantile_int(shape: np.ndarray, p: float) -> np.ndarray:
    """Gamma(shape, 1) quantile at p for integer shapes >= 1: exact table, else Wilson-Hilferty."""
    shape = np.asarray(shape, dtype=np.int64)
    small = shape <= EXACT_MAX_SHAPE
    exact = _exact_table(float(p))[np.where(small, shape, 0)]
    approx = _wilson_hilferty(np.maximum(shape, EXACT_MAX_SHAPE).astype(np.float64), p)
    return np.where(small, exact, approx)


def poisson_interval(
    counts: np.ndarray, exposure: np.ndarray, level: float = 0.95, per: float = 1e6
) -> tuple[np.ndarray, np.ndarray]:
    """Exact interval of a Poisson rate per `per` units: [G(a/2; x), G(1-a/2; x+1)] / exposure.

    A zero count has lower bound 0; exposure under one unit (one hour) gives NaN bounds:
    nothing is known, and dividing by a vanishing exposure would overflow.
    """
    counts = np.asarray(counts, dtype=np.int64)
    alpha = 1.0 - level
    lower_events = np.zeros(counts.shape)
    pos = counts > 0
    if pos.any():
        lower_events[pos] = gamma_quantile_int(counts[pos], alpha / 2)
    upper_events = gamma_quantile_int(counts + 1, 1 - alpha / 2) if counts.size else lower_events
    scale = np.divide(per, exposure, out=np.full(counts.shape, np.nan), where=exposure >= 1.0)
    return lower_events * scale, upper_events * scale

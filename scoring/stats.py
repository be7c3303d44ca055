"""Statistics behind trends and the effect of joining: pooled rates, rate ratios with their
Poisson intervals, the ratio-of-rate-ratios difference-in-differences, a difference of two
proportions, and funnel-plot limits. Pure: numpy and the standard library, no I/O.

Every result that cannot be computed says why in `reason` (a code such as `no_cases_before`)
instead of dividing by zero or printing a confident number.
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

Z95 = 1.96  # API.md fixes the 95% interval as ± 1.96 standard errors of ln RR
# Fewer events than this in a window: the interval is shown but flagged as resting on few cases.
MIN_EVENTS = 10
# Above this expected count a Poisson quantile is taken from the normal approximation.
NORMAL_ABOVE = 1000.0


@dataclass(frozen=True)
class Pool:
    """Pooled `count` (events, or an amount such as CNY) over `exposure`; `variance` is the
    variance of `count`: the count itself for Poisson events, Σ part² for an amount."""

    count: float
    exposure: float
    variance: float | None = None
    events: float | None = None  # events behind an amount (fines), for the few-events flag

    @property
    def var(self) -> float:
        return self.count if self.variance is None else self.variance

    @property
    def n_events(self) -> float:
        return self.count if self.events is None else self.events


def pool(counts, exposures, weights=None, squares=None, events=None) -> Pool:
    """Σ w·count over Σ w·exposure; variance Σ w²·count (Poisson) or Σ w²·square (amounts)."""
    counts = np.asarray(counts, dtype=np.float64)
    w = np.ones_like(counts) if weights is None else np.asarray(weights, dtype=np.float64)
    parts = counts if squares is None else np.asarray(squares, dtype=np.float64)
    n_events = None if events is None else float(np.sum(w * np.asarray(events, np.float64)))
    return Pool(
        float(np.sum(w * counts)),
        float(np.sum(w * np.asarray(exposures, dtype=np.float64))),
        float(np.sum(w * w * parts)),
        n_events,
    )


def rate(p: Pool, per: float = 1.0) -> float | None:
    """count × per / exposure; None without exposure."""
    return p.count * per / p.exposure if p.exposure > 0 else None


def change_pct(before: float | None, after: float | None) -> float | None:
    """(after / before − 1) × 100; None when either is missing or `before` is zero."""
    if before is None or after is None or before == 0:
        return None
    return (after / before - 1.0) * 100.0


@dataclass(frozen=True)
class Change:
    """Before/after rates, the change in percent and its 95% interval (or why not)."""

    before: float | None
    after: float | None
    change_pct: float | None
    ci95: tuple[float, float] | None
    reason: str | None
    few_events: bool


def _missing(before: Pool, after: Pool, prefix: str = "") -> str | None:
    """Why a rate ratio cannot be formed, or None."""
    for side, p in (("before", before), ("after", after)):
        if p.exposure <= 0:
            return f"{prefix}no_exposure_{side}"
    if before.count <= 0 and after.count <= 0:
        return f"{prefix}no_cases"
    if before.count <= 0:
        return f"{prefix}no_cases_before"
    return None


def _log_se(*pools: Pool) -> float:
    """Standard error of ln(ratio of pooled counts): √Σ var/count² (Poisson: √Σ 1/count)."""
    return math.sqrt(sum(p.var / (p.count * p.count) for p in pools))


def _interval(ratio: float, se: float, z: float) -> tuple[float, float]:
    """The change-percent interval of a ratio: (exp(ln ratio ± z·se) − 1) × 100."""
    return (
        (math.exp(math.log(ratio) - z * se) - 1.0) * 100.0,
        (math.exp(math.log(ratio) + z * se) - 1.0) * 100.0,
    )


def change(before: Pool, after: Pool, *, per: float = 1.0, z: float = Z95) -> Change:
    """Rate before and after, change_pct, and exp(ln RR ± z·√(1/cases_b + 1/cases_a))."""
    rb, ra = rate(before, per), rate(after, per)
    few = min(before.n_events, after.n_events) < MIN_EVENTS
    reason = _missing(before, after)
    if reason is None and after.count <= 0:
        reason = "no_cases_after"  # the change is −100%, but ln 0 has no interval
    ci = None
    if reason is None:
        ci = _interval(ra / rb, _log_se(before, after), z)
    return Change(rb, ra, change_pct(rb, ra), ci, reason, few)


@dataclass(frozen=True)
class DiD:
    """Ratio of rate ratios (treated over control) as a percentage change, with its interval."""

    change_pct: float | None
    ci95: tuple[float, float] | None
    reason: str | None
    control: Change


def did(
    treated: tuple[Pool, Pool], control: tuple[Pool, Pool], *, per: float = 1.0, z: float = Z95
) -> DiD:
    """(RR_treated / RR_control − 1) × 100; ln RRR's variance is the sum of the four windows'."""
    control_change = change(*control, per=per, z=z)
    reason = _missing(*treated) or _missing(*control, prefix="control_")
    if reason is None and control[1].count <= 0:
        reason = "control_no_cases_after"
    if reason is not None:
        return DiD(None, None, reason, control_change)
    rr_t = rate(treated[1]) / rate(treated[0])
    rrr = rr_t / (rate(control[1]) / rate(control[0]))
    if treated[1].count <= 0:
        return DiD((rrr - 1.0) * 100.0, None, "no_cases_after", control_change)
    ci = _interval(rrr, _log_se(*treated, *control), z)
    return DiD((rrr - 1.0) * 100.0, ci, None, control_change)


def window_weights(join_counts, first: int, n_months: int, window: int):
    """Per calendar month (index `first` … `first + n_months − 1`), how many suppliers' before
    window and after window hold it. `join_counts` maps join month index → suppliers."""
    before, after = np.zeros(n_months), np.zeros(n_months)
    for join, n in join_counts.items():
        j = join - first
        before[max(j - window, 0) : max(j, 0)] += n
        after[max(j, 0) : max(j + window, 0)] += n
    return before, after


@dataclass(frozen=True)
class Proportions:
    """Two shares (before, after) in percent, their difference in points and its interval."""

    before: float | None
    after: float | None
    change_pp: float | None
    ci95: tuple[float, float] | None
    rising: bool


def _wilson(k: float, n: float, z: float) -> tuple[float, float]:
    p, z2 = k / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def proportions(k_before, n_before, k_after, n_after, *, z: float = Z95) -> Proportions:
    """Shares k/n before and after; Newcombe's hybrid score interval for after − before.
    `rising` when the whole interval lies above zero."""
    if n_before <= 0 or n_after <= 0:
        pb = k_before / n_before * 100 if n_before > 0 else None
        pa = k_after / n_after * 100 if n_after > 0 else None
        return Proportions(pb, pa, None, None, False)
    p1, p2 = k_before / n_before, k_after / n_after
    l1, u1 = _wilson(k_before, n_before, z)
    l2, u2 = _wilson(k_after, n_after, z)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return Proportions(p1 * 100, p2 * 100, d * 100, (low * 100, high * 100), low > 0)


def _poisson_cdf_table(lam: np.ndarray, kmax: int) -> np.ndarray:
    """P(X ≤ k) for k = 0 … kmax, one row per mean (log-space pmf, so nothing overflows)."""
    k = np.arange(kmax + 1, dtype=np.float64)
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.maximum(k[1:], 1.0)))])
    safe = np.where(lam > 0, lam, 1.0)[:, None]
    log_pmf = k[None, :] * np.log(safe) - safe - log_fact[None, :]
    pmf = np.where(lam[:, None] > 0, np.exp(log_pmf), (k[None, :] == 0).astype(np.float64))
    return np.minimum(np.cumsum(pmf, axis=1), 1.0)


def _interpolated(lam: np.ndarray, p: float) -> np.ndarray:
    """Spiegelhalter's continuous p-quantile for means small enough to tabulate."""
    top = float(lam.max())
    cdf = _poisson_cdf_table(lam, int(math.ceil(top + 12 * math.sqrt(top) + 12)))
    r = np.minimum((cdf < p).sum(axis=1), cdf.shape[1] - 1)
    rows = np.arange(lam.size)
    f_r = cdf[rows, r]
    f_prev = np.where(r > 0, cdf[rows, np.maximum(r - 1, 0)], 0.0)
    alpha = np.divide(f_r - p, f_r - f_prev, out=np.zeros(lam.size), where=f_r > f_prev)
    return np.maximum(r - alpha, 0.0)


def poisson_limit(lam, p: float) -> np.ndarray:
    """The p-quantile of Poisson(lam) interpolated to a continuous count (Spiegelhalter 2005):
    r − (F(r) − p) / (F(r) − F(r − 1)), r the smallest count with F(r) ≥ p; never below 0.
    Means are tabulated in bands of similar size, so one large mean does not widen every row."""
    lam = np.atleast_1d(np.asarray(lam, dtype=np.float64))
    out = np.maximum(lam + NormalDist().inv_cdf(p) * np.sqrt(lam), 0.0)
    low = 0.0
    for high in (4.0, 16.0, 64.0, 256.0, NORMAL_ABOVE):
        band = (lam > low) & (lam <= high) if low else lam <= high
        if band.any():
            out[band] = _interpolated(lam[band], p)
        low = high
    return out


def funnel_limits(rate_per: float, exposures, *, levels=(0.95, 0.998), per: float = 1e6):
    """Control limits of a rate (events per `per` exposure) at each exposure, for each level:
    {level: (lower, upper)} arrays; NaN where the exposure is zero."""
    exposures = np.asarray(exposures, dtype=np.float64)
    lam = rate_per * exposures / per
    scale = np.divide(per, exposures, out=np.full(exposures.shape, np.nan), where=exposures > 0)
    limits = {}
    for level in levels:
        tail = (1.0 - level) / 2.0
        limits[level] = (poisson_limit(lam, tail) * scale, poisson_limit(lam, 1 - tail) * scale)
    return limits


def funnel_flags(counts, expected, *, level: float = 0.998) -> np.ndarray:
    """+1 above the upper limit, −1 below the lower, 0 inside, for observed vs expected counts."""
    counts = np.asarray(counts, dtype=np.float64)
    tail = (1.0 - level) / 2.0
    upper, lower = poisson_limit(expected, 1 - tail), poisson_limit(expected, tail)
    return np.where(counts > upper, 1, np.where(counts < lower, -1, 0))

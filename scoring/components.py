"""The four score components: arrays in, points 0-100 (higher is safer) and their inputs out."""

import numpy as np

from .batch import EnterpriseBatch
from .config import STANDARDIZATION_LEVELS, ScoringConfig
from .industry import PER_MILLION, IndustryStats
from .poisson import poisson_interval

Arrays = dict[str, np.ndarray]


def accident_points(credible_rate: np.ndarray, config: ScoringConfig) -> np.ndarray:
    """Points = 100 * 2^(-rate / half_points_rate): 100 at rate 0, 50 at the half-points rate."""
    return 100.0 * np.exp2(-credible_rate / config.accidents.half_points_rate)


def credible_rate(
    cases: np.ndarray, hours: np.ndarray, industry_rate: np.ndarray, config: ScoringConfig
) -> np.ndarray:
    """Gamma-Poisson posterior mean (C*1e6 + r_ind*K) / (E + K) = Z*own + (1-Z)*r_ind, per 1e6 h."""
    k = config.accidents.credibility_hours
    return (cases * PER_MILLION + industry_rate * k) / (hours + k)


def accidents(
    batch: EnterpriseBatch,
    config: ScoringConfig,
    industry: IndustryStats,
    totals: tuple[np.ndarray, np.ndarray],
) -> Arrays:
    """Severity-weighted accident rate, credibility-weighted toward the industry, as points."""
    hours, cases_w = totals  # from industry.window_totals, shared with industry_stats
    persons = (batch.minor_injured + batch.serious_injured + batch.deaths).sum(axis=1)
    ind_rate = industry.rate_for(batch.industry)
    rate = credible_rate(cases_w, hours, ind_rate, config)
    # The own rate is shown only from one hour of exposure up (below it, it would overflow).
    nan = np.full(hours.shape, np.nan)
    own = np.divide(cases_w * PER_MILLION, hours, out=nan, where=hours >= 1.0)
    low, high = poisson_interval(persons, hours, config.accidents.interval_level)
    return {
        "points": accident_points(rate, config),
        "hours": hours,
        "hours_imputed": np.isnan(batch.hours).any(axis=1),
        "cases": persons,
        "weighted_cases": cases_w,
        "own_rate": own,
        "industry_rate": ind_rate,
        "credibility": hours / (hours + config.accidents.credibility_hours),
        "credible_rate": rate,
        "rate_ci_low": low,
        "rate_ci_high": high,
    }


def decay_weights(window: int, config: ScoringConfig) -> np.ndarray:
    """(W,) weights 2^(-age / half_life) for month ages 0..W-1 (age 0 = the as_of month)."""
    return np.exp2(-np.arange(window) / config.enforcement.half_life_months)


def enforcement(batch: EnterpriseBatch, config: ScoringConfig) -> Arrays:
    """Points = 100 * 2^(-D / half_points_cases) / (1 + P / penalty_scale), D and P decayed."""
    ow, params = config.enforcement.outcome_weights, config.enforcement
    outcome = {
        "warnings": ow.warning,
        "fines": ow.fine,
        "suspensions": ow.suspension,
        "referrals": ow.referral,
    }
    decay = decay_weights(batch.window, config)
    # Row-wise sums rather than a matrix product: BLAS may add a row's terms in an order that
    # depends on the row's position, and a score must not depend on the order of enterprises.
    monthly = sum(w * getattr(batch, name) for name, w in outcome.items())
    decayed_cases = (monthly * decay).sum(axis=1)
    weighted = monthly.sum(axis=1)
    decayed_penalty = (batch.penalty_cny * decay).sum(axis=1)
    points = 100.0 * np.exp2(-decayed_cases / params.half_points_cases)
    points = points / (1.0 + decayed_penalty / params.penalty_scale_cny)
    counts = batch.warnings + batch.fines + batch.suspensions + batch.referrals
    return {
        "points": points,
        "cases": counts.sum(axis=1),
        "weighted_cases": np.asarray(weighted, dtype=np.float64),
        "decayed_cases": decayed_cases,
        "penalty_cny": batch.penalty_cny.sum(axis=1),
        "decayed_penalty_cny": decayed_penalty,
    }


def hazards(batch: EnterpriseBatch, config: ScoringConfig) -> Arrays:
    """Points = 100 * 2^(-O / overdue_half) * ((1 - b) * R + b * S); not-due hazards never hurt."""
    hp = config.hazards
    # Only hazards whose deadline has passed (or that are done) enter the rate: reporting one
    # that is not yet due cannot lower it.
    due = (
        batch.hazards_rectified_on_time
        + batch.hazards_rectified_late
        + batch.hazards_overdue_general
        + batch.hazards_overdue_major
    )
    on_time = batch.hazards_rectified_on_time
    rate = (on_time + hp.prior_weight * hp.prior_on_time_rate) / (due + hp.prior_weight)
    per_worker = batch.self_check_found / np.maximum(batch.headcount, 1)
    self_check = 1.0 - np.exp2(-per_worker / hp.self_check_half_per_worker)
    overdue = batch.hazards_overdue_general + hp.major_overdue_weight * batch.hazards_overdue_major
    overdue_factor = np.exp2(-overdue / hp.overdue_half)
    base = (1.0 - hp.self_check_share) * rate + hp.self_check_share * self_check
    return {
        "points": 100.0 * overdue_factor * base,
        "found": batch.hazards_found,
        "due": due,
        "rectified_on_time": on_time,
        "rectified_late": batch.hazards_rectified_late,
        "open_not_due": batch.hazards_open_not_due,
        "overdue_general": batch.hazards_overdue_general,
        "overdue_major": batch.hazards_overdue_major,
        "on_time_rate": rate,
        "self_check_found": batch.self_check_found,
        "self_check_per_worker": per_worker,
        "self_check_credit": self_check,
        "overdue_weighted": overdue.astype(np.float64),
        "overdue_factor": overdue_factor,
    }


def _lookup(values: np.ndarray, table: dict[str, float]) -> np.ndarray:
    """Points of each code in `values` from `table` (codes are validated by the batch)."""
    out = np.zeros(values.shape)
    for code, points in table.items():
        out = np.where(values == code, points, out)
    return out


def effective_standardization(batch: EnterpriseBatch) -> np.ndarray:
    """Standardization level, or "none" where the caller flagged the grading as not valid."""
    return np.where(batch.standardization_valid, batch.standardization, "none")


def foundation(batch: EnterpriseBatch, config: ScoringConfig) -> Arrays:
    """Points = min(100, level points + steward bonus + four-colour points)."""
    fp = config.foundation
    level = effective_standardization(batch)
    std_table = {code: getattr(fp.standardization, code) for code in STANDARDIZATION_LEVELS}
    color_table = {c: getattr(fp.risk_color, c) for c in ("red", "orange", "yellow", "blue")}
    std_points = _lookup(level, std_table)
    color_points = _lookup(batch.risk_color, color_table | {"": fp.risk_color.unknown})
    steward_points = np.where(batch.steward, fp.steward, 0.0)
    return {
        "points": np.minimum(100.0, std_points + steward_points + color_points),
        "standardization": level,
        "standardization_points": std_points,
        "steward": batch.steward,
        "steward_points": steward_points,
        "risk_color": batch.risk_color,
        "risk_color_points": color_points,
    }

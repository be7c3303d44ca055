"""Predictive-validity measures for the score: Mann-Whitney AUC and incidence by group."""

from typing import Any

import numpy as np


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of `values`, tied values sharing the mean of their ranks."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    # A tie group occupying sorted positions start+1..end gets rank (start + 1 + end) / 2.
    mean_rank = (ends - counts + 1 + ends) / 2.0
    return mean_rank[inverse.reshape(-1)]


def auc(scores_risk: Any, outcomes: Any) -> float:
    """P(risk of a random positive > that of a random negative), ties counting 1/2; NaN if a
    class is empty. U = sum of positive ranks - n1(n1+1)/2, AUC = U / (n1 n0)."""
    risk = np.asarray(scores_risk, dtype=np.float64).reshape(-1)
    positive = np.asarray(outcomes).astype(bool).reshape(-1)
    if risk.shape != positive.shape:
        raise ValueError(f"scores_risk has {risk.size} values, outcomes {positive.size}")
    if np.isnan(risk).any():
        raise ValueError("scores_risk contains NaN")
    n1 = int(positive.sum())
    n0 = positive.size - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    u = average_ranks(risk)[positive].sum() - n1 * (n1 + 1) / 2.0
    return float(u / (n1 * n0))


def incidence_by_group(groups: Any, outcomes: Any) -> dict[Any, dict[str, Any]]:
    """{group: {n, events, incidence = events / n}} per distinct group value, keys sorted."""
    groups = np.asarray(groups).reshape(-1)
    events = np.asarray(outcomes).astype(bool).reshape(-1)
    if groups.shape != events.shape:
        raise ValueError(f"groups has {groups.size} values, outcomes {events.size}")
    names, inverse = np.unique(groups, return_inverse=True)
    inverse = inverse.reshape(-1)
    n = np.bincount(inverse, minlength=names.size)
    hits = np.bincount(inverse, weights=events, minlength=names.size)
    return {
        name: {"n": int(size), "events": int(hit), "incidence": float(hit / size)}
        for name, size, hit in zip(names.tolist(), n, hits, strict=True)
    }


def stratified_auc(scores_risk: Any, outcomes: Any, strata: Any) -> float:
    """AUC comparing positives only with negatives of the same stratum: sum of the strata's
    Mann-Whitney U over the sum of their n1*n0 (NaN if no stratum has both classes)."""
    risk = np.asarray(scores_risk, dtype=np.float64).reshape(-1)
    positive = np.asarray(outcomes).astype(bool).reshape(-1)
    strata = np.asarray(strata).reshape(-1)
    u_total = pairs = 0.0
    for stratum in np.unique(strata):
        mask = strata == stratum
        n1 = int(positive[mask].sum())
        n0 = int(mask.sum()) - n1
        if n1 and n0:
            u_total += auc(risk[mask], positive[mask]) * n1 * n0
            pairs += n1 * n0
    return float(u_total / pairs) if pairs else float("nan")


def quantile_bands(values: Any, bands: int = 5) -> np.ndarray:
    """Band index 0..bands-1 of each value by the values' own quantiles (e.g. exposure)."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    edges = np.quantile(values, np.linspace(0, 1, bands + 1)[1:-1]) if values.size else []
    return np.searchsorted(edges, values, side="right")

"""Pooled accident rates per industry, shrunk toward the city rate by credibility."""

from dataclasses import dataclass

import numpy as np

from .batch import EnterpriseBatch
from .config import ScoringConfig

PER_MILLION = 1e6


@dataclass(frozen=True)
class IndustryStats:
    """Per-industry exposure and severity-weighted cases of the window, and the rates from them."""

    names: np.ndarray  # (k,) industry codes, sorted
    weighted_cases: np.ndarray  # (k,) severity-weighted injured persons
    hours: np.ndarray  # (k,) hours worked, imputed where unreported
    rate: np.ndarray  # (k,) credible industry rate, weighted cases per 1e6 h
    city_weighted_cases: float
    city_hours: float
    city_rate: float  # weighted cases per 1e6 h over all enterprises

    def __post_init__(self) -> None:
        # rate_for looks codes up by binary search, so the names must be sorted and distinct.
        names = np.asarray(self.names, dtype=str)
        if names.size > 1 and not np.all(names[1:] > names[:-1]):
            raise ValueError("IndustryStats.names must be sorted and distinct")
        object.__setattr__(self, "names", names)
        for key in ("weighted_cases", "hours", "rate"):
            object.__setattr__(self, key, np.asarray(getattr(self, key), dtype=np.float64))

    @classmethod
    def from_dict(cls, data: dict) -> "IndustryStats":
        """Inverse of as_dict(): the same statistics, bit for bit (floats survive JSON)."""
        names = sorted(data["industries"])
        rows = [data["industries"][name] for name in names]
        city = data["city"]
        return cls(
            names=np.array(names, dtype=str),
            weighted_cases=np.array([r["weighted_cases"] for r in rows], dtype=np.float64),
            hours=np.array([r["hours"] for r in rows], dtype=np.float64),
            rate=np.array([r["rate"] for r in rows], dtype=np.float64),
            city_weighted_cases=float(city["weighted_cases"]),
            city_hours=float(city["hours"]),
            city_rate=float(city["rate"]),
        )

    def rate_for(self, industry: np.ndarray) -> np.ndarray:
        """Credible rate of each given industry code; the city rate for codes not in the stats."""
        industry = np.asarray(industry, dtype=str)
        if self.names.size == 0:
            return np.full(industry.shape, self.city_rate)
        pos = np.clip(np.searchsorted(self.names, industry), 0, self.names.size - 1)
        known = self.names[pos] == industry
        return np.where(known, self.rate[pos], self.city_rate)

    def as_dict(self) -> dict:
        """Plain-Python form: {city: {...}, industries: {code: {weighted_cases, hours, rate}}}."""
        rows = zip(self.names.tolist(), self.weighted_cases, self.hours, self.rate, strict=True)
        return {
            "city": {
                "weighted_cases": self.city_weighted_cases,
                "hours": self.city_hours,
                "rate": self.city_rate,
            },
            "industries": {
                name: {"weighted_cases": float(c), "hours": float(h), "rate": float(r)}
                for name, c, h, r in rows
            },
        }


def effective_hours(batch: EnterpriseBatch, config: ScoringConfig) -> np.ndarray:
    """(n, W) hours with unreported months (NaN) replaced by headcount x standard hours."""
    fallback = batch.headcount.astype(np.float64) * config.standard_hours_per_month
    return np.where(np.isnan(batch.hours), fallback[:, None], batch.hours)


def window_totals(batch: EnterpriseBatch, config: ScoringConfig) -> tuple[np.ndarray, np.ndarray]:
    """(n,) hours E and severity-weighted injured persons C (minor 1, serious 4, death 20)."""
    sev = config.severity
    cases = (
        sev.minor * batch.minor_injured.sum(axis=1)
        + sev.serious * batch.serious_injured.sum(axis=1)
        + sev.death * batch.deaths.sum(axis=1)
    )
    return effective_hours(batch, config).sum(axis=1), cases.astype(np.float64)


def _grouped_sum(groups: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Sum of values per group, added in a canonical (sorted) order so row order never matters."""
    order = np.lexsort((values, groups))
    return np.bincount(groups[order], weights=values[order], minlength=k)


def industry_stats(batch: EnterpriseBatch, config: ScoringConfig) -> IndustryStats:
    """Rates r_ind = (C_ind*1e6 + r_city*K_ind) / (E_ind + K_ind); r_city = C*1e6 / max(E, K)."""
    return stats_from_totals(batch.industry, *window_totals(batch, config), config)


def stats_from_totals(
    industry: np.ndarray, hours: np.ndarray, cases: np.ndarray, config: ScoringConfig
) -> IndustryStats:
    """IndustryStats from per-enterprise window totals (hours E, weighted cases C)."""
    names, groups = np.unique(industry, return_inverse=True)
    groups = groups.reshape(-1)
    ind_hours = _grouped_sum(groups, hours, names.size)
    ind_cases = _grouped_sum(groups, cases, names.size)
    city_hours, city_cases = float(np.sort(hours).sum()), float(np.sort(cases).sum())
    # The floor at K only matters for toy batches: it keeps the city rate finite and monotone.
    city_rate = city_cases * PER_MILLION / max(city_hours, config.accidents.credibility_hours)
    k_ind = config.accidents.industry_credibility_hours
    rate = (ind_cases * PER_MILLION + city_rate * k_ind) / (ind_hours + k_ind)
    return IndustryStats(names, ind_cases, ind_hours, rate, city_cases, city_hours, city_rate)

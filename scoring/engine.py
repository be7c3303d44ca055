"""Batch scoring: every enterprise at once with array operations, plus per-row plain dicts."""

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from . import components as comp
from .batch import EnterpriseBatch
from .config import GRADE_COLORS, MODEL_VERSION, ScoringConfig
from .industry import IndustryStats, stats_from_totals, window_totals

COMPONENTS = ("accidents", "enforcement", "hazards", "foundation")
RATE_UNIT = "injured persons per million hours"
VETO_RULES = ("death", "major_hazard_overdue", "suspension", "dishonest")
# Inputs shown per component in row(); the rest of the arrays stay available on the result.
ROW_INPUTS = {
    "accidents": (
        "hours",
        "hours_imputed",
        "cases",
        "weighted_cases",
        "own_rate",
        "industry_rate",
        "credibility",
        "credible_rate",
    ),
    "enforcement": (
        "cases",
        "weighted_cases",
        "decayed_cases",
        "penalty_cny",
        "decayed_penalty_cny",
    ),
    "hazards": (
        "found",
        "rectified_on_time",
        "rectified_late",
        "open_not_due",
        "overdue_general",
        "overdue_major",
        "on_time_rate",
        "self_check_found",
        "self_check_per_worker",
    ),
    "foundation": ("standardization", "steward", "risk_color"),
}


@dataclass(frozen=True)
class ScoreResult:
    """Scores of a batch: (n,) arrays aligned with the batch rows, read-only."""

    uscc: np.ndarray
    score: np.ndarray  # 0-100, rounded to 1 decimal
    points: np.ndarray  # the unrounded weighted sum behind `score`
    grade: np.ndarray
    color: np.ndarray
    components: MappingProxyType  # name -> (n,) points 0-100
    inputs: MappingProxyType  # component name -> {input name -> (n,) array}
    weights: MappingProxyType  # component name -> weight in score points
    veto: MappingProxyType  # rule -> (n,) bool
    confidence_low: np.ndarray
    rate_ci_low: np.ndarray  # exact Poisson interval of the own injury rate, per 1e6 h
    rate_ci_high: np.ndarray
    hours_imputed: np.ndarray
    model_version: str = MODEL_VERSION

    def __len__(self) -> int:
        return int(self.score.shape[0])

    @property
    def own_rate(self) -> np.ndarray:
        """(n,) the firm's own severity-weighted rate per 1e6 h (NaN without exposure)."""
        return self.inputs["accidents"]["own_rate"]

    @property
    def credible_rate(self) -> np.ndarray:
        """(n,) credibility-weighted rate per 1e6 h that the accident points come from."""
        return self.inputs["accidents"]["credible_rate"]

    @property
    def credibility(self) -> np.ndarray:
        """(n,) Z = E / (E + K), the weight of the firm's own record."""
        return self.inputs["accidents"]["credibility"]

    @property
    def decayed_enforcement(self) -> np.ndarray:
        """(n,) time-decayed, outcome-weighted enforcement cases D."""
        return self.inputs["enforcement"]["decayed_cases"]

    @property
    def vetoed(self) -> np.ndarray:
        """(n,) True where any veto rule fired."""
        return np.logical_or.reduce([self.veto[r] for r in VETO_RULES])

    def row(self, i: int) -> dict[str, Any]:
        """Plain JSON-able result of row i (floats, ints, str, lists, dicts; NaN becomes None)."""
        return self.rows([i])[0]

    def rows(self, indices: Any = None) -> list[dict[str, Any]]:
        """row(i) for many rows at once: each array is converted to Python once per column,
        which is what lets a month close serialise every enterprise in a fraction of a second."""
        idx = np.arange(len(self)) if indices is None else np.asarray(indices, dtype=np.int64)

        def col(values: np.ndarray, digits: int | None = None) -> list[Any]:
            return _plain_list(np.asarray(values)[idx], digits)

        acc = self.inputs["accidents"]
        fired = np.stack([np.asarray(self.veto[r])[idx] for r in VETO_RULES], axis=1)
        # Most firms have no veto: build the rule list only for the rows that have one.
        vetoes = [[] for _ in range(len(idx))]
        for row, rule in zip(*np.nonzero(fired), strict=True):
            vetoes[row].append(VETO_RULES[rule])
        intervals = [
            {"low": lo, "high": hi, "cases": cases, "hours": hours, "unit": RATE_UNIT}
            for lo, hi, cases, hours in zip(
                col(self.rate_ci_low, 3),
                col(self.rate_ci_high, 3),
                col(acc["cases"]),
                col(acc["hours"], 1),
                strict=True,
            )
        ]
        components = [
            dict(zip(COMPONENTS, parts, strict=True))
            for parts in zip(*(self._component_rows(n, col) for n in COMPONENTS), strict=True)
        ]
        confidence = ["low" if low else "normal" for low in col(self.confidence_low)]
        columns = zip(
            col(self.uscc),
            col(self.score, 1),
            col(self.grade),
            col(self.color),
            vetoes,
            confidence,
            intervals,
            col(self.hours_imputed),
            components,
            strict=True,
        )
        version = self.model_version
        return [
            {
                "uscc": u,
                "model_version": version,
                "score": s,
                "grade": g,
                "color": c,
                "veto": v,
                "confidence": conf,
                "rate_interval": ri,
                "hours_imputed": imp,
                "components": comp,
            }
            for u, s, g, c, v, conf, ri, imp, comp in columns
        ]

    def _component_rows(self, name: str, col) -> list[dict[str, Any]]:
        """{score, weight, inputs} of one component for the selected rows."""
        values = self.inputs[name]
        keys = ROW_INPUTS[name]
        inputs = zip(*(col(values[key], 4) for key in keys), strict=True)
        weight = _plain(self.weights[name])
        return [
            {"score": score, "weight": weight, "inputs": dict(zip(keys, row, strict=True))}
            for score, row in zip(col(self.components[name], 1), inputs, strict=True)
        ]


def _plain_list(values: np.ndarray, digits: int | None) -> list[Any]:
    """A column as plain Python values, with the same rounding and NaN rule as _plain
    (written as tight comprehensions: this runs over every cell of a month close)."""
    items = values.tolist()
    if values.dtype.kind != "f":
        return items
    finite = math.isfinite
    if digits is None:
        return [v if finite(v) else None for v in items]
    return [round(v, digits) if finite(v) else None for v in items]


def _plain(value: Any, digits: int | None = None) -> Any:
    """A numpy scalar as a plain Python value; floats rounded to `digits`, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, digits) if digits is not None else value
    return value


def _readonly(arr: np.ndarray) -> np.ndarray:
    """A read-only view; the flag is set on the view, so an input array passed through stays
    writeable for its owner."""
    out = np.asarray(arr).view()
    out.flags.writeable = False
    return out


def _frozen(arrays: dict[str, np.ndarray]) -> MappingProxyType:
    """A read-only mapping of read-only views of the arrays."""
    return MappingProxyType({key: _readonly(arr) for key, arr in arrays.items()})


def grades(score: np.ndarray, vetoed: np.ndarray, config: ScoringConfig) -> np.ndarray:
    """(n,) grade letters from the rounded score by threshold; any veto forces D."""
    g = config.grades
    letter = np.select([score >= g.A, score >= g.B, score >= g.C], ["A", "B", "C"], "D")
    return np.where(vetoed, "D", letter)


def vetoes(batch: EnterpriseBatch) -> dict[str, np.ndarray]:
    """Veto rules: death or suspension in the window, a major hazard overdue, dishonesty listing."""
    return {
        "death": batch.deaths.sum(axis=1) > 0,
        "major_hazard_overdue": batch.hazards_overdue_major > 0,
        "suspension": batch.suspensions.sum(axis=1) > 0,
        "dishonest": batch.dishonest_listed,
    }


def score_batch(
    batch: EnterpriseBatch, config: ScoringConfig, industry: IndustryStats | None = None
) -> ScoreResult:
    """Score = round(sum_c weight_c * points_c / 100, 1); grade by thresholds, D under any veto.

    `industry` defaults to the statistics of this batch; pass them in to hold them fixed.
    """
    if batch.window != config.window_months:
        raise ValueError(
            f"batch has {batch.window} months, config.window_months is {config.window_months}"
        )
    totals = window_totals(batch, config)
    if industry is None:
        industry = stats_from_totals(batch.industry, *totals, config)
    parts = {
        "accidents": comp.accidents(batch, config, industry, totals),
        "enforcement": comp.enforcement(batch, config),
        "hazards": comp.hazards(batch, config),
        "foundation": comp.foundation(batch, config),
    }
    return _result(batch, parts, config)


def _result(batch: EnterpriseBatch, parts: dict, config: ScoringConfig) -> ScoreResult:
    """Weighted sum, rounding, grades and vetoes assembled into a read-only ScoreResult."""
    weights = config.weights.as_dict()
    points = sum(weights[name] * parts[name]["points"] / 100.0 for name in COMPONENTS)
    points = np.clip(np.asarray(points, dtype=np.float64), 0.0, 100.0)
    score = np.round(points, 1)
    veto = vetoes(batch)
    grade = grades(score, np.logical_or.reduce([veto[r] for r in VETO_RULES]), config)
    acc = parts["accidents"]
    return ScoreResult(
        uscc=_readonly(batch.uscc),
        score=_readonly(score),
        points=_readonly(points),
        grade=_readonly(grade),
        color=_readonly(_colors(grade)),
        components=_frozen({name: parts[name].pop("points") for name in COMPONENTS}),
        inputs=MappingProxyType({name: _frozen(parts[name]) for name in COMPONENTS}),
        weights=MappingProxyType(weights),
        veto=_frozen(veto),
        confidence_low=_readonly(acc["hours"] < config.accidents.low_confidence_hours),
        rate_ci_low=_readonly(acc["rate_ci_low"]),
        rate_ci_high=_readonly(acc["rate_ci_high"]),
        hours_imputed=_readonly(acc["hours_imputed"]),
    )


def _colors(grade: np.ndarray) -> np.ndarray:
    """(n,) colour names of grade letters."""
    return np.select([grade == g for g in GRADE_COLORS], list(GRADE_COLORS.values()), "red")

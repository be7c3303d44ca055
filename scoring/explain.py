"""Explanation of one enterprise: drivers and what-if, all by re-scoring modified copies."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .batch import MONTHLY_INT, EnterpriseBatch, HazardDetail
from .components import effective_standardization
from .config import ScoringConfig
from .engine import ScoreResult, score_batch
from .industry import IndustryStats
from .texts import driver_text, what_if_text

ACCIDENT_COLUMNS = ("minor_injured", "serious_injured", "deaths")
ENFORCEMENT_COLUMNS = ("warnings", "fines", "suspensions", "referrals", "penalty_cny")
# "One level up" runs from none to small-micro, then level 3, 2, 1.
LEVEL_LADDER = ("none", "small_micro", "level3", "level2", "level1")
WHAT_IF_MONTHS = (3, 6, 12)


@dataclass(frozen=True)
class Variant:
    """A modified copy of the enterprise, labelled as a driver or a what-if action."""

    kind: str  # "driver" or "what_if"
    name: str  # driver message key or what-if action
    batch: EnterpriseBatch
    component: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def explain(
    batch_one: EnterpriseBatch,
    config: ScoringConfig,
    industry: IndustryStats,
    open_hazards: Sequence[HazardDetail] = (),
    *,
    as_of: str | None = None,
    max_drivers: int = 5,
) -> dict[str, Any]:
    """row(0) plus `drivers` (biggest losses first) and `what_if` (best first, delta > 0).

    Every number comes from one score_batch call over the enterprise and its modified copies,
    with `industry` held fixed; `as_of` ("YYYY-MM") only labels months in driver params.
    """
    if len(batch_one) != 1:
        raise ValueError(f"explain needs a batch of one enterprise, got {len(batch_one)}")
    variants = driver_variants(batch_one, as_of) + what_if_variants(batch_one, open_hazards)
    result = score_batch(
        EnterpriseBatch.concat([batch_one] + [v.batch for v in variants]), config, industry
    )
    drivers = _variant_drivers(result, variants) + _analytic_drivers(result, batch_one, config)
    drivers = [d for d in drivers if d["points_lost"] > 0]
    drivers = sorted(drivers, key=lambda d: -d["points_lost"])[:max_drivers]
    return result.row(0) | {"drivers": drivers, "what_if": _what_ifs(result, variants)}


def month_label(as_of: str | None, months_ago: int) -> str | None:
    """The "YYYY-MM" label of the month `months_ago` before as_of (None without as_of)."""
    if as_of is None:
        return None
    year, month = (int(part) for part in as_of.split("-"))
    index = year * 12 + (month - 1) - months_ago
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _set_month(batch: EnterpriseBatch, names: Sequence[str], month: int | slice) -> EnterpriseBatch:
    """A copy with column(s) `month` of the named monthly matrices set to zero."""
    changes = {}
    for name in names:
        matrix = getattr(batch, name).copy()
        matrix[:, month] = 0
        changes[name] = matrix
    return batch.replace(**changes)


def _bump(batch: EnterpriseBatch, **deltas: int) -> EnterpriseBatch:
    """A copy with per-enterprise counts moved by the given deltas (never below zero)."""
    return batch.replace(**{k: np.maximum(getattr(batch, k) + d, 0) for k, d in deltas.items()})


def _month_params(batch: EnterpriseBatch, names: Sequence[str], j: int, as_of: str | None):
    """Params of a month driver: the month's counts by column, its age and label."""
    counts = {name: getattr(batch, name)[0, j].item() for name in names}
    return {"months_ago": j, "month": month_label(as_of, j)} | counts


def _month_variants(
    batch: EnterpriseBatch, columns: Sequence[str], key: str, as_of: str | None
) -> list[Variant]:
    """One copy per month with records in `columns`, that month's records removed."""
    months = np.flatnonzero(sum(getattr(batch, c)[0] for c in columns)).tolist()
    component = key.split(".")[0]
    return [
        Variant(
            "driver",
            key,
            _set_month(batch, columns, j),
            component,
            _month_params(batch, columns, j, as_of),
        )
        for j in months
    ]


def driver_variants(batch: EnterpriseBatch, as_of: str | None) -> list[Variant]:
    """Copies without one month's accidents / enforcement, without any accident, without
    overdue or late hazards."""
    clean = _set_month(batch, ACCIDENT_COLUMNS, slice(None))
    return (
        _month_variants(batch, ACCIDENT_COLUMNS, "accidents.month", as_of)
        + _month_variants(batch, ENFORCEMENT_COLUMNS, "enforcement.month", as_of)
        + [Variant("driver", "accidents.industry_rate", clean, "accidents")]
        + _hazard_driver_variants(batch)
    )


def _hazard_driver_variants(batch: EnterpriseBatch) -> list[Variant]:
    """Copies where overdue hazards, or late ones, had been rectified on time."""
    general, major = batch.hazards_overdue_general[0], batch.hazards_overdue_major[0]
    late = int(batch.hazards_rectified_late[0])
    out = []
    if general + major:
        on_time = _bump(
            batch,
            hazards_overdue_general=-general,
            hazards_overdue_major=-major,
            hazards_rectified_on_time=general + major,
        )
        params = {"general": int(general), "major": int(major)}
        out.append(Variant("driver", "hazards.overdue", on_time, "hazards", params))
    if late:
        on_time = _bump(batch, hazards_rectified_late=-late, hazards_rectified_on_time=late)
        out.append(Variant("driver", "hazards.rectified_late", on_time, "hazards", {"late": late}))
    return out


def _variant_drivers(result: ScoreResult, variants: list[Variant]) -> list[dict[str, Any]]:
    """Drivers whose loss is the rise in unrounded points when the cause is removed."""
    out = []
    for i, v in enumerate(variants, start=1):
        if v.kind != "driver":
            continue
        if v.name == "accidents.industry_rate":
            # What is lost even with a clean record: the industry prior's share.
            lost = result.weights["accidents"] * (100 - result.components["accidents"][i]) / 100
            acc = result.inputs["accidents"]
            params = {k: round(acc[k][0].item(), 4) for k in ("industry_rate", "credibility")}
        else:
            lost, params = result.points[i] - result.points[0], v.params
        out.append(_driver(v.component, v.name, lost, params))
    return out


def _driver(component: str, key: str, lost: float, params: dict[str, Any]) -> dict[str, Any]:
    """One driver entry with its English fallback text."""
    params = {k: v for k, v in params.items() if v is not None}
    return {
        "component": component,
        "points_lost": round(float(lost), 1),
        "message_key": key,
        "params": params,
        "text": driver_text(key, params),
    }


def _analytic_drivers(
    result: ScoreResult, batch: EnterpriseBatch, config: ScoringConfig
) -> list[dict[str, Any]]:
    """Self-check and foundation losses, read off the component formulas (they are additive)."""
    haz, w = result.inputs["hazards"], result.weights
    credit_gap = config.hazards.self_check_share * (1 - haz["self_check_credit"][0])
    lost = w["hazards"] * haz["overdue_factor"][0] * credit_gap
    params = {
        "self_check_found": int(haz["self_check_found"][0]),
        "headcount": int(batch.headcount[0]),
    }
    out = [_driver("hazards", "hazards.self_check_low", lost, params)]
    return out + _foundation_drivers(result, config)


def _foundation_drivers(result: ScoreResult, config: ScoringConfig) -> list[dict[str, Any]]:
    """Points lost to a missing/low standardization, no steward, and a non-blue risk class."""
    fnd, fp = result.inputs["foundation"], config.foundation
    std, steward, color = (
        fnd[k][0] for k in ("standardization_points", "steward_points", "risk_color_points")
    )
    total = result.components["foundation"][0]
    ideal = {
        "foundation.standardization": (
            fp.standardization.level1 + steward + color,
            {"level": str(fnd["standardization"][0])},
        ),
        "foundation.no_steward": (std + fp.steward + color, {}),
        "foundation.risk_color": (
            std + steward + fp.risk_color.blue,
            {"risk_color": str(fnd["risk_color"][0])},
        ),
    }
    return [
        _driver(
            "foundation", key, result.weights["foundation"] * (min(100, best) - total) / 100, params
        )
        for key, (best, params) in ideal.items()
    ]


def what_if_variants(batch: EnterpriseBatch, open_hazards: Sequence[HazardDetail]) -> list:
    """Copies for each action: rectify a hazard, contract a steward, N clean months, level up."""
    out = [_rectify(batch, h) for h in open_hazards]
    if not batch.steward[0]:
        out.append(
            Variant("what_if", "contract_steward", batch.replace(steward=np.ones(1, dtype=bool)))
        )
    for months in sorted({min(m, batch.window) for m in WHAT_IF_MONTHS}):
        out.append(
            Variant(
                "what_if",
                "months_without_accident",
                _slide(batch, months),
                params={"months": months},
            )
        )
    level = str(effective_standardization(batch)[0])
    if level != LEVEL_LADDER[-1]:
        target = LEVEL_LADDER[LEVEL_LADDER.index(level) + 1]
        changed = batch.replace(
            standardization=np.array([target]), standardization_valid=np.ones(1, dtype=bool)
        )
        out.append(Variant("what_if", "standardize", changed, params={"from": level, "to": target}))
    return out


def _rectify(batch: EnterpriseBatch, hazard: HazardDetail) -> Variant:
    """An overdue hazard becomes rectified late; one not yet due becomes rectified on time."""
    if hazard.overdue:
        column = "hazards_overdue_major" if hazard.level == "major" else "hazards_overdue_general"
        changed = _bump(batch, **{column: -1, "hazards_rectified_late": 1})
    else:
        changed = _bump(batch, hazards_open_not_due=-1, hazards_rectified_on_time=1)
    params = {
        "hazard_id": hazard.hazard_id,
        "level": hazard.level,
        "overdue": hazard.overdue,
        "source": hazard.source,
    }
    return Variant("what_if", "rectify_hazard", changed, params=params)


def _slide(batch: EnterpriseBatch, months: int) -> EnterpriseBatch:
    """The window moved `months` ahead: new months clean, with the mean reported monthly hours."""
    reported = batch.hours[~np.isnan(batch.hours)]
    # No reported month at all: leave the new months unreported, so they are imputed as before.
    fill = reported.mean() if reported.size else np.nan
    changes = {name: _shift(getattr(batch, name), months, 0) for name in MONTHLY_INT}
    changes["penalty_cny"] = _shift(batch.penalty_cny, months, 0.0)
    changes["hours"] = _shift(batch.hours, months, fill)
    return batch.replace(**changes)


def _shift(matrix: np.ndarray, months: int, fill: float) -> np.ndarray:
    """Columns moved `months` older (the oldest fall out); new columns 0..months-1 = fill."""
    new = np.full((matrix.shape[0], months), fill, dtype=matrix.dtype)
    return np.concatenate([new, matrix[:, : matrix.shape[1] - months]], axis=1)


def _what_ifs(result: ScoreResult, variants: list[Variant]) -> list[dict[str, Any]]:
    """What-if entries with delta = rescored rounded score - rounded score, best first, > 0."""
    out = []
    for i, v in enumerate(variants, start=1):
        if v.kind != "what_if":
            continue
        delta = round(float(result.score[i] - result.score[0]), 1)
        if delta > 0:
            out.append(
                {
                    "action": v.name,
                    "params": v.params,
                    "delta": delta,
                    "score_after": float(result.score[i]),
                    "grade_after": str(result.grade[i]),
                    "color_after": str(result.color[i]),
                    "text": what_if_text(v.name, v.params),
                }
            )
    return sorted(out, key=lambda entry: -entry["delta"])

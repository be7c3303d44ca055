"""The rules of an assessment scheme, pure: weights in basis points, safety ≥ 10%, bands that
tile 0-100. The API schema, the web form and the service all call `scheme_problems`, so each
rule and its message exist once.

A band covers scores from its `min_score` up to the next band's `min_score` (exclusive); the
top band includes 100. So bands tile 0-100 when their minimums are distinct and the lowest is
0; an optional `max_score`, when given, must match that tiling.
"""

import re
from decimal import Decimal, InvalidOperation

from models.assessment import ORDER_ACTIONS
from models.base import N_

SAFETY = "safety"
SAFETY_MIN_BP = 1000
TOTAL_BP = 10000
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
BAND_COLORS = ("green", "blue", "yellow", "orange", "red", "grey")
SAFETY_MIN_MESSAGE = N_("The safety weight must be at least 10%")
WEIGHT_MESSAGE = N_("The weight of {key} must be above 0 and at most 100, with up to 2 decimals.")
NO_SAFETY_MESSAGE = N_("The scheme must include the safety criterion (key safety).")


def hundredths(value) -> int | None:
    """A number with at most two decimals as an integer count of hundredths, else None."""
    try:
        exact = Decimal(str(value)) * 100
    except (InvalidOperation, ValueError, TypeError):
        return None
    if isinstance(value, bool) or not exact.is_finite() or exact != exact.to_integral_value():
        return None
    return int(exact)


def percent(bp: int) -> float:
    """Basis points as a percentage number (2500 → 25.0)."""
    return bp / 100


def criteria_problems(criteria: list[dict]) -> list:
    """Messages for the criteria: keys, labels, weights, the safety floor and the exact sum."""
    problems, seen = [], set()
    for item in criteria:
        key = item.get("key") or ""
        if not KEY_PATTERN.match(key):
            problems.append(
                (N_("Criterion keys are lowercase letters, digits or _ (not {key})."), {"key": key})
            )
        elif key in seen:
            problems.append((N_("The criterion {key} appears more than once."), {"key": key}))
        seen.add(key)
        if not (item.get("label") or "").strip():
            problems.append((N_("Every criterion needs a label ({key})."), {"key": key}))
        bp = hundredths(item.get("weight"))
        if bp is None or not 0 < bp <= TOTAL_BP:
            problems.append((WEIGHT_MESSAGE, {"key": key}))
    return problems + _safety_and_sum(criteria)


def _safety_and_sum(criteria: list[dict]) -> list:
    weights = [hundredths(item.get("weight")) for item in criteria]
    safety = [hundredths(i.get("weight")) for i in criteria if i.get("key") == SAFETY]
    problems = []
    if not safety:
        problems.append(NO_SAFETY_MESSAGE)
    elif safety[0] is not None and safety[0] < SAFETY_MIN_BP:
        problems.append(SAFETY_MIN_MESSAGE)
    if None not in weights and sum(weights) != TOTAL_BP:
        total = f"{Decimal(sum(weights)) / 100:.2f}"
        problems.append(
            (N_("The weights must add up to exactly 100 (now {total})."), {"total": total})
        )
    return problems


def band_problems(bands: list[dict]) -> list:
    """Messages for the bands: fields, then that they tile 0-100 without overlap or gap."""
    problems = []
    for item in bands:
        problems += _band_field_problems(item)
    if problems:
        return problems
    if len(bands) < 2:
        # The lowest band is the failing one (yellow code): a single band would fail everyone.
        return [N_("At least two standing bands are needed; the lowest is the failing band.")]
    ordered = sorted(bands, key=lambda b: hundredths(b["min_score"]), reverse=True)
    minimums = [hundredths(b["min_score"]) for b in ordered]
    if len(set(minimums)) != len(minimums):
        problems.append(N_("Two bands start at the same score: the bands overlap."))
    if minimums[-1] != 0:
        problems.append(N_("The lowest band must start at 0: scores below it would have no band."))
    uppers = [TOTAL_BP, *minimums[:-1]]
    for band, upper in zip(ordered, uppers, strict=True):
        given = band.get("max_score")
        if given is not None and hundredths(given) != upper:
            problems.append(_edge_problem(band, hundredths(given), upper))
    return problems


def _band_field_problems(item: dict) -> list:
    label = (item.get("label") or "").strip() or "?"
    problems = []
    edges = [item.get("min_score")] + (
        [item["max_score"]] if item.get("max_score") is not None else []
    )
    if not all(_score_in_range(edge) for edge in edges):
        problems.append(
            (
                N_("Band {label}: scores are between 0 and 100, with up to 2 decimals."),
                {"label": label},
            )
        )
    if label == "?":
        problems.append(N_("Every band needs a label."))
    if item.get("order_action") not in ORDER_ACTIONS:
        problems.append(
            (
                N_("Band {label}: the order action must be one of {choices}."),
                {"label": label, "choices": ", ".join(ORDER_ACTIONS)},
            )
        )
    adjustment = hundredths(item.get("settlement_adjustment_pct"))
    if adjustment is None or not -TOTAL_BP <= adjustment <= TOTAL_BP:
        problems.append(
            (
                N_("Band {label}: the settlement adjustment is a percentage between -100 and 100."),
                {"label": label},
            )
        )
    if item.get("color") not in BAND_COLORS:
        problems.append(
            (
                N_("Band {label}: the colour must be one of {choices}."),
                {"label": label, "choices": ", ".join(BAND_COLORS)},
            )
        )
    return problems


def _score_in_range(value) -> bool:
    exact = hundredths(value)
    return exact is not None and 0 <= exact <= TOTAL_BP


def _edge_problem(band: dict, given: int, expected: int):
    label = band.get("label")
    if given > expected:
        return (
            N_("Band {label} reaches into the band above it: the bands overlap."),
            {"label": label},
        )
    return (
        N_("Band {label} stops below the band above it: the bands leave a gap."),
        {"label": label},
    )


def scheme_problems(criteria: list[dict], bands: list[dict]) -> dict[str, list]:
    """Every rule broken by a scheme, by field (`criteria`, `bands`); empty when valid."""
    errors = {}
    if problems := criteria_problems(criteria):
        errors["criteria"] = problems
    if problems := band_problems(bands):
        errors["bands"] = problems
    return errors


def normalise(criteria: list[dict], bands: list[dict]) -> tuple[list, int, list]:
    """(criteria with `weight_bp`, the safety weight in bp, bands highest first) of a valid
    scheme, in the form the Scheme row stores."""
    stored = [
        {"key": c["key"], "label": c["label"].strip(), "weight_bp": hundredths(c["weight"])}
        for c in criteria
    ]
    safety_bp = next(c["weight_bp"] for c in stored if c["key"] == SAFETY)
    ordered = sorted(bands, key=lambda b: hundredths(b["min_score"]), reverse=True)
    stored_bands = [
        {
            "min_score": hundredths(b["min_score"]) / 100,
            "label": b["label"].strip(),
            "color": b["color"],
            "order_action": b["order_action"],
            "settlement_adjustment_pct": hundredths(b["settlement_adjustment_pct"]) / 100,
        }
        for b in ordered
    ]
    return stored, safety_bp, stored_bands

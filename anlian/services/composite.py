"""A supplier's standing in a chain for one period, pure: the composite, its band, and the gates
that override the band.

- composite = Σ weight × criterion score over the scheme's criteria (safety included), exact
  in integers (basis points × hundredths) and rounded to 2 places once; a criterion without
  a score makes the row incomplete and the composite absent, never computed as if the score
  were zero;
- a safety veto puts the supplier in the lowest band whatever its composite;
- a failed admission gate or a red code means no new orders and never preferred, whatever the
  band says (the settlement adjustment keeps no bonus).
"""

from decimal import Decimal

from .scheme_rules import SAFETY, TOTAL_BP

SUSPEND = "suspend_new_orders"


def cents(value) -> int:
    """A score (at most 2 decimals) as an integer count of hundredths."""
    return round(float(value) * 100)


def composite_cents(criteria: list[dict], scores: dict) -> int | None:
    """Σ weight_bp × score in hundredths of a point, exact in integers and rounded half up to
    the cent once at the end; None when any criterion has no score."""
    total = 0
    for criterion in criteria:
        score = scores.get(criterion["key"])
        if score is None:
            return None
        total += criterion["weight_bp"] * cents(score)
    return (total + TOTAL_BP // 2) // TOTAL_BP


def composite(criteria: list[dict], scores: dict) -> Decimal | None:
    """The composite to 2 decimals (see composite_cents)."""
    total = composite_cents(criteria, scores)
    return None if total is None else Decimal(total) / 100


def band_for(bands: list[dict], score) -> dict:
    """The band a score falls in (bands highest first; the top one includes 100)."""
    score = cents(score)
    for band in bands:
        if score >= cents(band["min_score"]):
            return band
    return bands[-1]


def safety_contribution(criteria: list[dict], safety_score) -> float | None:
    """Points of the composite that come from the safety score."""
    weight = next((c["weight_bp"] for c in criteria if c["key"] == SAFETY), None)
    if weight is None or safety_score is None:
        return None
    return ((weight * cents(safety_score) + TOTAL_BP // 2) // TOTAL_BP) / 100


def standing(
    scheme, *, safety_score, veto: bool, ratings: dict, admission_passed: bool, code_state: str
) -> dict:
    """The row of one supplier: criteria scores, composite, band and consequences, and the
    code signal of the period (`veto`, `failing_band`, `clean` or None when incomplete)."""
    criteria = scheme["criteria"] if scheme else []
    scores = {c["key"]: _score(c["key"], safety_score, ratings) for c in criteria}
    total = composite_cents(criteria, scores) if scheme else None
    band = None
    if scheme and veto:
        band = scheme["bands"][-1]
    elif total is not None:
        band = band_for(scheme["bands"], total / 100)
    failing = band is not None and band is scheme["bands"][-1]
    row = {
        "criteria": scores,
        "composite": total / 100 if total is not None else None,
        "complete": total is not None,
        "veto": veto,
        "admission_passed": admission_passed,
        "signal": _signal(veto, failing, total),
        **_consequences(band, admission_passed, code_state),
    }
    return row


def _score(key: str, safety_score, ratings: dict):
    value = safety_score if key == SAFETY else ratings.get(key)
    return float(value) if value is not None else None


def _signal(veto: bool, failing: bool, total) -> str | None:
    if veto:
        return "veto"
    if total is None:
        return None
    return "failing_band" if failing else "clean"


def _consequences(band: dict | None, admission_passed: bool, code_state: str) -> dict:
    action = band["order_action"] if band else None
    adjustment = band["settlement_adjustment_pct"] if band else None
    if not admission_passed or code_state == "red":
        action = SUSPEND
        # 0.0, not 0: the same number as the stored row's float column gives back
        adjustment = min(adjustment, 0.0) if adjustment is not None else None
    return {
        "standing": band["label"] if band else None,
        "band_color": band["color"] if band else None,
        "order_action": action,
        "settlement_adjustment_pct": adjustment,
    }

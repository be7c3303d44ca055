"""Hazards (事故隐患): who finds them, their deadlines and how (and whether) they get fixed."""

import numpy as np

from .plan import SUPPLIER, Plan
from .timeline import Calendar, expand

# Source codes, in models.vocab.HAZARD_SOURCES order.
SELF_CHECK, INSPECTION, STEWARD, CHAIN_AUDIT = 0, 1, 2, 3
MAJOR_P = np.array([0.01, 0.06, 0.03, 0.03])  # by source
FIELDS = ("ent", "mon", "day", "source", "level", "deadline", "rectified", "text")


def hazards(rng, plan: Plan, sl: slice, cal: Calendar, ramp: np.ndarray, ins: dict) -> dict:
    """Hazards found by self-check, stewards, chain audits and inspections, with their fate."""
    ent, mon, day, source, forced = _found(rng, plan, sl, cal, ramp, ins)
    m = len(ent)
    level = ((rng.random(m) < MAJOR_P[source]) | forced).astype(np.int64)
    span = np.where(level == 1, rng.integers(30, 61, m), rng.integers(7, 31, m))
    # Lateness and neglect scale with the firm's frailty (its latent management quality).
    frailty = plan.frailty[sl][ent]
    p_late = 1 - (0.86 + 0.10 * ramp[ent, mon] + 0.03 * plan.steward[sl][ent])
    p_on_time = 1 - np.clip(p_late * frailty, 0.0, 0.9)
    p_never = np.minimum(np.where(level == 1, 0.03, 0.004) * frailty, 0.5)
    u = rng.random(m)
    early = np.floor(rng.random(m) ** 1.6 * (span + 1)).astype(np.int64)
    delay = np.where(u < p_on_time, early, span + rng.integers(1, 46, m))
    done = day + delay
    rectified = np.where((u >= 1 - p_never) | (done > cal.last_day), 0, done)
    return {
        "ent": ent,
        "mon": mon,
        "day": day,
        "source": source,
        "level": level,
        "deadline": day + span,
        "rectified": rectified,
        "text": rng.integers(0, 1000, m),
    }


def _found(rng, plan: Plan, sl: slice, cal: Calendar, ramp: np.ndarray, ins: dict):
    """Where each hazard comes from; the first hazard of a suspension or referral is major."""
    months = np.arange(ramp.shape[1])
    size = np.clip((plan.headcount[sl] / 40) ** 0.4, 0.5, 4.0)[:, None]
    supplier = np.where(plan.kind[sl] == SUPPLIER, 1.2, 1.0)[:, None]
    member_now = (ramp > 0) & (months[None, :] <= plan.left_month[sl][:, None])
    frailty = np.clip(plan.frailty[sl], 0.2, None)[:, None]
    rates = (
        # Well-run firms look for their own hazards more often.
        (SELF_CHECK, size * supplier * (0.04 + 0.22 * ramp) / np.sqrt(frailty)),
        (STEWARD, size * 0.06 * plan.steward[sl][:, None] * np.ones_like(ramp)),
        (CHAIN_AUDIT, size * 0.06 * member_now),
    )
    parts = []
    for source, rate in rates:
        ent, mon, day = expand(rng, rng.poisson(rate), cal)
        parts.append((ent, mon, day, np.full(len(ent), source), np.zeros(len(ent), bool)))
    found = ins["outcome"] > 0
    k = np.minimum(ins["violations"][found], 3)
    first = np.zeros(int(k.sum()), bool)
    first[np.cumsum(k) - k] = True
    serious = np.repeat(ins["outcome"][found] >= 4, k)
    parts.append(
        tuple(np.repeat(ins[key][found], k) for key in ("ent", "mon", "day"))
        + (np.full(len(first), INSPECTION), first & serious)
    )
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def shape_sme(e: int, cal: Calendar, acc: dict, haz: dict) -> None:
    """Make the demo SME show what its page is for: an overdue hazard, one not yet due."""
    recent = (acc["ent"] == e) & (acc["severity"] == 2) & (acc["day"] >= cal.start[-12])
    acc["severity"][recent] = 1
    acc["deaths"][recent] = 0
    acc["injured"][recent] = np.maximum(acc["injured"][recent], 1)
    overdue, fresh = cal.last_day - 45, cal.last_day - 3
    extra = {
        "ent": [e, e],
        "day": [overdue, fresh],
        "source": [CHAIN_AUDIT, SELF_CHECK],
        "level": [0, 0],
        "deadline": [cal.last_day - 15, cal.last_day + 40],
        "rectified": [0, 0],
        "text": [0, 1],
        "mon": [cal.month_index(overdue), cal.month_index(fresh)],
    }
    for key in FIELDS:
        haz[key] = np.concatenate([haz[key], np.array(extra[key], np.int64)])

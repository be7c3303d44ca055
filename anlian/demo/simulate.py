"""The behaviour model: monthly hours, inspections, accidents and hazards for a block of firms.

Rates are per enterprise-month. Joining a chain ramps in over three months (1/3, 2/3, 1 from
the join month on) and then lowers the accident rate by 18-38% (per supplier), inspection
frequency by 28% and the chance that an inspection ends in enforcement by 42-58% (together
about -60% enforcement and penalties); self-check hazard reporting rises several-fold. Every
enterprise drifts -3%/year in accidents and enforcement so a difference-in-differences has
something to subtract. Half the effect fades once a supplier has left all its chains.
"""

import numpy as np

from .hazards import hazards, shape_sme
from .plan import Plan
from .timeline import Calendar, expand

HOURS_PER_HEAD = 174.0
SEASON = np.array([0.95, 0.62, 0.97, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.02, 1.03])
# Accidents per million hours by industry, in models.vocab.INDUSTRIES order.
ACC_BASE = np.array([4.0, 5.0, 4.0, 8.5, 4.5, 3.5, 8.0, 7.5, 6.5, 4.5, 4.0])
# Indexed by risk colour (red, orange, yellow, blue, unclassed) or standardization grade.
RISK_ACC = np.array([1.6, 1.3, 1.0, 0.75, 1.0])
STD_ACC = np.array([0.6, 0.75, 0.9, 1.0, 1.25])
INS_PER_YEAR = np.array([2.5, 1.2, 0.5, 0.25, 0.5])
ENF_P = np.array([0.42, 0.35, 0.28, 0.22, 0.28])
STD_ENF = np.array([0.7, 0.8, 0.95, 1.0, 1.2])
ENF_SPLIT = np.array([0.36, 0.48, 0.12, 0.04])  # warning, fine, suspension, referral
# By outcome (none, rectify, warning, fine, suspension, referral).
VIOL_LO = np.array([0, 1, 1, 2, 3, 2])
VIOL_HI = np.array([0, 3, 4, 6, 8, 6])
PENALTY_P = np.array([0.0, 0.0, 0.0, 1.0, 0.6, 0.5])
# By severity (minor, serious, fatal).
LOSS_MU = np.log([8_000, 120_000, 1_500_000])
LOSS_SIGMA = np.array([0.8, 0.6, 0.4])


def simulate(plan: Plan, cal: Calendar, lo: int, hi: int, rng) -> dict:
    """Every record of enterprises lo..hi-1 as arrays (`ent` is relative to lo)."""
    sl = slice(lo, hi)
    months = np.arange(len(cal.labels))
    ramp = _ramp(plan.join_month[sl], plan.left_month[sl], months)
    drift = 0.97 ** (months / 12)
    head, hours, present = _hours(rng, plan, sl, cal)
    ins = _inspections(rng, plan, sl, cal, ramp, drift)
    _suspensions(rng, hours, ins)
    acc = _accidents(rng, plan, sl, cal, ramp, drift, hours)
    haz = hazards(rng, plan, sl, cal, ramp, ins)
    if lo <= plan.sme < hi:
        shape_sme(plan.sme - lo, cal, acc, haz)
    return {
        "head": head,
        "hours": hours,
        "present": present,
        "accident": acc,
        "inspection": ins,
        "hazard": haz,
    }


def _ramp(join: np.ndarray, left: np.ndarray, months: np.ndarray) -> np.ndarray:
    """How far each enterprise is into its chain effect, month by month (0..1)."""
    ramp = np.clip((months[None, :] - join[:, None] + 1) / 3, 0.0, 1.0)
    return np.where(months[None, :] > left[:, None], ramp * 0.5, ramp)


def risk_index(risk: np.ndarray) -> np.ndarray:
    """Risk colour as an index into the tables above (unclassed last)."""
    return np.where(risk < 0, 4, risk)


def _hours(rng, plan: Plan, sl: slice, cal: Calendar):
    """Headcount and hours per month, a few closed months (0 h) and a few unreported ones."""
    n, months = sl.stop - sl.start, np.arange(len(cal.labels))
    years_back = (months - months[-1]) / 12
    base = plan.headcount[sl][:, None] * plan.growth[sl][:, None] ** years_back
    head = np.maximum(1, np.round(base * rng.lognormal(0, 0.02, base.shape))).astype(np.int64)
    hours = head * HOURS_PER_HEAD * SEASON[cal.month_no - 1] * rng.lognormal(0, 0.06, base.shape)
    small = plan.headcount[sl][:, None] < 60
    closed = (rng.random(base.shape) < 0.08) & (cal.month_no == 2)[None, :] & small
    closed |= rng.random(base.shape) < 0.003
    hours[closed] = 0.0
    present = ~((rng.random((n, len(months))) < 0.12) & plan.gappy[sl][:, None])
    return head, np.round(hours), present


def _inspections(rng, plan: Plan, sl: slice, cal: Calendar, ramp, drift) -> dict:
    """Inspections by risk class; members are inspected and punished less after joining."""
    risk, std = risk_index(plan.risk[sl]), plan.std[sl]
    size = np.clip((plan.headcount[sl] / 50) ** 0.15, 0.7, 1.6)
    # Poorly run firms (high frailty) draw more inspections and more of them end in enforcement:
    # the same latent management quality drives accidents, violations and hazard handling.
    frailty = plan.frailty[sl]
    rate = (INS_PER_YEAR[risk] * size * frailty**0.3 / 12)[:, None] * (1 - 0.28 * ramp)
    ent, mon, day = expand(rng, rng.poisson(rate), cal)
    m = len(ent)
    effect = 1 - plan.effect_enf[sl][ent] * ramp[ent, mon]
    p_enf = ENF_P[risk[ent]] * STD_ENF[std[ent]] * effect * drift[mon]
    p_enf = np.minimum(p_enf * np.clip(frailty[ent] ** 0.8, 0.3, 3.0), 0.95)
    enforced = 2 + rng.choice(4, m, p=ENF_SPLIT)
    outcome = np.where(rng.random(m) < p_enf, enforced, (rng.random(m) < 0.55).astype(np.int64))
    violations = rng.integers(VIOL_LO[outcome], VIOL_HI[outcome] + 1)
    amount = np.round(np.exp(rng.uniform(np.log(5_000), np.log(200_000), m)), -3)
    penalty = np.where(rng.random(m) < PENALTY_P[outcome], amount, 0).astype(np.int64)
    return {
        "ent": ent,
        "mon": mon,
        "day": day,
        "outcome": outcome,
        "violations": violations,
        "penalty": penalty,
        "authority": (rng.random(m) < 0.25).astype(np.int64),
    }


def _suspensions(rng, hours: np.ndarray, ins: dict) -> None:
    """A suspension cuts the next month's hours to at most half."""
    last = hours.shape[1] - 1
    for e, t in zip(ins["ent"][ins["outcome"] == 4], ins["mon"][ins["outcome"] == 4], strict=True):
        if t < last:
            hours[e, t + 1] = np.round(hours[e, t + 1] * rng.uniform(0, 0.5))


def _accidents(rng, plan: Plan, sl: slice, cal: Calendar, ramp, drift, hours) -> dict:
    """Poisson accidents on hours worked, with frailty so that a few firms have several."""
    risk, std = risk_index(plan.risk[sl]), plan.std[sl]
    rate = (
        ACC_BASE[plan.industry[sl]]
        * plan.frailty[sl]
        * RISK_ACC[risk]
        * STD_ACC[std]
        * np.where(plan.steward[sl], 0.9, 1.0)
    )
    effect = 1 - plan.effect_acc[sl][:, None] * ramp
    lam = rate[:, None] * effect * drift[None, :] * hours / 1e6
    ent, mon, day = expand(rng, rng.poisson(lam), cal)
    m = len(ent)
    u = rng.random(m)
    severity = np.where(u < 0.003, 2, np.where(u < 0.103, 1, 0))
    injured = np.select(
        [severity == 0, severity == 1],
        [
            rng.choice([1, 2, 3], m, p=[0.86, 0.11, 0.03]),
            rng.choice([1, 2, 3], m, p=[0.8, 0.15, 0.05]),
        ],
        rng.choice([0, 1, 2], m, p=[0.7, 0.2, 0.1]),
    )
    deaths = np.where(severity == 2, rng.choice([1, 2], m, p=[0.92, 0.08]), 0)
    loss = np.round(rng.lognormal(LOSS_MU[severity], LOSS_SIGMA[severity]), -2).astype(np.int64)
    p_self = plan.self_share[sl][ent] + 0.15 * (plan.join_month[sl][ent] <= mon)
    source = np.where(rng.random(m) < p_self, 0, 1 + (rng.random(m) < 0.45))
    return {
        "ent": ent,
        "mon": mon,
        "day": day,
        "severity": severity,
        "injured": injured,
        "deaths": deaths,
        "loss": loss,
        "source": source,
        "text": rng.integers(0, 1000, m),
    }

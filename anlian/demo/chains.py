"""Chains and their supplier memberships: who joined which chain when, and the demo SME."""

from typing import TYPE_CHECKING

import numpy as np

from .names import LEADER_BRANDS
from .shares import CHAIN_TYPES, INDUSTRY_CODES
from .timeline import MONTHS, Calendar

if TYPE_CHECKING:
    from .plan import Plan, Scale


def chain_types(count: int) -> list:
    """Leader industries, spread evenly so that any prefix mixes the industries."""
    keyed = [
        ((k + 0.5) / n, i, t) for i, (t, n) in enumerate(CHAIN_TYPES.items()) for k in range(n)
    ]
    return [t for _, _, t in sorted(keyed)][:count]


def chain_sizes(rng, scale: "Scale") -> np.ndarray:
    """Supplier counts per chain: skewed, summing to `scale.suppliers`, at least 10 each."""
    weights = rng.lognormal(0, 0.6, scale.chains)
    weights[0] = max(weights)  # the demo chain user sees a well-stocked chain
    raw = 10 + weights / weights.sum() * (scale.suppliers - 10 * scale.chains)
    sizes = np.floor(raw).astype(np.int64)
    short = scale.suppliers - sizes.sum()
    sizes[np.argsort(-(raw - sizes), kind="stable")[:short]] += 1
    return sizes


def make_chains(rng, types: list, n_lead: int, cal: Calendar) -> list:
    """One chain per leader, joined the scheme 25-36 months before the end."""
    chains = []
    for c in range(n_lead):
        month = int(rng.integers(0, 3 if c == 0 else 10))
        day = int(rng.integers(0, 28))
        chains.append(
            {
                "name": f"{LEADER_BRANDS[c]}集团安全生产供应链",
                "leader": c,
                "joined_on": int(cal.start[month]) + day,
                "month": month,
                "industry": types[c],
            }
        )
    return chains


def _join_month(rng, first: int) -> int:
    """15% join in the first year, 65% in the middle year, 20% in the last."""
    u = rng.random()
    if u < 0.15:
        return int(rng.integers(first, 12))
    return int(rng.integers(12, 24) if u < 0.80 else rng.integers(24, MONTHS))


def memberships(rng, plan: "Plan", primary, types: list, cal: Calendar, dual: float) -> dict:
    """Primary memberships, a second chain for some, a few that ended."""
    rows = []
    for offset, c in enumerate(primary):
        ent = len(plan.chains) + offset
        rows.append((int(c), ent, _join_month(rng, plan.chains[c]["month"])))
        if rng.random() < dual and len(plan.chains) > 1:
            same = [k for k in range(len(plan.chains)) if k != c and types[k] == types[c]]
            pool = same or [k for k in range(len(plan.chains)) if k != c]
            other = int(pool[rng.integers(len(pool))])
            month = max(plan.chains[other]["month"], rows[-1][2] + int(rng.integers(-6, 12)))
            rows.append((other, ent, min(month, MONTHS - 1)))
    members = {key: [] for key in ("chain", "ent", "tier", "joined_on", "left_on", "spend")}
    for c, ent, month in rows:
        joined = max(
            int(cal.start[month] + rng.integers(0, cal.days[month])), plan.chains[c]["joined_on"]
        )
        left = 0
        if rng.random() < 0.03 and month + 3 < MONTHS - 1:
            leave = int(rng.integers(month + 3, MONTHS))
            left = int(cal.start[leave] + rng.integers(0, cal.days[leave]))
        spend = -1
        if rng.random() < 0.9:
            spend = int(round(plan.headcount[ent] * 40_000 * rng.lognormal(0, 0.5), -3))
        for key, value in zip(
            members, (c, ent, 1 + int(rng.random() < 0.3), joined, left, spend), strict=True
        ):
            members[key].append(value)
    members = {k: np.array(v, np.int64) for k, v in members.items()}
    _member_months(plan, members, cal)
    return members


def _member_months(plan: "Plan", members: dict, cal: Calendar) -> None:
    """Each supplier's first join month, and the month it left its last chain (if it did)."""
    for ent in np.unique(members["ent"]):
        rows = members["ent"] == ent
        joins = [cal.month_index(int(o)) for o in members["joined_on"][rows]]
        plan.join_month[ent] = min(joins)
        lefts = members["left_on"][rows]
        if (lefts > 0).all():
            plan.left_month[ent] = max(cal.month_index(int(o)) for o in lefts)


def pick_sme(rng, plan: "Plan") -> int:
    """The demo SME: a mid-sized, still-active supplier of the first chain, joined mid-way."""
    m = plan.members
    rows = (m["chain"] == 0) & (m["left_on"] == 0)
    ents = m["ent"][rows]
    good = ents[
        (plan.headcount[ents] >= 30)
        & (plan.headcount[ents] <= 200)
        & (plan.join_month[ents] >= 12)
        & (plan.join_month[ents] < 24)
    ]
    trade = good[plan.industry[good] == INDUSTRY_CODES.index(plan.chains[0]["industry"])]
    pool = np.sort(trade if len(trade) else good if len(good) else ents)
    sme = int(pool[rng.integers(len(pool))])
    plan.gappy[sme] = False
    return sme

"""The population plan: who the enterprises are, which chains they supply, how they behave.

Everything here is arrays indexed by plan position: chain leaders first, then linked suppliers,
then never-linked enterprises. Dates are ordinals, months are indices into the timeline.
"""

from dataclasses import dataclass

import numpy as np

from models.uscc import ALPHABET, make_uscc
from models.vocab import TOWNS

from .chains import chain_sizes, chain_types, make_chains, memberships, pick_sme
from .names import INDUSTRY_WORDS, LEADER_BRANDS, LEADER_TRADES, NAME_WORDS
from .shares import (
    CITY_MIX,
    HEAVY,
    INDUSTRY_CODES,
    RISK_MIX,
    STD_CODES,
    STD_MIX,
    SUPPLIER_MIX,
    TOWN_BASE,
    TOWN_BOOST,
)
from .timeline import Calendar

NEVER = 10**6  # a month index that never comes
LEADER, SUPPLIER, UNLINKED = 0, 1, 2


@dataclass(frozen=True)
class Scale:
    """How many chains, linked suppliers and never-linked enterprises a scale has."""

    chains: int
    suppliers: int
    unlinked: int
    dual_share: float = 0.08

    @property
    def size(self) -> int:
        """Enterprises in all: leaders, suppliers and never-linked."""
        return self.chains + self.suppliers + self.unlinked


SCALES = {
    "small": Scale(4, 150, 150),
    "city": Scale(36, 2798, 3166),
    "bench": Scale(36, 2798, 25_000 - 36 - 2798),
}


@dataclass
class Plan:
    """Every enterprise's identity and behaviour, the chains and the memberships."""

    kind: np.ndarray
    uscc: list
    name: list
    industry: np.ndarray
    town: np.ndarray
    headcount: np.ndarray
    std: np.ndarray
    std_expires: np.ndarray  # ordinal, 0 = none
    risk: np.ndarray  # index into RISK_CODES, -1 = not yet classed
    steward: np.ndarray
    dishonest_on: np.ndarray  # ordinal, 0 = never listed
    repaired_on: np.ndarray  # ordinal, 0 = not repaired
    join_month: np.ndarray  # first join month, NEVER for non-members
    left_month: np.ndarray  # month after which no membership is active, else NEVER
    frailty: np.ndarray
    effect_acc: np.ndarray
    effect_enf: np.ndarray
    self_share: np.ndarray
    growth: np.ndarray
    gappy: np.ndarray
    chains: list  # dicts: name, leader, joined_on, industry
    members: dict  # arrays: chain, ent, tier, joined_on, left_on (0 none), spend (-1 none)
    insert_order: np.ndarray
    sme: int = -1

    @property
    def size(self) -> int:
        """Number of enterprises."""
        return len(self.uscc)


def make_plan(scale: Scale, cal: Calendar, seed: int) -> Plan:
    """The whole population for `scale`, deterministic in `seed` and the timeline."""
    rng = np.random.default_rng([seed, 1])
    types = chain_types(scale.chains)
    sizes = chain_sizes(rng, scale)
    n_lead, n_sup = scale.chains, scale.suppliers
    n = n_lead + n_sup + scale.unlinked
    kind = np.repeat([LEADER, SUPPLIER, UNLINKED], [n_lead, n_sup, scale.unlinked])
    primary = np.repeat(np.arange(scale.chains), sizes)
    industry = np.concatenate(
        [
            [INDUSTRY_CODES.index(t) for t in types],
            [_draw(rng, SUPPLIER_MIX[types[c]]) for c in primary],
            _draw_many(rng, CITY_MIX, scale.unlinked),
        ]
    ).astype(np.int64)
    town = _towns(rng, industry)
    headcount = _headcounts(rng, kind)
    plan = Plan(
        kind=kind,
        uscc=_usccs(rng, n),
        name=[],
        industry=industry,
        town=town,
        headcount=headcount,
        std=_standardization(rng, kind, headcount),
        std_expires=np.zeros(n, np.int64),
        risk=_risk(rng, industry, kind),
        steward=np.zeros(n, bool),
        dishonest_on=np.zeros(n, np.int64),
        repaired_on=np.zeros(n, np.int64),
        join_month=np.full(n, NEVER),
        left_month=np.full(n, NEVER),
        frailty=rng.gamma(1.5, 1 / 1.5, n),
        effect_acc=np.where(kind == SUPPLIER, rng.uniform(0.18, 0.38, n), 0.0),
        effect_enf=np.where(kind == SUPPLIER, rng.uniform(0.42, 0.58, n), 0.0),
        self_share=rng.beta(2, 6, n),
        growth=rng.lognormal(0.02, 0.05, n),
        gappy=(rng.random(n) < 0.03) & (kind != LEADER),
        chains=[],
        members={},
        insert_order=rng.permutation(n),
    )
    plan.name = _names(rng, plan, types)
    _foundation(rng, plan, cal)
    plan.chains = make_chains(rng, types, n_lead, cal)
    plan.members = memberships(rng, plan, primary, types, cal, scale.dual_share)
    plan.sme = pick_sme(rng, plan)
    _dishonest(rng, plan, cal)
    return plan


def _draw(rng, mix: dict) -> int:
    """One industry index from a share table."""
    return _draw_many(rng, mix, 1)[0]


def _draw_many(rng, mix: dict, count: int) -> np.ndarray:
    """`count` industry indices from a share table."""
    codes = [INDUSTRY_CODES.index(c) for c in mix]
    shares = np.array(list(mix.values()))
    return np.array(codes)[rng.choice(len(codes), count, p=shares / shares.sum())]


def _towns(rng, industry: np.ndarray) -> np.ndarray:
    """Towns drawn per industry: ceramics in 磁灶, umbrellas in 东石, shoes in 陈埭…"""
    town = np.zeros(len(industry), np.int64)
    for code_index, code in enumerate(INDUSTRY_CODES):
        weights = TOWN_BASE.copy()
        for name, boost in TOWN_BOOST.get(code, {}).items():
            weights[TOWNS.index(name)] *= boost
        rows = np.flatnonzero(industry == code_index)
        town[rows] = rng.choice(len(TOWNS), len(rows), p=weights / weights.sum())
    return town


def _headcounts(rng, kind: np.ndarray) -> np.ndarray:
    """Most 10-80, some hundreds, a few thousands; leaders large; suppliers a bit larger."""
    n = len(kind)
    median = np.where(kind == SUPPLIER, 45.0, 30.0)
    small = rng.lognormal(np.log(median), 0.9, n)
    large = rng.lognormal(np.log(450), 0.8, n)
    share_large = np.where(kind == SUPPLIER, 0.08, 0.04)
    count = np.where(rng.random(n) < share_large, large, small)
    count = np.where(kind == LEADER, rng.lognormal(np.log(2200), 0.5, n), count)
    return np.clip(np.round(count), 3, 9000).astype(np.int64)


def _usccs(rng, n: int) -> list:
    """Unique valid codes: mostly 91350582…, some Quanzhou-level or individual businesses."""
    prefixes = np.array(["91350582", "91350500", "92350582"])
    which = rng.choice(3, n, p=[0.94, 0.04, 0.02])
    seen, codes = set(), []
    for pre in prefixes[which]:
        while True:
            body = pre + "".join(ALPHABET[i] for i in rng.integers(0, 31, 9))
            if body not in seen:
                break
        seen.add(body)
        codes.append(make_uscc(body))
    return codes


def _standardization(rng, kind: np.ndarray, headcount: np.ndarray) -> np.ndarray:
    """Standardization grade by size: leaders level1/level2; small firms mostly small_micro."""
    band = np.where(headcount >= 300, "large", np.where(headcount >= 50, "mid", "small"))
    std = np.zeros(len(kind), np.int64)
    for name, p in STD_MIX.items():
        rows = np.flatnonzero(band == name)
        std[rows] = rng.choice(5, len(rows), p=p)
    return np.where(kind == LEADER, rng.choice(2, len(kind), p=[0.6, 0.4]), std)


def _risk(rng, industry: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Four-colour class by industry group; 2% not yet classed; leaders never red."""
    risk = np.zeros(len(industry), np.int64)
    for i, code in enumerate(INDUSTRY_CODES):
        group = code if code == "hazardous_chemicals" else "heavy" if code in HEAVY else "light"
        rows = np.flatnonzero(industry == i)
        risk[rows] = rng.choice(4, len(rows), p=RISK_MIX[group])
    risk = np.where((kind == LEADER) & (risk == 0), 1, risk)
    return np.where((rng.random(len(risk)) < 0.02) & (kind != LEADER), -1, risk)


def _names(rng, plan: Plan, types: list) -> list:
    """`{town}{word}{trade}有限公司` for everyone but leaders: `福建{brand}{trade}集团有限公司`."""
    names = []
    for i in range(plan.size):
        if plan.kind[i] == LEADER:
            names.append(f"福建{LEADER_BRANDS[i]}{LEADER_TRADES[types[i]]}集团有限公司")
            continue
        town = TOWNS[plan.town[i]].removesuffix("街道").removesuffix("镇")
        trades = INDUSTRY_WORDS[INDUSTRY_CODES[plan.industry[i]]]
        word = NAME_WORDS[rng.integers(len(NAME_WORDS))]
        names.append(f"{town}{word}{trades[rng.integers(len(trades))]}有限公司")
    return names


def _foundation(rng, plan: Plan, cal: Calendar) -> None:
    """Standardization expiry (some lapsed) and safety stewards (~25%)."""
    n = plan.size
    graded = plan.std != STD_CODES.index("none")
    expires = cal.last_day + rng.integers(-200, 1000, n)
    plan.std_expires = np.where(graded, expires, 0)
    p_steward = np.full(n, 0.22)
    p_steward[plan.industry == INDUSTRY_CODES.index("hazardous_chemicals")] = 0.6
    p_steward[plan.headcount >= 300] = 0.45
    p_steward[plan.kind == SUPPLIER] += 0.05
    plan.steward = rng.random(n) < p_steward


def _dishonest(rng, plan: Plan, cal: Calendar) -> None:
    """A handful on the dishonesty list, the frailest more likely; some repaired since."""
    count = max(2, plan.size // 500)
    weight = np.where(
        (plan.kind != LEADER) & (np.arange(plan.size) != plan.sme), plan.frailty**2, 0.0
    )
    chosen = np.sort(rng.choice(plan.size, count, replace=False, p=weight / weight.sum()))
    for ent in chosen:
        listed = int(rng.integers(cal.first_day, cal.last_day - 30))
        plan.dishonest_on[ent] = listed
        repaired = listed + int(rng.integers(120, 500))
        if rng.random() < 0.4 and repaired <= cal.last_day:
            plan.repaired_on[ent] = repaired

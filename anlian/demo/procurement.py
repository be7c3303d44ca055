"""The procurement side of the demo: version 1 of every chain's assessment scheme (safety
20-30%, quality, delivery, price, service; four bands), the chains' ratings of their suppliers
for the last 12 periods (a few left out, so "incomplete" shows), and the admission checklists
(most suppliers pass, a few miss one condition). Deterministic in the seed and the timeline.
"""

import numpy as np
from sqlalchemy import insert

from models import AdmissionCheck, Rating, Scheme

from ..services.admission import DEFAULT_CONDITIONS
from .timeline import Calendar

RATED_PERIODS = 12
OWN = ("quality", "delivery", "price", "service")
LABELS = {
    "safety": "安全生产",
    "quality": "产品质量",
    "delivery": "交付准时",
    "price": "价格水平",
    "service": "配合服务",
}
SHARES = (0.40, 0.25, 0.20, 0.15)  # of the weight left after safety
BANDS = [
    {
        "min_score": 85.0,
        "label": "优先合作",
        "color": "green",
        "order_action": "preferred",
        "settlement_adjustment_pct": 2.0,
    },
    {
        "min_score": 70.0,
        "label": "正常合作",
        "color": "blue",
        "order_action": "normal",
        "settlement_adjustment_pct": 0.0,
    },
    {
        "min_score": 60.0,
        "label": "观察整改",
        "color": "orange",
        "order_action": "probation",
        "settlement_adjustment_pct": -3.0,
    },
    {
        "min_score": 0.0,
        "label": "暂停新单",
        "color": "red",
        "order_action": "suspend_new_orders",
        "settlement_adjustment_pct": -5.0,
    },
]
MISSING_SHARE = 0.02  # of rating cells left empty
WEAK_SHARE = 0.06  # of suppliers rated well below the rest
FAIL_SHARE = 0.08  # of suppliers missing one admission condition
CHUNK = 5000


def _criteria(safety_bp: int) -> list[dict]:
    rest = 10_000 - safety_bp
    weights = [int(rest * share) // 100 * 100 for share in SHARES]
    weights[0] += rest - sum(weights)  # whole percents, summing exactly
    return [{"key": "safety", "label": LABELS["safety"], "weight_bp": safety_bp}] + [
        {"key": key, "label": LABELS[key], "weight_bp": bp}
        for key, bp in zip(OWN, weights, strict=True)
    ]


def scheme_rows(plan, cal: Calendar, chain_ids: list, rng, stamp) -> list[dict]:
    """Version 1 of each chain's scheme, in force from the month the chain joined."""
    rows = []
    for c, chain in enumerate(plan.chains):
        safety_bp = int(rng.choice([2000, 2500, 3000]))
        rows.append(
            {
                "chain_id": chain_ids[c],
                "version": 1,
                "effective_from": cal.labels[chain["month"]],
                "safety_weight_bp": safety_bp,
                "criteria": _criteria(safety_bp),
                "bands": BANDS,
                "created_at": stamp,
            }
        )
    return rows


def _active(members: dict, cal: Calendar, month: int) -> np.ndarray:
    first, last = cal.start[month], cal.start[month] + cal.days[month] - 1
    left = members["left_on"]
    return (members["joined_on"] <= last) & ((left == 0) | (left > first))


def rating_rows(plan, cal: Calendar, chain_ids: list, ids, rng, stamp) -> list[dict]:
    """Each chain's ratings of the suppliers it had in each of the last RATED_PERIODS months:
    a steady level per supplier and criterion, a little noise per month, some cells empty."""
    members = plan.members
    n = len(members["ent"])
    level = rng.normal(80, 8, (n, len(OWN)))
    level[rng.random(n) < WEAK_SHARE] -= 22  # struggling suppliers: probation, yellow codes
    level = np.clip(level, 35, 99)
    rows = []
    for month in range(len(cal.labels) - RATED_PERIODS, len(cal.labels)):
        noise = rng.normal(0, 4, (n, len(OWN)))
        empty = rng.random((n, len(OWN))) < MISSING_SHARE
        scores = np.round(np.clip(level + noise, 0, 100) * 2) / 2
        for m in np.flatnonzero(_active(members, cal, month)):
            for k, key in enumerate(OWN):
                if not empty[m, k]:
                    rows.append(
                        {
                            "chain_id": chain_ids[members["chain"][m]],
                            "enterprise_id": int(ids[members["ent"][m]]),
                            "period": cal.labels[month],
                            "criterion": key,
                            "score": float(scores[m, k]),
                            "created_at": stamp,
                        }
                    )
    return rows


def admission_rows(plan, cal: Calendar, chain_ids: list, ids, rng, dates, stamp) -> list[dict]:
    """The eight basic conditions checked for every membership, verified after joining."""
    members = plan.members
    rows = []
    for m in range(len(members["ent"])):
        missing = int(rng.integers(len(DEFAULT_CONDITIONS))) if rng.random() < FAIL_SHARE else -1
        verified = min(int(members["joined_on"][m]) + int(rng.integers(0, 20)), cal.last_day)
        for k, condition in enumerate(DEFAULT_CONDITIONS):
            rows.append(
                {
                    "chain_id": chain_ids[members["chain"][m]],
                    "enterprise_id": int(ids[members["ent"][m]]),
                    "condition_key": condition["key"],
                    "met": k != missing,
                    "evidence": "现场核查，资料齐全" if k != missing else "整改中",
                    "verified_on": dates(verified),
                    "updated_at": stamp,
                }
            )
    return _unique_checks(rows)


def _unique_checks(rows: list[dict]) -> list[dict]:
    """One check per chain, supplier and condition (a supplier that rejoined is checked once)."""
    found = {}
    for row in rows:
        found[(row["chain_id"], row["enterprise_id"], row["condition_key"])] = row
    return list(found.values())


def load(session, plan, cal: Calendar, chain_ids: list, ids, dates, stamp, seed: int) -> dict:
    """Insert the schemes, ratings and admission checks; returns rows per table."""
    rng = np.random.default_rng([seed, 7])
    tables = (
        (Scheme, scheme_rows(plan, cal, chain_ids, rng, stamp)),
        (Rating, _unique_ratings(rating_rows(plan, cal, chain_ids, ids, rng, stamp))),
        (AdmissionCheck, admission_rows(plan, cal, chain_ids, ids, rng, dates, stamp)),
    )
    counts = {}
    for model, rows in tables:
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(model.__table__), rows[start : start + CHUNK])
        counts[model.__tablename__] = len(rows)
    return counts


def _unique_ratings(rows: list[dict]) -> list[dict]:
    """One rating per chain, supplier, period and criterion (a rejoined supplier once)."""
    found = {}
    for row in rows:
        found[(row["chain_id"], row["enterprise_id"], row["period"], row["criterion"])] = row
    return list(found.values())

"""Turn the plan and simulated arrays into plain row dicts for executemany inserts."""

from decimal import Decimal

import numpy as np

from models.vocab import (
    ACCIDENT_SOURCES,
    HAZARD_LEVELS,
    HAZARD_SOURCES,
    OUTCOMES,
    SEVERITIES,
    TOWNS,
)

from .names import ACCIDENT_TEXT, AUTHORITIES, HAZARD_TEXT
from .plan import Plan
from .shares import INDUSTRY_CODES, RISK_CODES, STD_CODES
from .timeline import Calendar, Dates

SEVERITY_CODES = tuple(SEVERITIES)
ACC_SOURCE_CODES = tuple(ACCIDENT_SOURCES)
OUTCOME_CODES = tuple(OUTCOMES)
HAZ_SOURCE_CODES = tuple(HAZARD_SOURCES)
LEVEL_CODES = tuple(HAZARD_LEVELS)


def _date_or_none(dates: Dates, ordinal) -> object:
    return dates(int(ordinal)) if ordinal else None


def enterprise_rows(plan: Plan, dates: Dates, stamp) -> list:
    """One row per enterprise, in insertion order."""
    rows = []
    for i in plan.insert_order.tolist():
        rows.append(
            {
                "uscc": plan.uscc[i],
                "name": plan.name[i],
                "industry": INDUSTRY_CODES[plan.industry[i]],
                "town": TOWNS[plan.town[i]],
                "headcount": int(plan.headcount[i]),
                "standardization": STD_CODES[plan.std[i]],
                "standardization_expires_on": _date_or_none(dates, plan.std_expires[i]),
                "risk_color": RISK_CODES[plan.risk[i]] if plan.risk[i] >= 0 else None,
                "steward": bool(plan.steward[i]),
                "dishonest_listed_on": _date_or_none(dates, plan.dishonest_on[i]),
                "dishonest_repaired_on": _date_or_none(dates, plan.repaired_on[i]),
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    return rows


def membership_rows(plan: Plan, chain_ids: list, ids: np.ndarray, dates: Dates, stamp) -> list:
    """One row per membership."""
    m = plan.members
    return [
        {
            "chain_id": chain_ids[c],
            "enterprise_id": int(ids[e]),
            "tier": tier,
            "joined_on": dates(joined),
            "left_on": _date_or_none(dates, left),
            "annual_spend_cny": Decimal(spend) if spend >= 0 else None,
            "created_at": stamp,
        }
        for c, e, tier, joined, left, spend in zip(
            *(m[k].tolist() for k in ("chain", "ent", "tier", "joined_on", "left_on", "spend")),
            strict=True,
        )
    ]


def _numbered(ent: np.ndarray, day: np.ndarray):
    """Chronological order per enterprise and each event's 1-based number within it."""
    order = np.lexsort((np.arange(len(ent)), day, ent))
    ent_sorted = ent[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ent_sorted)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(ent_sorted)]))
    return order, (np.arange(len(ent_sorted)) - first + 1).tolist()


def hours_rows(sim: dict, ids: list, cal: Calendar, stamp) -> list:
    """WorkHours rows for every reported month."""
    ent, mon = np.nonzero(sim["present"])
    hours, head = sim["hours"][ent, mon].tolist(), sim["head"][ent, mon].tolist()
    return [
        {
            "enterprise_id": ids[e],
            "month": cal.labels[t],
            "hours": h,
            "headcount": c,
            "created_at": stamp,
            "updated_at": stamp,
        }
        for e, t, h, c in zip(ent.tolist(), mon.tolist(), hours, head, strict=True)
    ]


def accident_rows(sim: dict, ids: list, tails: list, cal: Calendar, dates: Dates, stamp) -> list:
    """Accident rows with `ACC-{uscc tail}-{n}` references."""
    a = sim["accident"]
    order, numbers = _numbered(a["ent"], a["day"])
    cols = {k: v[order].tolist() for k, v in a.items()}
    rows = []
    for j, n in enumerate(numbers):
        e, severity = cols["ent"][j], SEVERITY_CODES[cols["severity"][j]]
        texts = ACCIDENT_TEXT[severity]
        rows.append(
            {
                "enterprise_id": ids[e],
                "source_ref": f"ACC-{tails[e]}-{n:04d}",
                "occurred_on": dates(cols["day"][j]),
                "month": cal.labels[cols["mon"][j]],
                "severity": severity,
                "injured": cols["injured"][j],
                "deaths": cols["deaths"][j],
                "direct_loss_cny": Decimal(cols["loss"][j]),
                "source": ACC_SOURCE_CODES[cols["source"][j]],
                "description": texts[cols["text"][j] % len(texts)],
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    return rows


def inspection_rows(sim: dict, ids: list, tails: list, cal: Calendar, dates: Dates, stamp):
    """Inspection rows with `INS-{uscc tail}-{n}` references."""
    s = sim["inspection"]
    order, numbers = _numbered(s["ent"], s["day"])
    cols = {k: v[order].tolist() for k, v in s.items()}
    return [
        {
            "enterprise_id": ids[e],
            "source_ref": f"INS-{tails[e]}-{n:04d}",
            "inspected_on": dates(day),
            "month": cal.labels[t],
            "authority": AUTHORITIES[auth],
            "violations": v,
            "outcome": OUTCOME_CODES[o],
            "penalty_cny": Decimal(p),
            "created_at": stamp,
            "updated_at": stamp,
        }
        for n, e, t, day, o, v, p, auth in zip(
            numbers,
            *(
                cols[k]
                for k in ("ent", "mon", "day", "outcome", "violations", "penalty", "authority")
            ),
            strict=True,
        )
    ]


def hazard_rows(sim: dict, ids: list, tails: list, cal: Calendar, dates: Dates, stamp) -> list:
    """Hazard rows with `HAZ-{uscc tail}-{n}` references."""
    h = sim["hazard"]
    order, numbers = _numbered(h["ent"], h["day"])
    cols = {k: v[order].tolist() for k, v in h.items()}
    rows = []
    for j, n in enumerate(numbers):
        e, level = cols["ent"][j], LEVEL_CODES[cols["level"][j]]
        texts = HAZARD_TEXT[level]
        rows.append(
            {
                "enterprise_id": ids[e],
                "source_ref": f"HAZ-{tails[e]}-{n:04d}",
                "found_on": dates(cols["day"][j]),
                "month": cal.labels[cols["mon"][j]],
                "source": HAZ_SOURCE_CODES[cols["source"][j]],
                "level": level,
                "description": texts[cols["text"][j] % len(texts)],
                "deadline": dates(cols["deadline"][j]),
                "rectified_on": _date_or_none(dates, cols["rectified"][j]),
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    return rows

"""Demo data: a deterministic, Jinjiang-like data set of raw records for an empty database.

`generate(session, seed=…, scale=…, end_month=…)` writes enterprises, chains, memberships,
36 months of hours worked, accidents, inspections and hazards, the chains' schemes, ratings and
admission checklists (procurement.py), and one user per role. It only
flushes; the caller commits once. Only raw records are written: no score, snapshot, trend or
effect. The rows depend on (seed, scale, end_month) alone, timestamps included (every row is
stamped as loaded at the start of the month after `end_month`); only the salted password
hashes differ between runs.

Demo logins (also in `PASSWORDS` and in the summary): bureau / bureau-demo-2026,
chain / chain-demo-2026, sme / sme-demo-2026.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from models import Accident, Chain, Enterprise, Hazard, Inspection, Membership, User, WorkHours

from . import procurement
from . import rows as build
from .plan import SCALES, Plan, make_plan
from .simulate import simulate
from .timeline import Calendar, Dates, DemoError, default_end_month, make_calendar

__all__ = ["PASSWORDS", "SCALES", "DemoError", "DemoSummary", "generate"]

PASSWORDS = {"bureau": "bureau-demo-2026", "chain": "chain-demo-2026", "sme": "sme-demo-2026"}
CHUNK = 1000  # enterprises simulated and inserted at a time (fixed: part of the determinism)
BATCH = 5000  # rows per executemany


@dataclass(frozen=True)
class DemoSummary:
    """What `generate` wrote: rows per table, the demo users, and the arguments used.

    `counts` maps table name to rows inserted; `users` holds one dict per role with
    role, username, password, chain_id, enterprise_id, uscc, owner and display_name.
    """

    seed: int
    scale: str
    end_month: str
    first_month: str
    counts: dict
    users: tuple


def generate(
    session, *, seed: int = 7, scale: str = "small", end_month: str | None = None, progress=None
) -> DemoSummary:
    """Load the demo data set into the empty database behind `session` (flush only).

    `progress(step_label, done, total)` is called after each unit of work; `total` is fixed
    for the run and `done` grows to it. Raises DemoError for a bad scale or month, or when the
    database already holds enterprises or the demo user names.
    """
    if scale not in SCALES:
        raise DemoError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    if end_month is None:
        end_month = default_end_month(date.today())
    cal = make_calendar(end_month)
    _refuse_non_empty(session)
    step = _Steps(progress, total=5 + -(-SCALES[scale].size // CHUNK))
    plan = make_plan(SCALES[scale], cal, seed)
    step("plan")
    dates, stamp = Dates(cal), _loaded_at(cal)
    counts = {"enterprise": _insert(session, Enterprise, build.enterprise_rows(plan, dates, stamp))}
    ids = _enterprise_ids(session, plan)
    step("enterprises")
    chain_ids = _insert_chains(session, plan, ids, dates, stamp)
    counts["chain"] = len(chain_ids)
    rows = build.membership_rows(plan, chain_ids, ids, dates, stamp)
    counts["membership"] = _insert(session, Membership, rows)
    step("chains")
    counts.update(_insert_records(session, plan, cal, ids, seed, dates, stamp, step))
    counts.update(procurement.load(session, plan, cal, chain_ids, ids, dates, stamp, seed))
    step("procurement")
    users = _insert_users(session, plan, ids, chain_ids, stamp)
    counts["user"] = len(users)
    step("users")
    return DemoSummary(seed, scale, end_month, cal.labels[0], counts, users)


class _Steps:
    """Progress reporting with a fixed total."""

    def __init__(self, callback, total: int):
        self.callback, self.total, self.done = callback, total, 0

    def __call__(self, label: str) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(label, self.done, self.total)


def _loaded_at(cal: Calendar) -> datetime:
    """The stamp on every row: midnight UTC on the first day after the last month."""
    return datetime.combine(date.fromordinal(cal.last_day + 1), datetime.min.time(), UTC)


def _refuse_non_empty(session) -> None:
    if session.scalar(select(Enterprise.id).limit(1)) is not None:
        raise DemoError("database is not empty: the enterprise table already has rows")
    taken = session.scalars(select(User.username).where(User.username.in_(PASSWORDS))).all()
    if taken:
        raise DemoError(f"database is not empty: user {sorted(taken)[0]!r} already exists")


def _insert(session, model, rows: list) -> int:
    """executemany in batches; returns the row count."""
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model.__table__), rows[start : start + BATCH])
    return len(rows)


def _enterprise_ids(session, plan: Plan) -> np.ndarray:
    """Database ids by plan position."""
    by_uscc = dict(session.execute(select(Enterprise.uscc, Enterprise.id)).all())
    return np.array([by_uscc[u] for u in plan.uscc], np.int64)


def _insert_chains(session, plan: Plan, ids: np.ndarray, dates: Dates, stamp) -> list:
    rows = [
        {
            "name": c["name"],
            "leader_id": int(ids[c["leader"]]),
            "joined_on": dates(c["joined_on"]),
            "created_at": stamp,
        }
        for c in plan.chains
    ]
    _insert(session, Chain, rows)
    by_name = dict(session.execute(select(Chain.name, Chain.id)).all())
    return [by_name[c["name"]] for c in plan.chains]


def _insert_records(session, plan, cal, ids, seed, dates, stamp, step) -> dict:
    """Simulate and insert CHUNK enterprises at a time, so memory stays flat at any scale."""
    counts = dict.fromkeys(("work_hours", "accident", "inspection", "hazard"), 0)
    tables = (
        (WorkHours, "work_hours"),
        (Accident, "accident"),
        (Inspection, "inspection"),
        (Hazard, "hazard"),
    )
    for k, lo in enumerate(range(0, plan.size, CHUNK)):
        hi = min(lo + CHUNK, plan.size)
        sim = simulate(plan, cal, lo, hi, np.random.default_rng([seed, 2, k]))
        block, tails = ids[lo:hi].tolist(), [u[-6:] for u in plan.uscc[lo:hi]]
        built = {
            "work_hours": build.hours_rows(sim, block, cal, stamp),
            "accident": build.accident_rows(sim, block, tails, cal, dates, stamp),
            "inspection": build.inspection_rows(sim, block, tails, cal, dates, stamp),
            "hazard": build.hazard_rows(sim, block, tails, cal, dates, stamp),
        }
        for model, name in tables:
            counts[name] += _insert(session, model, built[name])
        step("records")
    return counts


def _insert_users(session, plan: Plan, ids, chain_ids: list, stamp) -> tuple:
    """bureau, chain (first chain) and sme (a shaped supplier of the first chain)."""
    sme = plan.sme
    users = (
        _user("bureau", owner="应急管理局", display="应急管理局 分析员"),
        _user("chain", chain_id=chain_ids[0], owner=plan.chains[0]["name"], display="链主采购"),
        _user(
            "sme",
            enterprise_id=int(ids[sme]),
            uscc=plan.uscc[sme],
            owner=plan.name[sme],
            display="企业负责人",
        ),
    )
    for u in users:
        session.add(
            User(
                username=u["username"],
                role=u["role"],
                chain_id=u["chain_id"],
                enterprise_id=u["enterprise_id"],
                display_name=u["display_name"],
                password_hash=generate_password_hash(u["password"], method="scrypt"),
                created_at=stamp,
            )
        )
    session.flush()
    return users


def _user(role: str, *, owner: str, display: str, chain_id=None, enterprise_id=None, uscc=None):
    """A demo login as the summary reports it (username = role)."""
    return {
        "role": role,
        "username": role,
        "password": PASSWORDS[role],
        "chain_id": chain_id,
        "enterprise_id": enterprise_id,
        "uscc": uscc,
        "owner": owner,
        "display_name": display,
    }

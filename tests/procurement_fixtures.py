"""Builders for the procurement tests: scheme bodies, snapshots, ratings, admission checks."""

import copy
from datetime import date
from decimal import Decimal

import pytest

from anlian import clock
from anlian.scope import Scope
from anlian.services import admission, assessment, schemes
from models import AdmissionCheck, MonthClose, Rating, ScoreSnapshot
from models.vocab import GRADE_COLORS

CRITERIA = [
    {"key": "safety", "label": "安全生产", "weight": 20},
    {"key": "quality", "label": "质量", "weight": 40},
    {"key": "delivery", "label": "交付", "weight": 20},
    {"key": "price", "label": "价格", "weight": 10},
    {"key": "service", "label": "服务", "weight": 10},
]
BANDS = [
    {
        "min_score": 85,
        "label": "优选",
        "color": "green",
        "order_action": "preferred",
        "settlement_adjustment_pct": 2,
    },
    {
        "min_score": 70,
        "label": "合格",
        "color": "blue",
        "order_action": "normal",
        "settlement_adjustment_pct": 0,
    },
    {
        "min_score": 60,
        "label": "观察",
        "color": "orange",
        "order_action": "probation",
        "settlement_adjustment_pct": -3,
    },
    {
        "min_score": 0,
        "label": "暂停",
        "color": "red",
        "order_action": "suspend_new_orders",
        "settlement_adjustment_pct": -5,
    },
]


def scheme_body(**overrides) -> dict:
    """A valid PUT body (safety 20%); override criteria, bands or anything else."""
    return {"criteria": copy.deepcopy(CRITERIA), "bands": copy.deepcopy(BANDS)} | overrides


def with_weights(**weights) -> list[dict]:
    """The default criteria with some weights replaced."""
    return [c | {"weight": weights.get(c["key"], c["weight"])} for c in copy.deepcopy(CRITERIA)]


def save_scheme(db, chain, *, effective_from: str, body: dict | None = None):
    """Store a scheme version directly through the service (as the system)."""
    body = body or scheme_body()
    scheme = schemes.save(
        db,
        Scope.system(),
        chain,
        criteria=body["criteria"],
        bands=body["bands"],
        effective_from=effective_from,
    )
    db.commit()
    return scheme


def grade_of(score: float) -> str:
    return "A" if score >= 85 else "B" if score >= 70 else "C" if score >= 60 else "D"


def snapshot(db, enterprise, month: str, score: float, *, veto=(), kind="closed"):
    """A safety snapshot as the month close would write it."""
    grade = "D" if veto else grade_of(score)
    db.add(
        ScoreSnapshot(
            enterprise_id=enterprise.id,
            month=month,
            kind=kind,
            model_version="test",
            score=score,
            grade=grade,
            color=GRADE_COLORS[grade],
            veto=list(veto),
            components={},
        )
    )
    db.commit()


def rate(db, chain, enterprise, period: str, **scores):
    for criterion, score in scores.items():
        db.add(
            Rating(
                chain_id=chain.id,
                enterprise_id=enterprise.id,
                period=period,
                criterion=criterion,
                score=Decimal(str(score)),
            )
        )
    db.commit()


def admit(db, chain, enterprise, *, except_keys=()):
    """Admission checks for every default condition, met unless listed in `except_keys`."""
    for condition in admission.DEFAULT_CONDITIONS:
        db.add(
            AdmissionCheck(
                chain_id=chain.id,
                enterprise_id=enterprise.id,
                condition_key=condition["key"],
                met=condition["key"] not in except_keys,
            )
        )
    db.commit()


PERIOD = "2025-06"
TODAY = date(2025, 7, 10)  # PERIOD is the month that ended last


@pytest.fixture(name="today")
def today_fixture(monkeypatch):
    """Freeze the platform's clock at TODAY."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture(name="rated")
def rated_fixture(db, make, world):
    """Chain A in PERIOD: x complete (composite 80), `both` vetoed, z missing delivery; all
    admitted. The hand computation is in test_procurement_composite."""
    chain = world["chain_a"]
    z = make.enterprise(name="缺评企业")
    make.membership(chain, z)
    save_scheme(db, chain, effective_from="2025-01")
    snapshot(db, world["x"], PERIOD, 90)
    snapshot(db, world["both"], PERIOD, 50, veto=["death"])
    snapshot(db, z, PERIOD, 88.5)
    rate(db, chain, world["x"], PERIOD, quality=80, delivery=70, price=60, service=100)
    rate(db, chain, world["both"], PERIOD, quality=100, delivery=100, price=100, service=100)
    rate(db, chain, z, PERIOD, quality=90, price=90, service=90)
    for firm in (world["x"], world["both"], z):
        admit(db, chain, firm)
    return world | {"z": z}


def close(db, month: str):
    """Close `month` as the month close does after the scores: the MonthClose row, then the
    chains' assessments (the snapshots are the test's own)."""
    db.add(
        MonthClose(
            month=month,
            kind="closed",
            model_version="test",
            enterprises=0,
            parameters={},
            industry_stats={},
        )
    )
    db.flush()
    summary = assessment.close_period(db, month=month)
    db.commit()
    return summary


BEFORE = "2025-05"  # the period before PERIOD


@pytest.fixture(name="closed")
def closed_fixture(db, make, rated):
    """`rated` with more kinds of row, BEFORE and PERIOD closed: v ties x at 80 (the uscc
    breaks the tie), w fails the admission gate (tier 2, another industry and town), u has
    only a provisional score, t no score at all (incomplete), and x, `both` and w were rated
    in BEFORE too (a trend each)."""
    chain = rated["chain_a"]
    v = make.enterprise(name="同分企业Ab")
    w = make.enterprise(name="未准入企业", industry="food", town="罗山街道")
    u = make.enterprise(name="暂估企业ab")
    t = make.enterprise(name="无评分企业")
    make.membership(chain, w, tier=2)
    for firm in (v, u, t):
        make.membership(chain, firm)
    snapshot(db, v, PERIOD, 90)
    snapshot(db, w, PERIOD, 95)
    snapshot(db, u, PERIOD, 72.5, kind="provisional")
    for firm in (v, w, u, t):
        rate(db, chain, firm, PERIOD, quality=80, delivery=70, price=60, service=100)
    admit(db, chain, v)
    admit(db, chain, w, except_keys=("emergency", "training"))
    admit(db, chain, u)
    admit(db, chain, t)
    for firm, score in ((rated["x"], 85), (rated["both"], 60), (w, 99)):
        snapshot(db, firm, BEFORE, score)
        rate(db, chain, firm, BEFORE, quality=70, delivery=75, price=80, service=85.5)
    close(db, BEFORE)
    close(db, PERIOD)
    return rated | {"v": v, "w": w, "u": u, "t": t}

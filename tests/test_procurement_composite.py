"""Composite maths on a small hand-computed chain, incomplete rows, veto, versions in force,
the trend, the admission gate, and a constant number of queries however many suppliers."""

from decimal import Decimal

import pytest
from sqlalchemy import event, select

from anlian.services import assessment, composite
from models import AdmissionCheck

from .procurement_fixtures import (  # noqa: F401
    PERIOD,
    admit,
    rate,
    rated_fixture,
    save_scheme,
    scheme_body,
    snapshot,
    today_fixture,
    with_weights,
)

SCHEME = {
    "criteria": [
        {"key": "safety", "weight_bp": 2000},
        {"key": "quality", "weight_bp": 4000},
        {"key": "delivery", "weight_bp": 2000},
        {"key": "price", "weight_bp": 1000},
        {"key": "service", "weight_bp": 1000},
    ],
    "bands": [
        {
            "min_score": 85,
            "label": "P",
            "color": "green",
            "order_action": "preferred",
            "settlement_adjustment_pct": 2,
        },
        {
            "min_score": 70,
            "label": "N",
            "color": "blue",
            "order_action": "normal",
            "settlement_adjustment_pct": 0,
        },
        {
            "min_score": 0,
            "label": "S",
            "color": "red",
            "order_action": "suspend_new_orders",
            "settlement_adjustment_pct": -5,
        },
    ],
}


def _standing(**kwargs):
    defaults = {
        "safety_score": 90,
        "veto": False,
        "admission_passed": True,
        "code_state": "clear",
        "ratings": {"quality": 80, "delivery": 70, "price": 60, "service": 100},
    }
    return composite.standing(SCHEME, **(defaults | kwargs))


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # 0.2·90 + 0.4·80 + 0.2·70 + 0.1·60 + 0.1·100 = 80
        ({}, (80.0, "N", "normal", 0, "clean")),
        (
            {
                "safety_score": 100,
                "ratings": {"quality": 100, "delivery": 100, "price": 100, "service": 100},
            },
            (100.0, "P", "preferred", 2, "clean"),
        ),
        (
            {"safety_score": 0, "ratings": {"quality": 0, "delivery": 0, "price": 0, "service": 0}},
            (0.0, "S", "suspend_new_orders", -5, "failing_band"),
        ),
        # the veto wins over a composite of 90
        (
            {
                "safety_score": 50,
                "veto": True,
                "ratings": {"quality": 100, "delivery": 100, "price": 100, "service": 100},
            },
            (90.0, "S", "suspend_new_orders", -5, "veto"),
        ),
        # exactly on a band edge: 85 is preferred (0.2·85 + 0.8·85)
        (
            {
                "safety_score": 85,
                "ratings": {"quality": 85, "delivery": 85, "price": 85, "service": 85},
            },
            (85.0, "P", "preferred", 2, "clean"),
        ),
        # failed admission: never preferred, no new orders, no bonus
        (
            {
                "safety_score": 100,
                "admission_passed": False,
                "ratings": {"quality": 100, "delivery": 100, "price": 100, "service": 100},
            },
            (100.0, "P", "suspend_new_orders", 0, "clean"),
        ),
        # a red code stops new orders too
        ({"code_state": "red"}, (80.0, "N", "suspend_new_orders", 0, "clean")),
    ],
)
def test_standing_table(kwargs, expected):
    row = _standing(**kwargs)
    got = (
        row["composite"],
        row["standing"],
        row["order_action"],
        row["settlement_adjustment_pct"],
        row["signal"],
    )
    assert got == expected


def test_missing_rating_is_incomplete_not_zero():
    row = _standing(ratings={"quality": 80, "price": 60, "service": 100})
    assert row["complete"] is False and row["composite"] is None
    assert row["standing"] is None and row["signal"] is None
    assert row["criteria"]["delivery"] is None
    assert _standing(safety_score=None)["complete"] is False


def test_composite_is_exact_in_decimals():
    criteria = [{"key": "safety", "weight_bp": 3333}, {"key": "quality", "weight_bp": 6667}]
    assert composite.composite(criteria, {"safety": 0.1, "quality": 0.2}) == Decimal("0.17")
    assert composite.safety_contribution(SCHEME["criteria"], 90) == 18.0


def test_chain_assessment_by_hand(db, rated, today):
    rows = assessment.assess_chain(db, rated["chain_a"], period=PERIOD)
    by_name = {r["uscc"]: r for r in rows}
    x, both, z = (by_name[rated[k].uscc] for k in ("x", "both", "z"))
    assert [r["uscc"] for r in rows] == [both["uscc"], x["uscc"], z["uscc"]]
    assert (x["composite"], x["rank"], x["standing"], x["order_action"]) == (
        80.0,
        2,
        "合格",
        "normal",
    )
    assert x["criteria"] == {
        "safety": 90.0,
        "quality": 80.0,
        "delivery": 70.0,
        "price": 60.0,
        "service": 100.0,
    }
    assert (
        both["composite"],
        both["veto"],
        both["standing"],
        both["order_action"],
        both["settlement_adjustment_pct"],
    ) == (90.0, True, "暂停", "suspend_new_orders", -5)
    assert (z["complete"], z["composite"], z["rank"], z["standing"]) == (False, None, None, None)
    assert z["criteria"]["delivery"] is None and z["criteria"]["safety"] == 88.5


def test_a_period_before_the_change_keeps_the_old_weights(db, rated, today):
    chain, x = rated["chain_a"], rated["x"]
    save_scheme(
        db,
        chain,
        effective_from=PERIOD,
        body=scheme_body(criteria=with_weights(safety=30, quality=30)),
    )
    snapshot(db, x, "2025-05", 90)
    rate(db, chain, x, "2025-05", quality=80, delivery=70, price=60, service=100)
    may = {r["uscc"]: r for r in assessment.assess_chain(db, chain, period="2025-05")}
    june = {r["uscc"]: r for r in assessment.assess_chain(db, chain, period=PERIOD)}
    assert may[x.uscc]["composite"] == 80.0 and may[x.uscc]["scheme_version"] == 1
    # 0.3·90 + 0.3·80 + 0.2·70 + 0.1·60 + 0.1·100 = 81
    assert june[x.uscc]["composite"] == 81.0 and june[x.uscc]["scheme_version"] == 2
    assert june[x.uscc]["previous_composite"] == 80.0 and june[x.uscc]["trend"] == 1.0


def test_failing_the_admission_gate_stops_new_orders(db, rated, today):
    chain, x = rated["chain_a"], rated["x"]
    check = db.execute(
        select(AdmissionCheck).filter_by(
            chain_id=chain.id, enterprise_id=x.id, condition_key="emergency"
        )
    ).scalar_one()
    check.met = False
    db.commit()
    row = next(r for r in assessment.assess_chain(db, chain, period=PERIOD) if r["uscc"] == x.uscc)
    assert row["admission_passed"] is False and row["admission_missing"] == ["emergency"]
    assert row["standing"] == "合格" and row["order_action"] == "suspend_new_orders"


def test_provisional_snapshot_for_an_unclosed_period(db, rated, today):
    snapshot(db, rated["x"], "2025-07", 70, kind="provisional")
    row = next(
        r
        for r in assessment.assess_chain(db, rated["chain_a"], period="2025-07")
        if r["uscc"] == rated["x"].uscc
    )
    assert row["safety_score"] == 70 and row["provisional"] is True


def _count_queries(db, run) -> int:
    statements = []
    engine = db.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_queries_do_not_grow_with_suppliers(db, make, rated, today):
    chain = rated["chain_a"]
    few = _count_queries(db, lambda: assessment.assess_chain(db, chain, period=PERIOD))
    for _ in range(12):
        firm = make.enterprise()
        make.membership(chain, firm)
        snapshot(db, firm, PERIOD, 75)
        rate(db, chain, firm, PERIOD, quality=70, delivery=70, price=70, service=70)
        admit(db, chain, firm)
    many = _count_queries(db, lambda: assessment.assess_chain(db, chain, period=PERIOD))
    assert many == few
    assert len(assessment.assess_chain(db, chain, period=PERIOD)) == 15

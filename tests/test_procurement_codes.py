"""The yellow/red code: the transition table, the period rule, and the month close that moves
codes (yellow, red ending the membership, clean runs, look-back, appeals, audit)."""

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from anlian.errors import Invalid
from anlian.scope import Scope
from anlian.services import appeals, assessment, codes
from anlian.services.month_close import STEPS
from models import Assessment, AuditEvent, CodeEvent, Membership, SupplierCode

from .procurement_fixtures import admit, rate, save_scheme, snapshot, today_fixture  # noqa: F401

ALL_EVENTS = ("fail", "fail_again", "clean_run", "appeal_upheld", "readmit")


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [
        ("clear", "fail", "yellow"),
        ("clear", "fail_again", "red"),
        ("yellow", "fail", "yellow"),
        ("yellow", "fail_again", "red"),
        ("yellow", "clean_run", "clear"),
        ("yellow", "appeal_upheld", "clear"),  # back to the state before (here: clear)
        ("red", "appeal_upheld", "clear"),
        ("red", "readmit", "clear"),
    ],
)
def test_allowed_transitions(state, event, expected):
    assert codes.next_state(state, event, previous="clear") == expected


def test_every_other_transition_is_refused():
    allowed = set(codes.TRANSITIONS)
    for state in ("clear", "yellow", "red"):
        for event in ALL_EVENTS:
            if (state, event) not in allowed:
                with pytest.raises(codes.IllegalTransition):
                    codes.next_state(state, event)


@pytest.mark.parametrize(
    ("state", "clean", "signal", "repeat", "expected"),
    [
        ("clear", 0, "failing_band", False, ("fail", 0)),
        ("clear", 0, "veto", True, ("fail_again", 0)),
        ("yellow", 2, "failing_band", True, ("fail_again", 0)),
        ("yellow", 0, "clean", False, (None, 1)),
        ("yellow", 2, "clean", False, ("clean_run", 0)),
        ("yellow", 1, None, False, (None, 1)),  # incomplete: neither failing nor clean
        ("clear", 0, "clean", False, (None, 0)),
        ("red", 0, "failing_band", True, (None, 0)),  # red is final until readmission
    ],
)
def test_period_rule(state, clean, signal, repeat, expected):
    assert codes.period_event(state, clean, signal, repeat=repeat, clear_after=3) == expected


@pytest.fixture
def coded(db, world):
    """Chain A with the default scheme from 2024-01; x admitted."""
    save_scheme(db, world["chain_a"], effective_from="2024-01")
    admit(db, world["chain_a"], world["x"])
    return world


def _month(db, world, month: str, *, good: bool = True, veto: bool = False):
    """x's inputs for a month: composite 80 (good) or 48 (failing band)."""
    chain, x = world["chain_a"], world["x"]
    snapshot(db, x, month, 90 if good else 40, veto=["death"] if veto else ())
    level = (
        {"quality": 80, "delivery": 70, "price": 60, "service": 100}
        if good
        else dict.fromkeys(("quality", "delivery", "price", "service"), 50)
    )
    rate(db, chain, x, month, **level)


def _close(db, month: str):
    summary = assessment.close_period(db, month=month)
    db.commit()
    return summary


def _events(db, world):
    query = (
        select(CodeEvent.period, CodeEvent.from_state, CodeEvent.to_state, CodeEvent.trigger)
        .where(CodeEvent.enterprise_id == world["x"].id)
        .order_by(CodeEvent.id)
    )
    return [tuple(row) for row in db.execute(query)]


def _code(db, world) -> SupplierCode:
    db.expire_all()
    return db.execute(
        select(SupplierCode).where(SupplierCode.enterprise_id == world["x"].id)
    ).scalar_one()


def test_close_is_a_month_close_step_after_the_scores():
    assert [s.__module__.rsplit(".", 1)[-1] for s in STEPS][:2] == ["scores", "assessment"]


def test_second_failure_within_the_look_back_is_red_and_ends_the_membership(db, coded):
    _month(db, coded, "2025-01", good=False)
    _month(db, coded, "2025-02")
    _month(db, coded, "2025-03", good=False)
    for month in ("2025-01", "2025-02", "2025-03"):
        _close(db, month)
    assert _events(db, coded) == [
        ("2025-01", "clear", "yellow", "failing_band"),
        ("2025-03", "yellow", "red", "failing_band"),
    ]
    code = _code(db, coded)
    assert (code.state, code.since_period) == ("red", "2025-03")
    membership = db.execute(
        select(Membership).where(Membership.enterprise_id == coded["x"].id)
    ).scalar_one()
    assert str(membership.left_on) == "2025-04-01"
    stored = db.execute(
        select(Assessment.period, Assessment.composite, Assessment.order_action).where(
            Assessment.enterprise_id == coded["x"].id
        )
    ).all()
    assert [tuple(a) for a in stored] == [
        ("2025-01", 48.0, "suspend_new_orders"),
        ("2025-02", 80.0, "normal"),
        ("2025-03", 48.0, "suspend_new_orders"),
    ]
    _month(db, coded, "2025-04")
    _close(db, "2025-04")  # no longer a supplier: not assessed
    assert (
        db.execute(
            select(Assessment).where(
                Assessment.period == "2025-04", Assessment.enterprise_id == coded["x"].id
            )
        ).first()
        is None
    )
    audited = db.execute(select(AuditEvent.action).where(AuditEvent.entity == "supplier_code"))
    assert list(audited.scalars()) == ["code_failing_band", "code_failing_band"]
    ended = db.execute(select(AuditEvent.action).where(AuditEvent.entity == "membership"))
    assert list(ended.scalars()) == ["end_red_code"]


def test_closing_a_month_again_moves_no_code_twice(db, coded):
    _month(db, coded, "2025-01", good=False)
    _close(db, "2025-01")
    _close(db, "2025-01")
    assert len(_events(db, coded)) == 1
    periods = db.execute(select(Assessment.period)).scalars().all()
    assert periods == ["2025-01", "2025-01"]  # x and `both`, replaced, not doubled


def test_a_clean_run_clears_yellow_and_a_veto_counts_as_failure(db, coded):
    _month(db, coded, "2025-01", veto=True)
    for month in ("2025-02", "2025-03", "2025-04"):
        _month(db, coded, month)
    for month in ("2025-01", "2025-02", "2025-03", "2025-04"):
        _close(db, month)
    assert _events(db, coded) == [
        ("2025-01", "clear", "yellow", "veto"),
        ("2025-04", "yellow", "clear", "clean_run"),
    ]


def test_a_failure_older_than_the_look_back_starts_over(db, coded):
    _month(db, coded, "2024-06", good=False)  # x joined on 2024-06-01
    _month(db, coded, "2025-07", good=False)  # 13 months later, no clean run in between
    _close(db, "2024-06")
    _close(db, "2025-07")
    assert _events(db, coded) == [
        ("2024-06", "clear", "yellow", "failing_band"),
        ("2025-07", "yellow", "yellow", "failing_band"),
    ]


def test_appeal_upheld_reverts_red_and_reopens_the_membership(db, coded):
    _month(db, coded, "2025-01", good=False)
    _month(db, coded, "2025-02", good=False)
    _close(db, "2025-01")
    _close(db, "2025-02")
    red = db.execute(select(CodeEvent).where(CodeEvent.to_state == "red")).scalar_one()
    sme = Scope.for_user(coded["sme_x_user"])
    with pytest.raises(Invalid):
        codes.submit_appeal(db, sme, code_event_id=red.id, reason="too short")
    appeal = codes.submit_appeal(
        db, sme, code_event_id=red.id, reason="二月的事故是外包人员在厂外发生的，不应计入。"
    )
    db.commit()
    with pytest.raises(Invalid):  # one appeal per code
        codes.submit_appeal(db, sme, code_event_id=red.id, reason="再次申诉，请重新审核。")
    with pytest.raises(NotFound):  # another firm cannot appeal it
        codes.submit_appeal(
            db,
            Scope.for_user(coded["sme_y_user"]),
            code_event_id=red.id,
            reason="不是我的红码，但我想申诉。",
        )
    with pytest.raises(NotFound):  # chain B never sees chain A's appeals
        appeals.decide(
            db,
            Scope.for_user(coded["chain_b_user"]),
            appeal_id=appeal.id,
            decision="upheld",
            note="x",
        )
    appeals.decide(
        db,
        Scope.for_user(coded["chain_a_user"]),
        appeal_id=appeal.id,
        decision="upheld",
        note="核实属实，撤销红码。",
    )
    db.commit()
    code = _code(db, coded)
    assert (code.state, code.since_period) == ("yellow", "2025-01")
    assert _events(db, coded)[-1] == ("2025-02", "red", "yellow", "appeal_upheld")
    membership = db.execute(
        select(Membership).where(Membership.enterprise_id == coded["x"].id)
    ).scalar_one()
    assert membership.left_on is None
    with pytest.raises(Invalid):  # decided once
        appeals.decide(
            db,
            Scope.for_user(coded["chain_a_user"]),
            appeal_id=appeal.id,
            decision="rejected",
            note="改判",
        )


def test_an_upheld_failure_no_longer_counts(db, coded):
    _month(db, coded, "2025-01", good=False)
    _close(db, "2025-01")
    yellow = db.execute(select(CodeEvent)).scalar_one()
    appeal = codes.submit_appeal(
        db,
        Scope.for_user(coded["sme_x_user"]),
        code_event_id=yellow.id,
        reason="评分数据录入错误，请核实。",
    )
    appeals.decide(
        db,
        Scope.for_user(coded["chain_a_user"]),
        appeal_id=appeal.id,
        decision="upheld",
        note="录入错误，已更正。",
    )
    db.commit()
    assert _code(db, coded).state == "clear"
    _month(db, coded, "2025-02", good=False)
    _close(db, "2025-02")
    assert _events(db, coded)[-1] == ("2025-02", "clear", "yellow", "failing_band")


def test_readmitting_a_red_supplier_starts_clear(client, db, coded, token_for, today):
    _month(db, coded, "2025-01", good=False)
    _month(db, coded, "2025-02", good=False)
    _close(db, "2025-01")
    _close(db, "2025-02")
    response = client.post(
        f"/api/v1/chains/{coded['chain_a'].id}/suppliers",
        json={"uscc": coded["x"].uscc, "joined_on": "2025-07-01"},
        headers=token_for(coded["chain_a_user"]),
    )
    assert response.status_code == 201, response.json
    assert _code(db, coded).state == "clear"
    assert _events(db, coded)[-1] == ("2025-07", "red", "clear", "manual")

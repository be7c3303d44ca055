"""The demo data generator: deterministic, the right shape, raw records only, demo users."""

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel
from werkzeug.security import check_password_hash

import models
from anlian.db import make_engine
from anlian.demo import PASSWORDS, DemoError, generate
from anlian.demo.timeline import default_end_month
from models import Accident, Chain, Enterprise, Hazard, Inspection, Membership, User, WorkHours
from models.base import month_of
from models.uscc import is_valid_uscc

END = "2026-10"
FIRST_DAY, LAST_DAY = date(2023, 11, 1), date(2026, 10, 31)
DATED = ((Accident, "occurred_on"), (Inspection, "inspected_on"), (Hazard, "found_on"))


def _session(path) -> Session:
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    return Session(engine)


def _load(path, **kwargs):
    session = _session(path)
    summary = generate(session, **{"scale": "small", "end_month": END, **kwargs})
    session.commit()
    return session, summary


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One small data set (seed 7) shared by the read-only tests."""
    session, summary = _load(tmp_path_factory.mktemp("demo") / "d.db", seed=7)
    yield session, summary
    session.close()
    session.get_bind().dispose()


def _digests(session) -> dict:
    """A checksum per table of every row (password hashes are salted, so left out)."""
    out = {}
    for table in SQLModel.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name != "password_hash"]
        rows = session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        out[table.name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return out


def _all(session, *columns):
    return session.execute(select(*columns)).all()


def test_same_arguments_same_rows_other_seed_other_rows(demo, tmp_path):
    session, summary = demo
    calls = []
    again, again_summary = _load(tmp_path / "again.db", seed=7, progress=lambda *a: calls.append(a))
    other, _ = _load(tmp_path / "other.db", seed=8)
    try:
        first = _digests(session)
        assert _digests(again) == first
        assert again_summary.counts == summary.counts
        changed = {t for t, d in _digests(other).items() if d != first[t]}
        assert {"enterprise", "membership", "work_hours", "accident", "hazard"} <= changed
    finally:
        for s in (again, other):
            s.close()
            s.get_bind().dispose()
    # progress: one fixed total, `done` only grows and reaches it
    assert len({total for _, _, total in calls}) == 1 and calls[-1][1] == calls[-1][2]
    assert [done for _, done, _ in calls] == sorted(done for _, done, _ in calls)


def test_summary_matches_the_tables(demo):
    session, summary = demo
    for model in (Enterprise, Chain, Membership, WorkHours, Accident, Inspection, Hazard, User):
        table = model.__tablename__
        assert session.scalar(select(func.count()).select_from(model)) == summary.counts[table]
    assert (summary.seed, summary.scale, summary.end_month) == (7, "small", END)
    assert summary.first_month == "2023-11"


def test_small_shape(demo):
    session, s = demo
    assert 250 <= s.counts["enterprise"] <= 400
    assert s.counts["chain"] == 4
    suppliers = {e for (e,) in _all(session, Membership.enterprise_id)}
    leaders = {e for (e,) in _all(session, Chain.leader_id)}
    assert 140 <= len(suppliers) <= 160 and not suppliers & leaders
    never_linked = s.counts["enterprise"] - len(suppliers) - len(leaders)
    assert never_linked >= 100
    assert s.counts["work_hours"] > 0.9 * 36 * s.counts["enterprise"]
    assert min(s.counts[t] for t in ("accident", "inspection", "hazard")) > 100
    usccs = [u for (u,) in _all(session, Enterprise.uscc)]
    assert all(map(is_valid_uscc, usccs)) and len(set(usccs)) == len(usccs)
    assert len({t for (t,) in _all(session, Enterprise.town)}) >= 15
    assert len({i for (i,) in _all(session, Enterprise.industry)}) >= 8
    assert session.scalar(select(func.count()).select_from(models.ScoreSnapshot)) == 0


def test_join_dates_are_staggered_inside_the_36_months(demo):
    session, _ = demo
    rows = session.execute(
        select(Membership.joined_on, Membership.left_on, Chain.joined_on).join(Chain)
    ).all()
    assert all(FIRST_DAY <= joined <= LAST_DAY and joined >= chain for joined, _, chain in rows)
    assert all(left is None or joined <= left <= LAST_DAY for joined, left, _ in rows)
    assert any(left is not None for _, left, _ in rows)
    months = {month_of(joined) for joined, _, _ in rows}
    assert len(months) >= 12
    middle = sum("2024-11" <= month_of(j) <= "2025-10" for j, _, _ in rows)
    assert middle > len(rows) / 2  # most join in the middle year: both windows fit


def test_records_stay_inside_the_months_and_match_their_month(demo):
    session, _ = demo
    hour_months = {m for (m,) in _all(session, WorkHours.month)}
    assert len(hour_months) == 36 and max(hour_months) == END
    for model, field in DATED:
        for day, month in _all(session, getattr(model, field), model.month):
            assert FIRST_DAY <= day <= LAST_DAY and month == month_of(day)
    for found, deadline, fixed in _all(
        session, Hazard.found_on, Hazard.deadline, Hazard.rectified_on
    ):
        assert deadline >= found and (fixed is None or found <= fixed <= LAST_DAY)


def test_records_look_real(demo):
    session, _ = demo
    assert session.scalar(select(func.count()).where(WorkHours.hours == 0)) > 0
    per_firm = select(func.count()).select_from(WorkHours).group_by(WorkHours.enterprise_id)
    assert min(n for (n,) in session.execute(per_firm)) < 36  # some months unreported
    for severity, injured, deaths in _all(
        session, Accident.severity, Accident.injured, Accident.deaths
    ):
        assert (deaths >= 1) == (severity == "fatal") and injured + deaths >= 1
    for outcome, penalty in _all(session, Inspection.outcome, Inspection.penalty_cny):
        assert penalty == 0 or outcome in ("fine", "suspension", "referral")
        assert outcome != "fine" or 5_000 <= penalty <= 200_000
    sources = dict(
        session.execute(select(Hazard.source, func.count()).group_by(Hazard.source)).all()
    )
    assert set(sources) == {"self_check", "inspection", "steward", "chain_audit"}
    open_overdue = select(func.count()).where(
        Hazard.rectified_on.is_(None), Hazard.deadline < LAST_DAY
    )
    assert session.scalar(open_overdue) > 0


def test_demo_users(demo):
    session, summary = demo
    users = {u.username: u for u in session.scalars(select(User))}
    assert {u: users[u].role for u in users} == {"bureau": "bureau", "chain": "chain", "sme": "sme"}
    for user in users.values():
        assert user.password_hash.startswith("scrypt:")
        assert check_password_hash(user.password_hash, PASSWORDS[user.role])
    assert {u["username"]: u["password"] for u in summary.users} == PASSWORDS
    first_chain = session.scalar(select(func.min(Chain.id)))
    assert users["chain"].chain_id == first_chain
    assert users["bureau"].chain_id is None and users["bureau"].enterprise_id is None
    sme = users["sme"].enterprise_id
    active = select(Membership).where(
        Membership.enterprise_id == sme,
        Membership.chain_id == first_chain,
        Membership.left_on.is_(None),
    )
    assert session.scalars(active).first() is not None


def test_sme_user_has_something_to_act_on(demo):
    session, _ = demo
    sme = session.scalar(select(User.enterprise_id).where(User.username == "sme"))
    hazards = session.execute(
        select(Hazard.level, Hazard.deadline).where(
            Hazard.enterprise_id == sme, Hazard.rectified_on.is_(None)
        )
    ).all()
    assert any(deadline > LAST_DAY for _, deadline in hazards)
    assert any(level == "general" and deadline < LAST_DAY for level, deadline in hazards)
    recent_deaths = select(func.count()).where(
        Accident.enterprise_id == sme,
        Accident.deaths > 0,
        Accident.occurred_on > date(2025, 10, 31),
    )
    assert session.scalar(recent_deaths) == 0


def test_refuses_a_database_that_is_not_empty(demo):
    session, summary = demo
    with pytest.raises(DemoError, match="not empty"):
        generate(session, scale="small", end_month=END)
    assert (
        session.scalar(select(func.count()).select_from(Enterprise)) == summary.counts["enterprise"]
    )


def test_refuses_bad_arguments(tmp_path):
    session = _session(tmp_path / "bad.db")
    try:
        with pytest.raises(DemoError, match="scale"):
            generate(session, scale="huge")
        with pytest.raises(DemoError, match="YYYY-MM"):
            generate(session, end_month="2026-13")
    finally:
        session.close()
        session.get_bind().dispose()


def test_default_end_month_is_the_last_closed_month():
    assert default_end_month(date(2026, 1, 15)) == "2025-12"
    assert default_end_month(date(2026, 11, 1)) == "2026-10"


def _windows(session):
    """Per included supplier: (join month index, month index → (cases, hours))."""
    months = sorted({m for (m,) in _all(session, WorkHours.month)})
    index = {m: i for i, m in enumerate(months)}
    first = session.execute(
        select(Membership.enterprise_id, func.min(Membership.joined_on)).group_by(
            Membership.enterprise_id
        )
    ).all()
    joins = {e: index[month_of(d)] for e, d in first}
    hours, cases = {}, {}
    for e, m, h in _all(session, WorkHours.enterprise_id, WorkHours.month, WorkHours.hours):
        hours[e, index[m]] = h
    for e, m, n in _all(
        session, Accident.enterprise_id, Accident.month, Accident.injured + Accident.deaths
    ):
        cases[e, index[m]] = cases.get((e, index[m]), 0) + n
    return joins, hours, cases


def test_joining_lowers_the_accident_rate_in_the_raw_records(demo):
    session, _ = demo
    joins, hours, cases = _windows(session)
    totals = {"before": [0, 0.0], "after": [0, 0.0]}
    included = 0
    for e, j in joins.items():
        if j < 12 or j + 12 > 36:
            continue
        included += 1
        for window, months in (("before", range(j - 12, j)), ("after", range(j, j + 12))):
            totals[window][0] += sum(cases.get((e, t), 0) for t in months)
            totals[window][1] += sum(hours.get((e, t), 0.0) for t in months)
    rate = {w: c * 1e6 / h for w, (c, h) in totals.items()}
    assert included >= 60
    assert rate["after"] < rate["before"]

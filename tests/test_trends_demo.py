"""On the small demo, the effect the API (and the dashboard) shows equals an independent
recomputation in plain Python from the raw record tables, not from the rollup."""

import math
from collections import defaultdict

import pytest
from sqlalchemy import select

from anlian import months
from anlian.demo import generate
from anlian.services import rollup
from models import Accident, Chain, Inspection, Membership, WorkHours

END = "2025-12"
WINDOW = 12


@pytest.fixture
def demo(db):
    generate(db, seed=11, scale="small", end_month=END)
    rollup.rebuild_all(db)
    db.commit()
    return db


def _raw(db) -> dict:
    """Per (enterprise, month index): hours, cases, enforcement cases, penalty, active."""
    cells = defaultdict(lambda: defaultdict(float))
    for e, m, h in db.execute(select(WorkHours.enterprise_id, WorkHours.month, WorkHours.hours)):
        cells[(e, months.index(m))]["hours"] += h
        cells[(e, months.index(m))]["active"] = float(cells[(e, months.index(m))]["hours"] > 0)
    for a in db.execute(select(Accident)).scalars():
        cells[(a.enterprise_id, months.index(a.month))]["cases"] += a.injured + a.deaths
    for i in db.execute(select(Inspection)).scalars():
        cell = cells[(i.enterprise_id, months.index(i.month))]
        cell["enforced"] += i.outcome in ("warning", "fine", "suspension", "referral")
        cell["penalty"] += float(i.penalty_cny)
    return cells


def _joins(db, chain_id) -> dict:
    first = {}
    for m in db.execute(select(Membership)).scalars():
        if chain_id is None or m.chain_id == chain_id:
            j = m.joined_on.year * 12 + m.joined_on.month - 1
            first[m.enterprise_id] = min(j, first.get(m.enterprise_id, j))
    return first


def recompute(db, chain_id=None) -> dict:
    """The effect of API.md computed the long way."""
    cells = _raw(db)
    with_hours = [k[1] for k, c in cells.items() if c["hours"] > 0]
    lo, hi = min(with_hours), max(with_hours)
    joins = {e: j for e, j in _joins(db, chain_id).items() if j - WINDOW >= lo}
    joins = {e: j for e, j in joins.items() if j + WINDOW - 1 <= hi}
    linked = {m.enterprise_id for m in db.execute(select(Membership)).scalars()}
    leaders = set(db.execute(select(Chain.leader_id)).scalars())
    control = {e for (e, _m) in cells if e not in linked and e not in leaders}
    treated = {side: defaultdict(float) for side in ("before", "after")}
    weights = {side: defaultdict(int) for side in ("before", "after")}
    for e, j in joins.items():
        for k in range(-WINDOW, WINDOW):
            side = "before" if k < 0 else "after"
            weights[side][j + k] += 1
            for name, value in cells.get((e, j + k), {}).items():
                treated[side][name] += value
    compared = {side: defaultdict(float) for side in ("before", "after")}
    for (e, m), cell in cells.items():
        for side in ("before", "after"):
            if e in control and weights[side][m]:
                for name, value in cell.items():
                    compared[side][name] += weights[side][m] * value
    return {"n": len(joins), "treated": treated, "control": compared, "control_ids": control}


def _rate(side: dict, count: str, exposure: str, per: float) -> float:
    return side[count] * per / side[exposure]


def _check(body: dict, expected: dict) -> None:
    t, c = expected["treated"], expected["control"]
    assert body["n_enterprises"] == expected["n"] and expected["n"] > 0
    for metric, count, exposure, per in (
        ("injury_rate", "cases", "hours", 1e6),
        ("enforcement_rate", "enforced", "active", 100),
        ("penalty_per_enterprise", "penalty", "active", 1),
    ):
        before, after = (_rate(t[s], count, exposure, per) for s in ("before", "after"))
        assert body[metric]["before"] == pytest.approx(before, rel=1e-9)
        assert body[metric]["after"] == pytest.approx(after, rel=1e-9)
        assert body[metric]["change_pct"] == pytest.approx((after / before - 1) * 100, rel=1e-9)
        c_ratio = _rate(c["after"], count, exposure, per) / _rate(c["before"], count, exposure, per)
        did = (after / before / c_ratio - 1) * 100
        assert body["did"][metric]["change_pct"] == pytest.approx(did, rel=1e-9)
    rr = (t["after"]["cases"] / t["after"]["hours"]) / (t["before"]["cases"] / t["before"]["hours"])
    se = math.sqrt(1 / t["before"]["cases"] + 1 / t["after"]["cases"])
    low = (math.exp(math.log(rr) - 1.96 * se) - 1) * 100
    assert body["injury_rate"]["ci95"][0] == pytest.approx(low, rel=1e-9)


def test_all_chains_effect_matches_the_raw_records(demo, client, make, token_for):
    headers = token_for(make.user("bureau"))
    body = client.get(f"/api/v1/trends/effect?window={WINDOW}", headers=headers).json
    expected = recompute(demo)
    _check(body, expected)
    assert body["n_control"] == len(expected["control_ids"])


def test_one_chain_effect_matches_the_raw_records(demo, client, make, token_for):
    chain_id = demo.execute(select(Chain.id).order_by(Chain.id)).scalars().first()
    headers = token_for(make.user("bureau"))
    body = client.get(f"/api/v1/trends/effect?chain={chain_id}&window={WINDOW}", headers=headers)
    _check(body.json, recompute(demo, chain_id))


def test_the_dashboard_shows_the_same_effect(demo, client, make, login):
    login(make.user("bureau"))
    client.get("/lang/en")
    page = client.get(f"/bureau/trends?window={WINDOW}").get_data(as_text=True)
    expected = recompute(demo)["treated"]
    change = (
        _rate(expected["after"], "cases", "hours", 1e6)
        / _rate(expected["before"], "cases", "hours", 1e6)
        - 1
    ) * 100
    assert f"{change:+.1f}%" in page

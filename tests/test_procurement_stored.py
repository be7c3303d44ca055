"""A closed period served from the rows its close stored: the same rows, order, pages and
totals as the live computation right after the close, for every filter and sort; what the
close applied stays put afterwards; the running period stays live; a fixed number of
queries."""

import csv
import io
import itertools
import json

import pytest
from sqlalchemy import event, select, update

from anlian.api.assessment import RowSchema
from anlian.services import assessment, assessment_stored
from anlian.services.assessment_table import SORTS, RowFilters
from models import AdmissionCheck, Assessment, Rating, SupplierCode

from .procurement_fixtures import (  # noqa: F401
    BEFORE,
    PERIOD,
    close,
    closed_fixture,
    rate,
    rated_fixture,
    save_scheme,
    snapshot,
    today_fixture,
)

FIELDS = (*RowSchema().fields, "period")


def _shown(rows: list[dict]) -> list[dict]:
    return [{k: r[k] for k in FIELDS} for r in rows]


def _both(db, chain, **kwargs):
    stored = assessment.table(db, chain, period=PERIOD, **kwargs)
    live = assessment.table(db, chain, period=PERIOD, live=True, **kwargs)
    assert stored.stored and not live.stored
    return stored, live


def _exactly(value) -> str:
    """JSON text: tells 1 from True and 2 from 2.0, which == does not."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _same(db, chain, **kwargs):
    stored, live = _both(db, chain, **kwargs)
    assert _shown(stored.rows) == _shown(live.rows), kwargs
    assert _exactly(_shown(stored.rows)) == _exactly(_shown(live.rows)), kwargs
    assert stored.total == live.total, kwargs
    assert (stored.scheme_version, stored.criteria) == (live.scheme_version, live.criteria)
    return stored


def test_stored_rows_equal_the_live_ones_right_after_the_close(db, closed, today):
    chain = closed["chain_a"]
    everything = _same(db, chain)
    assert everything.total == 7 and len({r["uscc"] for r in everything.rows}) == 7
    by_uscc = {r["uscc"]: r for r in everything.rows}
    x, both, w, u, t = (by_uscc[closed[k].uscc] for k in ("x", "both", "w", "u", "t"))
    # every kind of row the fixture promises, so the comparison means something
    assert (x["previous_composite"], x["trend"]) == (76.55, 3.45)  # 17 + 28 + 15 + 8 + 8.55
    assert both["veto"] and both["veto_rules"] == ["death"] and both["code"] == "yellow"
    assert w["admission_missing"] == ["emergency", "training"] and w["tier"] == 2
    assert w["order_action"] == "suspend_new_orders" and w["trend"] is not None
    assert u["provisional"] and u["grade"] == "B"
    assert not t["complete"] and t["rank"] is None and t["safety_score"] is None
    assert [r["rank"] for r in everything.rows] == [1, 2, 3, 4, 5, None, None]
    assert set(w["criteria"]) == {"safety", "quality", "delivery", "price", "service"}


FILTERS = [
    {},
    {"grade": "A"},
    {"grade": "D"},
    {"standing": "suspend_new_orders"},
    {"standing": "normal"},
    {"tier": 2},
    {"industry": "food"},
    {"town": "陈埭镇"},
    {"code": "yellow"},
    {"code": "clear"},
    {"complete": True},
    {"complete": False},
    {"q": "ab"},  # case-sensitive: not 同分企业Ab
    {"q": "企业"},
    {"q": "  "},
]


@pytest.mark.parametrize("filters", FILTERS)
def test_every_filter_sort_and_order(db, closed, today, filters):
    chain = closed["chain_a"]
    for sort, order in itertools.product(SORTS, (None, True, False)):
        kwargs = {"filters": RowFilters(**filters), "sort": sort, "descending": order}
        _same(db, chain, **kwargs)  # every row: one pass
        _same(db, chain, page_number=2, per_page=2, **kwargs)  # a small page: two steps
        _same(db, chain, per_page=assessment_stored.FEW + 1, **kwargs)  # a large page


def test_uscc_prefix_search_and_pages(db, closed, today):
    chain = closed["chain_a"]
    prefix = closed["w"].uscc[:12].lower()
    found = _same(db, chain, filters=RowFilters(q=prefix))
    assert closed["w"].uscc in {r["uscc"] for r in found.rows}
    for sort, number in itertools.product(("rank", "trend", "name"), range(1, 6)):
        _same(db, chain, sort=sort, page_number=number, per_page=2)
    past = _same(db, chain, page_number=9, per_page=3)
    assert past.rows == [] and past.total == 7


def test_an_sme_gets_its_own_row_unranked(db, closed, today):
    chain = closed["chain_a"]
    for key in ("x", "w", "t", "outsider"):
        _same(db, chain, enterprise_id=closed[key].id)
    own = _same(db, chain, enterprise_id=closed["x"].id)
    assert [r["rank"] for r in own.rows] == [None] and own.total == 1


def test_what_the_close_applied_stays_put(db, closed, today):
    chain, x, w = closed["chain_a"], closed["x"], closed["w"]
    db.execute(
        update(Rating).where(Rating.enterprise_id == x.id, Rating.period == PERIOD).values(score=10)
    )
    db.execute(update(AdmissionCheck).where(AdmissionCheck.enterprise_id == w.id).values(met=True))
    db.commit()
    stored, live = _both(db, chain)
    shown = {r["uscc"]: r for r in stored.rows}
    now = {r["uscc"]: r for r in live.rows}
    assert shown[x.uscc]["composite"] == 80.0 and now[x.uscc]["composite"] == 26.0
    assert shown[w.uscc]["admission_missing"] == ["emergency", "training"]
    assert shown[w.uscc]["order_action"] == "suspend_new_orders"
    assert now[w.uscc]["admission_missing"] == [] and now[w.uscc]["order_action"] == "normal"


def test_rows_closed_before_rank_and_gaps_were_kept(db, closed, today):
    """Rows stored without the rank and the admission gaps (closed by an older version):
    ranks numbered over the stored rows, gaps as the checks stand now."""
    chain = closed["chain_a"]
    extra = (assessment_stored.RANK, assessment_stored.ADMISSION_MISSING)
    for row in db.execute(select(Assessment).where(Assessment.period == PERIOD)).scalars():
        row.criteria = {k: v for k, v in row.criteria.items() if k not in extra}
    db.commit()
    _same(db, chain)
    for sort in ("rank", "trend"):
        for number in (1, 2, 3):
            _same(db, chain, sort=sort, page_number=number, per_page=3)
    _same(db, chain, filters=RowFilters(complete=True), sort="name")
    shown = assessment.table(db, chain, period=PERIOD, filters=RowFilters(tier=2)).rows
    assert shown[0]["admission_missing"] == ["emergency", "training"]
    assert shown[0]["rank"] is not None


def test_the_running_period_and_unstored_ones_stay_live(db, closed, today):
    chain, x = closed["chain_a"], closed["x"]
    snapshot(db, x, "2025-07", 70, kind="provisional")
    assert not assessment.table(db, chain, period="2025-07").stored  # running
    assert not assessment.table(db, closed["chain_b"], period=PERIOD).stored  # no rows
    rate(db, chain, x, "2025-04", quality=50, delivery=50, price=50, service=50)
    snapshot(db, x, "2025-04", 50)
    close(db, "2025-04")
    # closed, but the period before was never closed: its trend needs the live computation
    assert assessment_stored.servable(db, chain.id, "2025-04") is None
    db.execute(update(SupplierCode).values(state="red"))
    db.commit()
    red = _same(db, chain, filters=RowFilters(code="red"))
    assert red.total == 1  # `code` is the current one, as in the live ranking


def test_no_scheme_the_period_before_needs_no_stored_rows(db, make, world, today):
    chain = world["chain_a"]
    save_scheme(db, chain, effective_from=PERIOD)
    snapshot(db, world["x"], PERIOD, 90)
    rate(db, chain, world["x"], PERIOD, quality=80, delivery=70, price=60, service=100)
    close(db, PERIOD)
    found = _same(db, chain)
    assert [r["previous_composite"] for r in found.rows] == [None, None]


def _count_queries(db, run) -> int:
    statements = []
    engine = db.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len([s for s in statements if s != "BEGIN"])  # SQLite's own transaction start


def test_two_queries_whatever_the_filters(db, closed, today):
    chain = closed["chain_a"]
    for kwargs in ({}, {"filters": RowFilters(q="企业"), "sort": "trend", "per_page": 2}):
        count = _count_queries(db, lambda k=kwargs: assessment.table(db, chain, period=PERIOD, **k))
        assert count == 2, kwargs


def _url(chain, tail: str) -> str:
    return f"/api/v1/chains/{chain.id}/{tail}"


@pytest.mark.parametrize(
    "query",
    ["", "&sort=trend&per_page=3&page=2", "&sort=name&order=desc", "&code=yellow&grade=D"],
)
def test_api_serves_the_same_json_as_the_live_computation(
    client, monkeypatch, closed, token_for, today, query
):
    url = _url(closed["chain_a"], f"assessment?period={PERIOD}{query}")
    headers = token_for(closed["chain_a_user"])
    stored = client.get(url, headers=headers)
    sme = client.get(url, headers=token_for(closed["sme_x_user"]))
    export = client.get(
        _url(closed["chain_a"], f"assessment/export?period={PERIOD}"), headers=headers
    )
    monkeypatch.setattr(assessment_stored, "servable", lambda *args: None)
    live = client.get(url, headers=headers)
    assert stored.status_code == live.status_code == 200
    assert stored.json == live.json and stored.json["items"]
    assert _exactly(stored.json) == _exactly(live.json)
    assert sme.json == client.get(url, headers=token_for(closed["sme_x_user"])).json
    again = client.get(
        _url(closed["chain_a"], f"assessment/export?period={PERIOD}"), headers=headers
    )
    assert export.data == again.data
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 7 and rows[0]["period"] == PERIOD

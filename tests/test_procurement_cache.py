"""A closed period's ranking is shown from one place: the chain's pages, its export and the
API agree, and the API's cached response (assessment_cache) follows every write that
changes it at once, behind the same scope checks."""

import re

import pytest
from sqlalchemy import delete

from anlian.scope import Scope
from anlian.services import assessment_cache, assessment_stored, codes
from models import MonthClose

from .procurement_fixtures import (  # noqa: F401
    PERIOD,
    close,
    closed_fixture,
    rated_fixture,
    scheme_body,
    today_fixture,
)

RUNNING = "2025-07"  # the month TODAY falls in


def _url(chain, tail: str) -> str:
    return f"/api/v1/chains/{chain.id}/{tail}"


@pytest.fixture
def computed(monkeypatch):
    """How many times the stored ranking was read from the database (not the cache)."""
    calls = []
    original = assessment_stored.table

    def counting(*args, **kwargs):
        calls.append(kwargs.get("period"))
        return original(*args, **kwargs)

    monkeypatch.setattr(assessment_stored, "table", counting)
    return calls


def _rows(client, closed, headers, query: str = "") -> dict:
    url = _url(closed["chain_a"], f"assessment?period={PERIOD}&per_page=5000{query}")
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.json
    return {r["uscc"]: r for r in response.json["items"]}


def test_a_write_is_visible_at_the_next_request(client, db, closed, token_for, today, computed):
    chain, x, both, w = closed["chain_a"], closed["x"], closed["both"], closed["w"]
    headers = token_for(closed["chain_a_user"])
    first = _rows(client, closed, headers)
    assert _rows(client, closed, headers) == first and len(computed) == 1  # the cached copy
    assert first[x.uscc]["composite"] == 80.0 and first[w.uscc]["tier"] == 2

    # A rating changed after the close: the period still shows what its close applied ...
    body = {"period": PERIOD, "ratings": [{"uscc": x.uscc, "criterion": "quality", "score": 10}]}
    saved = client.post(_url(chain, "ratings"), json=body, headers=headers)
    assert saved.status_code == 200, saved.json
    assert _rows(client, closed, headers)[x.uscc]["composite"] == 80.0
    assert len(computed) == 2  # recomputed all the same: the stamp moved
    # ... until the month is closed again, and then at once.
    db.execute(delete(MonthClose).where(MonthClose.month == PERIOD))
    close(db, PERIOD)
    assert _rows(client, closed, headers)[x.uscc]["composite"] == 52.0

    # A tier change, a code transition (an upheld appeal) and an end of membership.
    changed = client.patch(_url(chain, f"suppliers/{w.uscc}"), json={"tier": 3}, headers=headers)
    assert changed.status_code == 200, changed.json
    assert _rows(client, closed, headers)[w.uscc]["tier"] == 3
    code = codes.current_codes(db, [chain.id], [both.id])[(chain.id, both.id)]
    assert first[both.uscc]["code"] == code.state == "yellow"
    codes.transition(
        db,
        Scope.system(),
        chain.id,
        both.id,
        "appeal_upheld",
        period=PERIOD,
        trigger="appeal_upheld",
        code=code,
        previous="clear",
    )
    db.commit()
    assert _rows(client, closed, headers)[both.uscc]["code"] == "clear"
    assert both.uscc not in _rows(client, closed, headers, "&code=yellow")

    # A new scheme version takes effect in the running month, which is never cached.
    running = _url(chain, f"assessment?period={RUNNING}")
    before = client.get(running, headers=headers).json["scheme_version"]
    scheme = client.put(
        _url(chain, "scheme"), json=scheme_body(effective_from=RUNNING), headers=headers
    )
    assert scheme.status_code == 200, scheme.json
    assert client.get(running, headers=headers).json["scheme_version"] == before + 1
    calls = len(computed)
    _rows(client, closed, headers)
    assert len(computed) == calls + 1  # the scheme's audit moved the stamp
    _rows(client, closed, headers)
    assert len(computed) == calls + 1


def test_the_scope_is_checked_before_the_cache(client, closed, token_for, today, computed):
    chain = closed["chain_a"]
    url = _url(chain, f"assessment?period={PERIOD}&per_page=5000")
    whole = client.get(url, headers=token_for(closed["chain_a_user"]))
    assert whole.status_code == 200 and whole.json["total"] == 7
    # The bureau sees the same ranking; the SME only its own row, though the whole one is
    # cached; another chain nothing.
    assert client.get(url, headers=token_for(closed["bureau_user"])).data == whole.data
    for _ in range(2):
        own = client.get(url, headers=token_for(closed["sme_x_user"]))
        assert own.status_code == 200 and own.json["total"] == 1
        assert [r["uscc"] for r in own.json["items"]] == [closed["x"].uscc]
        assert own.json["items"][0]["rank"] is None
        other = client.get(url, headers=token_for(closed["chain_b_user"]))
        assert other.status_code == 404 and "items" not in other.json
    assert len(computed) == 2  # the whole chain once, the SME's row once


def test_entries_are_bounded_and_expire(monkeypatch):
    store = assessment_cache._Store(budget=100)
    store.put("a", b"x" * 20, 20)
    store.put("b", b"y" * 20, 20)
    store.put("huge", b"z" * 30, 30)  # more than a quarter of the budget: not kept
    assert store.get("a") == b"x" * 20 and store.get("huge") is None
    for key in "cdef":
        store.put(key, b"w" * 20, 20)
    assert store.used <= 100 and store.get("b") is None  # the least recently used went first
    assert store.get("a") is not None
    monkeypatch.setattr(assessment_cache, "TTL_SECONDS", -1.0)
    assert store.get("a") is None and "a" not in store.items


def _page_usccs(html: str) -> list[str]:
    return re.findall(r'<span class="mono small">([0-9A-Z]{18})</span>', html)


@pytest.mark.parametrize("query", ["", "&sort=trend", "&sort=name&order=desc", "&grade=A"])
def test_the_page_and_the_export_agree_with_the_api(
    client, login, db, closed, token_for, today, query
):
    chain, x = closed["chain_a"], closed["x"]
    headers = token_for(closed["chain_a_user"])
    # A rating changed since the close: every view shows what the close applied.
    body = {"period": PERIOD, "ratings": [{"uscc": x.uscc, "criterion": "quality", "score": 10}]}
    assert client.post(_url(chain, "ratings"), json=body, headers=headers).status_code == 200
    api = client.get(_url(chain, f"assessment?period={PERIOD}{query}"), headers=headers).json
    login(closed["chain_a_user"])
    client.get("/lang/en")
    page = client.get(f"/chain/?period={PERIOD}{query}").get_data(as_text=True)
    assert _page_usccs(page) == [r["uscc"] for r in api["items"]] != []
    assert f"{api['total']} of 7 suppliers" in page
    for row in api["items"]:
        if row["complete"]:
            assert f"<b>{row['composite']:.2f}</b>" in page
    if not query:
        assert "<b>80.00</b>" in page and "<b>52.00</b>" not in page
    for fmt in ("csv", "xlsx"):
        mine = client.get(f"/chain/export?period={PERIOD}&format={fmt}")
        theirs = client.get(
            _url(chain, f"assessment/export?period={PERIOD}&format={fmt}"), headers=headers
        )
        assert mine.status_code == theirs.status_code == 200
        if fmt == "csv":
            assert mine.data == theirs.data
            assert f",{x.uscc},{x.name},".encode() in mine.data
            assert b",80.0," in mine.data.split(x.uscc.encode())[1].split(b"\n")[0]

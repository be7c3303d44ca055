"""An in-process cache of closed periods' assessments (the ranking's rows, or the API's
encoded response), keyed by what was asked and a data-version stamp of the database.

A closed period's ranking is read from the rows its close stored, joined to what can still
change afterwards: the enterprise (name, industry, town), the membership (tier), the
supplier's current code, and the scheme version's bands; and whether it is served from the
stored rows at all depends on the month close and the schemes. Every write that can change
one of those is audited in its own transaction (ratings, schemes, memberships, enterprises,
imports, code transitions, appeals, admission checks, and the assessment step of a month
close), audit writers are serialised (BEGIN IMMEDIATE on SQLite, an advisory lock on
PostgreSQL), so the audit trail's newest id moves with each such commit, in commit order.
The stamp is that id, the month-close table's newest id, row count and time (a close
replaces its row, and SQLite may reuse the id), and the newest id of the tables bulk loads
fill without an audit event. It is read in one query of primary-key maxima, from the
database, so every gunicorn worker sees a write at its next request, whichever worker made
it. A short TTL bounds the staleness of a write outside the application (a manual SQL
update).

The stamp is global, not per chain: any audited write anywhere invalidates every entry,
which costs one recomputation per key and worker, never a stale answer.

Only what the caller opted into is cached (GET requests: a write session must never store a
result of its own uncommitted rows), only closed periods served from their stored rows
(the running period is computed live from inputs that change all month), and the scope is
checked before any lookup: the key holds the chain and, for an SME, its own enterprise.
Entries are shared between requests: callers must treat them as read-only.
"""

import sys
import threading
import time
import weakref
from collections import OrderedDict

from sqlalchemy import func, select

from models import AuditEvent, Chain, Enterprise, Membership, MonthClose, Scheme, SupplierCode

TTL_SECONDS = 300.0
BUDGET_BYTES = 64 * 1024 * 1024  # per process and database; a 3,000-row response is ~1.7 MB
ROW_BYTES = 2500  # rough size in memory of one ranking row (a dict of ~27 values)
_STAMP = "anlian_assessment_stamp"


def _stamp_statement():
    newest = [select(func.max(t.id)).scalar_subquery() for t in (AuditEvent, MonthClose)]
    closes = [
        select(func.count()).select_from(MonthClose).scalar_subquery(),
        select(func.max(MonthClose.closed_at)).scalar_subquery(),
    ]
    bulk = [
        select(func.max(t.id)).scalar_subquery()
        for t in (Enterprise, Membership, Chain, Scheme, SupplierCode)
    ]
    return select(*newest, *closes, *bulk)


STAMP = _stamp_statement()


def stamp(session) -> tuple:
    """The data-version stamp (one query, read once per transaction: a read-only request
    sees one state throughout)."""
    transaction = session.get_transaction()
    kept = session.info.get(_STAMP)
    if kept is None or kept[0] is not transaction:
        found = session.connection().execute(STAMP).one()
        kept = (session.get_transaction(), tuple(None if v is None else str(v) for v in found))
        session.info[_STAMP] = kept
    return kept[1]


class _Store:
    """A thread-safe LRU bounded by an estimate of the bytes it holds, with expiry."""

    def __init__(self, budget: int):
        self.budget = budget
        self.used = 0
        self.lock = threading.Lock()
        self.items: OrderedDict = OrderedDict()  # key: (stored at, cost, value)

    def get(self, key):
        with self.lock:
            found = self.items.get(key)
            if found is None:
                return None
            if time.monotonic() - found[0] > TTL_SECONDS:
                self._drop(key)
                return None
            self.items.move_to_end(key)
            return found[2]

    def put(self, key, value, cost: int) -> None:
        if cost > self.budget // 4:  # one huge entry would evict everything else
            return
        with self.lock:
            if key in self.items:
                self._drop(key)
            self.items[key] = (time.monotonic(), cost, value)
            self.used += cost
            while self.used > self.budget:
                self._drop(next(iter(self.items)))

    def _drop(self, key) -> None:
        self.used -= self.items.pop(key)[1]


_stores: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()


def _store(engine) -> _Store:
    """One store per engine (per app), so test apps never share entries."""
    with _stores_lock:
        if engine not in _stores:
            _stores[engine] = _Store(BUDGET_BYTES)
        return _stores[engine]


def _cost(value) -> int:
    if isinstance(value, bytes | bytearray):
        return len(value)
    rows = getattr(value, "rows", None)
    return ROW_BYTES * len(rows) + 1000 if rows is not None else sys.getsizeof(value)


def get(session, key: tuple):
    """The entry stored under `key` at the current stamp, else None."""
    return _store(session.get_bind()).get((*key, stamp(session)))


def put(session, key: tuple, value) -> None:
    """Keep `value` under `key` at the current stamp (read before `value` was computed, so
    the entry is never older than the stamp it is filed under)."""
    _store(session.get_bind()).put((*key, stamp(session)), value, _cost(value))


def clear(engine) -> None:
    """Forget every entry of this engine's database (benchmarks, tests)."""
    store = _store(engine)
    with store.lock:
        store.items.clear()
        store.used = 0

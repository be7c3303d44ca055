"""An in-process cache of the trend queries' rows, keyed by the SQL, its parameters and a
fingerprint of everything the trends read.

A month close fixes the snapshots but not the rollup: records for a closed month still
arrive, and every record write changes the rollup in the same transaction. So the key is not
the close alone but a fingerprint that moves with any write: the newest id of the audit trail
(every change to records, memberships, enterprises and schemes is audited in its own
transaction), of the record, enterprise, chain and membership tables (bulk loads that add rows
without an audit event), and the number and newest time of the closed months (a re-close
replaces its row, and SQLite may hand the new row the old id). Each lookup is a handful of
primary-key or index maxima. A short TTL bounds the staleness of a write that neither adds a
row nor is audited (a manual SQL update). Only sessions that opted in (`enable`, read-only
requests) use the cache, so a write session never reads a result of its own uncommitted rows.
"""

import threading
import time
import weakref
from collections import OrderedDict

from sqlalchemy import func, select

from models import (
    Accident,
    AuditEvent,
    Chain,
    Enterprise,
    Hazard,
    Inspection,
    Membership,
    MonthClose,
    WorkHours,
)

TTL_SECONDS = 300.0
MAX_ENTRIES = 512
_FLAG = "anlian_trends_cache"
_FINGERPRINT = "anlian_trends_fingerprint"
_WATCHED = (AuditEvent, Enterprise, Chain, Membership, MonthClose)
_WATCHED += (WorkHours, Accident, Inspection, Hazard)
_CLOSED = MonthClose.kind == "closed"


class _Store:
    """A small thread-safe LRU with expiry."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items: OrderedDict = OrderedDict()

    def get(self, key):
        with self.lock:
            found = self.items.get(key)
            if found is None or time.monotonic() - found[0] > TTL_SECONDS:
                return None
            self.items.move_to_end(key)
            return found[1]

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = (time.monotonic(), value)
            self.items.move_to_end(key)
            while len(self.items) > MAX_ENTRIES:
                self.items.popitem(last=False)


_stores: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()


def _store(engine) -> _Store:
    """One store per engine (per app), so test apps never share results."""
    with _stores_lock:
        if engine not in _stores:
            _stores[engine] = _Store()
        return _stores[engine]


def enable(session) -> None:
    """Let this (read-only) session's trend queries use the cache."""
    session.info[_FLAG] = True


def _fingerprint_statement():
    newest = [select(func.max(t.id)).scalar_subquery() for t in _WATCHED]
    closes = [
        select(func.count()).where(_CLOSED).scalar_subquery(),
        select(func.max(MonthClose.closed_at)).where(_CLOSED).scalar_subquery(),
    ]
    return select(*newest, *closes)


# Built once: building and compiling it cost more than running it, on every request.
FINGERPRINT = _fingerprint_statement()


def fingerprint(session) -> tuple:
    """The newest id of every watched table and the closed months' count and newest close:
    changes with any insert, audited write or month close. Read once per opted-in session
    (a read-only request sees one state throughout)."""
    if _FINGERPRINT not in session.info:
        found = session.connection().execute(FINGERPRINT).one()
        session.info[_FINGERPRINT] = tuple(None if v is None else str(v) for v in found)
    return session.info[_FINGERPRINT]


def session_once(session, name: str, compute):
    """`compute()` once per opted-in session (it sees one state throughout); every time in
    the others, which may write between two calls."""
    if not session.info.get(_FLAG):
        return compute()
    key = ("anlian_trends_once", name)
    if key not in session.info:
        session.info[key] = compute()
    return session.info[key]


def rows(session, query) -> list[tuple]:
    """The query's rows as tuples, from the cache when this session opted in."""
    if not session.info.get(_FLAG):
        return [tuple(row) for row in session.execute(query)]
    bind = session.get_bind()
    compiled = query.compile(bind)
    key = (str(compiled), repr(sorted(compiled.params.items())), fingerprint(session))
    store = _store(bind)
    found = store.get(key)
    if found is None:
        found = [tuple(row) for row in session.execute(query)]
        store.put(key, found)
    return found


def records(session, query) -> list[dict]:
    """The query's rows as dicts keyed by its column labels (cached like `rows`)."""
    names = list(query.selected_columns.keys())
    return [dict(zip(names, row, strict=True)) for row in rows(session, query)]


def memo(session, key: tuple, compute):
    """`compute()` once per key and fingerprint when this session opted in; the result is
    shared between requests, so callers must treat it as read-only."""
    if not session.info.get(_FLAG):
        return compute()
    bind = session.get_bind()
    full = ("memo", *key, fingerprint(session))
    store = _store(bind)
    found = store.get(full)
    if found is None:
        found = compute()
        store.put(full, found)
    return found


_latest: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
MAX_LATEST = 128


def latest(session, key: tuple, compute):
    """Like `memo`, but only the newest data version of each key is kept (per engine, the
    MAX_LATEST keys used last): for the arrays every trend view is computed from, so a burst
    of writes does not leave one copy per version in memory until the TTL."""
    if not session.info.get(_FLAG):
        return compute()
    bind, stamp = session.get_bind(), fingerprint(session)
    with _stores_lock:
        slots = _latest.setdefault(bind, OrderedDict())
        found = slots.get(key)
    if found is not None and found[0] == stamp and time.monotonic() - found[1] <= TTL_SECONDS:
        with _stores_lock:
            if key in slots:
                slots.move_to_end(key)
        return found[2]
    value = compute()
    with _stores_lock:
        slots[key] = (stamp, time.monotonic(), value)
        slots.move_to_end(key)
        while len(slots) > MAX_LATEST:
            slots.popitem(last=False)
    return value


def scope_key(scope) -> tuple:
    """What of a scope the trends depend on (not the user or address)."""
    return (scope.role, scope.chain_id, scope.enterprise_id)

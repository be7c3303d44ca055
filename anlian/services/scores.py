"""Safety scores: month close (all enterprises, one batch), provisional refresh, detail.

The path of a score is a straight line: SQL aggregates (aggregates.py) → the pure engine
(scoring/) → snapshot rows written in bulk. A close replaces that month's snapshots inside
the caller's transaction, so a run killed half-way leaves the previous state, never a mix.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import delete, func, insert, select

from models import MonthClose, ScoreSnapshot, WorkHours
from models.base import utcnow
from scoring import IndustryStats, ScoringConfig, explain, industry_stats, score_batch

from .. import months
from .aggregates import load_batch, open_hazards
from .snapshot_rows import snapshot_columns

CHUNK = 5000
# The columns a close writes, in the order of the executemany tuples.
_COLUMNS = (
    "enterprise_id",
    "month",
    "kind",
    "model_version",
    "score",
    "grade",
    "color",
    "veto",
    "components",
    "computed_at",
)


@dataclass(frozen=True)
class CloseSummary:
    month: str
    kind: str
    enterprises: int
    grades: dict[str, int]


def close_month(
    session, *, month: str, config: ScoringConfig, kind: str = "closed", on: date | None = None
) -> CloseSummary:
    """Score every enterprise for `month` and replace that month's snapshots of `kind`."""
    on = on or months.last_day(month)
    batch, ids = load_batch(session, as_of=month, on=on, window=config.window_months)
    stats = industry_stats(batch, config)
    result = score_batch(batch, config, stats)
    session.execute(
        delete(ScoreSnapshot).where(ScoreSnapshot.month == month, ScoreSnapshot.kind == kind)
    )
    _write_snapshots(session, result, ids, month=month, kind=kind)
    session.execute(delete(MonthClose).where(MonthClose.month == month, MonthClose.kind == kind))
    session.add(
        MonthClose(
            month=month,
            kind=kind,
            model_version=result.model_version,
            enterprises=len(ids),
            parameters=config.to_mapping(),
            industry_stats=stats.as_dict(),
        )
    )
    session.flush()
    return CloseSummary(month, kind, len(ids), dict(Counter(result.grade.tolist())))


def _write_snapshots(session, result, ids: np.ndarray, *, month: str, kind: str) -> None:
    """Insert one snapshot per enterprise, CHUNK enterprises at a time.

    Each chunk is serialised (snapshot_rows) and sent as one DBAPI executemany of plain
    tuples: SQLAlchemy's per-row parameter processing cost more than SQLite's insert, and
    building every enterprise's explanation before writing any held them all in memory at
    once (1.5 GB at 250,000 enterprises)."""
    connection = session.connection()
    table = ScoreSnapshot.__table__
    # inline(): no RETURNING of the new ids, which nobody reads.
    statement = insert(table).inline()
    compiled = statement.compile(dialect=connection.dialect, column_keys=list(_COLUMNS))
    # One timestamp for the whole close, in the form the dialect stores (SQLite: text).
    stamp = table.c.computed_at.type.dialect_impl(connection.dialect)
    stamp = stamp.bind_processor(connection.dialect) or (lambda value: value)
    constant = {
        "month": month,
        "kind": kind,
        "model_version": result.model_version,
        "computed_at": stamp(utcnow()),
    }
    if compiled.positional and compiled.positiontup != list(_COLUMNS):
        raise RuntimeError(f"unexpected parameter order {compiled.positiontup}")
    for start in range(0, len(ids), CHUNK):
        chunk = np.arange(start, min(start + CHUNK, len(ids)))
        columns = constant | snapshot_columns(result, chunk)
        columns["enterprise_id"] = ids[chunk].tolist()
        rows = list(zip(*(_repeat(columns[name], len(chunk)) for name in _COLUMNS), strict=True))
        if not compiled.positional:  # e.g. psycopg's %(name)s
            rows = [dict(zip(_COLUMNS, row, strict=True)) for row in rows]
        connection.exec_driver_sql(str(compiled), rows)


def _repeat(values, n: int) -> list:
    """A column's values: a list as it is, a single value n times."""
    return values if isinstance(values, list) else [values] * n


def months_with_data(session) -> list[str]:
    """Every month from the first to the last with hours worked on file."""
    first, last = session.execute(
        select(func.min(WorkHours.month), func.max(WorkHours.month))
    ).one()
    return months.span(first, last) if first else []


def closed_months(session) -> list[str]:
    """Months that have been closed."""
    query = select(MonthClose.month).where(MonthClose.kind == "closed")
    return sorted(session.execute(query).scalars())


def stored_industry_stats(session, month: str, kind: str = "closed") -> IndustryStats | None:
    """The industry rates a close of `month` fixed, rebuilt exactly as they were."""
    stored = session.execute(
        select(MonthClose.industry_stats).where(MonthClose.month == month, MonthClose.kind == kind)
    ).scalar()
    if stored is None:
        return None
    return IndustryStats.from_dict(stored)


def latest_close(session, *, before_or_at: str) -> str | None:
    """The newest closed month not after `before_or_at`."""
    return session.execute(
        select(MonthClose.month)
        .where(MonthClose.kind == "closed", MonthClose.month <= before_or_at)
        .order_by(MonthClose.month.desc())
        .limit(1)
    ).scalar()


def industry_for(session, *, month: str, on: date, config: ScoringConfig) -> IndustryStats:
    """Industry rates for scoring `month`: the ones its close fixed; for a month not closed
    (the running one), those of the latest close before it; with no close at all, computed
    afresh from every enterprise."""
    closed = latest_close(session, before_or_at=month)
    if closed is not None:
        return stored_industry_stats(session, closed)
    batch, _ = load_batch(session, as_of=month, on=on, window=config.window_months)
    return industry_stats(batch, config)


def score_detail(session, enterprise, *, as_of: str, on: date, config: ScoringConfig) -> dict:
    """One enterprise's score for `as_of` with components, drivers and what-ifs.

    A closed month reports its snapshot (what orders and settlement used); drivers and
    what-ifs come from re-scoring the enterprise's records with that month's industry rates.
    """
    stats = industry_for(session, month=as_of, on=on, config=config)
    batch, _ = load_batch(
        session, as_of=as_of, on=on, window=config.window_months, enterprise_ids=[enterprise.id]
    )
    detail = explain(batch, config, stats, open_hazards(session, enterprise.id, on=on), as_of=as_of)
    snapshot = _snapshot(session, enterprise.id, as_of)
    detail |= {"uscc": enterprise.uscc, "as_of": as_of, "provisional": snapshot is None}
    if snapshot is not None:
        detail["records_changed_since_close"] = detail["score"] != snapshot.score
        detail |= {
            "score": snapshot.score,
            "grade": snapshot.grade,
            "color": snapshot.color,
            "veto": snapshot.veto,
            "model_version": snapshot.model_version,
        }
    return detail


def _snapshot(session, enterprise_id: int, month: str) -> ScoreSnapshot | None:
    return session.execute(
        select(ScoreSnapshot).where(
            ScoreSnapshot.enterprise_id == enterprise_id,
            ScoreSnapshot.month == month,
            ScoreSnapshot.kind == "closed",
        )
    ).scalar_one_or_none()


def history(session, enterprise_id: int, *, kind: str = "closed") -> list[dict]:
    """The enterprise's snapshots, oldest first."""
    query = (
        select(ScoreSnapshot.month, ScoreSnapshot.score, ScoreSnapshot.grade, ScoreSnapshot.color)
        .where(ScoreSnapshot.enterprise_id == enterprise_id, ScoreSnapshot.kind == kind)
        .order_by(ScoreSnapshot.month)
    )
    return [
        {"as_of": m, "score": s, "grade": g, "color": c}
        for m, s, g, c in session.execute(query).all()
    ]


def refresh_provisional(session, *, config: ScoringConfig, today: date, enterprise_ids=None) -> int:
    """Recompute the running month's provisional scores (of some enterprises, or all) in one
    batch; returns how many were written."""
    month = months.of(today)
    stats = industry_for(session, month=month, on=today, config=config)
    batch, ids = load_batch(
        session, as_of=month, on=today, window=config.window_months, enterprise_ids=enterprise_ids
    )
    result = score_batch(batch, config, stats)
    stale = delete(ScoreSnapshot).where(
        ScoreSnapshot.month == month, ScoreSnapshot.kind == "provisional"
    )
    if enterprise_ids is not None:
        stale = stale.where(ScoreSnapshot.enterprise_id.in_([int(i) for i in ids]))
    session.execute(stale)
    _write_snapshots(session, result, ids, month=month, kind="provisional")
    return len(ids)

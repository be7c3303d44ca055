"""The stored per-month totals of every (industry, town) cell (models.trend_totals): the
city, an industry or a town month by month is a sum over a few thousand of these rows, so a
cold trend view (any gunicorn worker, either database) need not aggregate the rollup.

- rollup sums: recomputed, cell by cell, from the rollup in the transaction that changed it
  (`rollup.refresh` / `rebuild_all` call `refresh_cells` / `rebuild`); only the cells whose
  sums over the touched enterprises moved are recomputed, so a late record in a closed month
  costs one cell, an import of one month one month's cells.
- per enterprise: its rollup summed over all months, replaced for the touched enterprises
  (`refresh_enterprises`), for the funnel over the whole data; with its rollup as one
  stored vector (trends_series), for the trend block.
- closed scores: written by the month close (`close_month`, a step of month_close.STEPS)
  with that close's `closed_at`; a reader takes from here only the months whose stored rows
  carry their close's current `closed_at`, every other month from the snapshots (a re-close
  by other means, closed snapshots written without this step).
"""

from sqlalchemy import and_, delete, exists, func, insert, literal, select, true

from models import (
    Enterprise,
    EnterpriseTotals,
    MonthClose,
    MonthlyRollup,
    MonthlyScoreTotals,
    MonthlyTotals,
    ScoreSnapshot,
)

from .. import months
from . import trends, trends_series

R, E, T, S = MonthlyRollup, Enterprise, MonthlyTotals, MonthlyScoreTotals


# Every stored column as its aggregate over rollup rows: the trend views' own sums, except
# that a stored penalty stays exact (Numeric column) where the views add it as a float.
SUMS = {**trends.SUMS, "penalty_cny": lambda: func.sum(R.penalty_cny)}
CELL = ("month", "industry", "town")


def _cell_sums(*where):
    """(month, industry, town, *SUMS) of the rollup rows meeting `where`, per cell."""
    return (
        select(R.month, E.industry, E.town, *(f() for f in SUMS.values()))
        .join(E, E.id == R.enterprise_id)
        .where(*where)
        .group_by(R.month, E.industry, E.town)
    )


def _recompute(session, *where_cells) -> None:
    """Replace the stored cells meeting the conditions (on month, industry, town) by their
    sums over the rollup."""
    on_totals = [c(T.month, T.industry, T.town) for c in where_cells]
    on_rollup = [c(R.month, E.industry, E.town) for c in where_cells]
    session.execute(delete(T).where(*on_totals))
    session.execute(insert(T).from_select([*CELL, *SUMS], _cell_sums(*on_rollup)))


def rebuild(session) -> None:
    """Every cell and enterprise from the whole rollup (after rollup.rebuild_all)."""
    _recompute(session)
    refresh_enterprises(session)


def refresh_enterprises(session, enterprise_ids=None) -> None:
    """Replace the per-enterprise totals and stored vectors (trends_series) of the given
    enterprises (None: all) from the rollup."""
    stale = delete(EnterpriseTotals)
    sums = select(R.enterprise_id, func.sum(R.cases), func.sum(R.hours)).group_by(R.enterprise_id)
    if enterprise_ids is not None:
        stale = stale.where(EnterpriseTotals.enterprise_id.in_(enterprise_ids))
        sums = sums.where(R.enterprise_id.in_(enterprise_ids))
    session.execute(stale)
    session.execute(insert(EnterpriseTotals).from_select(["enterprise_id", "cases", "hours"], sums))
    trends_series.refresh(session, enterprise_ids)


def touched_sums(session, enterprise_ids) -> dict[tuple, tuple]:
    """{cell: sums} over the given enterprises' rollup rows: read before and after the rollup
    of those enterprises is rebuilt, the cells that differ are the ones to recompute."""
    query = _cell_sums(R.enterprise_id.in_(enterprise_ids))
    return {tuple(row[:3]): tuple(row[3:]) for row in session.execute(query)}


def refresh_cells(session, before: dict, after: dict) -> None:
    """Recompute the cells whose touched enterprises' sums changed: the months × industries ×
    towns of those cells (a superset of them: recomputing a cell that did not change leaves
    it as it was)."""
    changed = [cell for cell in before.keys() | after.keys() if before.get(cell) != after.get(cell)]
    if not changed:
        return
    found = [sorted({cell[i] for cell in changed}) for i in range(3)]
    _recompute(
        session,
        *(lambda *columns, i=i, v=v: columns[i].in_(v) for i, v in enumerate(found)),
    )


def close_month(session, *, month: str, config=None) -> dict:
    """Month-close step: the closed month's snapshots summed per cell and grade, tagged with
    this close (runs after scores.close_month wrote the snapshots and the close)."""
    session.execute(delete(S).where(S.month == month))
    closed_at = (
        select(MonthClose.closed_at)
        .where(MonthClose.month == month, MonthClose.kind == "closed")
        .scalar_subquery()
    )
    s = ScoreSnapshot
    query = (
        select(s.month, E.industry, E.town, s.grade, func.sum(s.score), func.count(), closed_at)
        .join(E, E.id == s.enterprise_id)
        .where(s.month == month, s.kind == "closed")
        .group_by(s.month, E.industry, E.town, s.grade)
    )
    columns = [*CELL, "grade", "score_sum", "n", "closed_at"]
    written = session.execute(insert(S).from_select(columns, query)).rowcount
    session.flush()
    return {"month": month, "cells": written}


def current_score_months(span):
    """Condition on MonthlyScoreTotals: its rows are those of the month's current close."""
    return exists().where(
        MonthClose.month == S.month,
        MonthClose.kind == "closed",
        MonthClose.closed_at == S.closed_at,
        MonthClose.month.between(*span),
    )


def gaps(span, stored) -> list[tuple[str, str]]:
    """The runs of months of the span not in `stored` (their scores come from the snapshots,
    read as month ranges of the snapshots' index, so stored months cost nothing there)."""
    out, start = [], None
    for month in months.span(*span):
        if month in stored:
            if start is not None:
                out.append((start, months.shift(month, -1)))
            start = None
        elif start is None:
            start = month
    if start is not None:
        out.append((start, span[1]))
    return out


def has_totals():
    """A query with one row when any cell is stored (else the totals are computed live)."""
    return select(literal(1)).select_from(T).limit(1)


def in_cells(sel, table):
    """The selection's industry and town on a table of cells."""
    wanted = [table.industry == sel.industry] if sel.industry else []
    wanted += [table.town == sel.town] if sel.town else []
    return and_(*wanted) if wanted else true()

"""Four-colour distribution over time and the month-to-month colour transitions, both from the
closed score snapshots (grade and colour are one-to-one: A blue, B yellow, C orange, D red)."""

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from models import ScoreSnapshot
from models.vocab import GRADE_COLORS

from .. import months
from ..scope import Scope
from .trends import Selection, data_span, group_condition, universe
from .trends_cache import rows

COLOURS = ("red", "orange", "yellow", "blue")
S = ScoreSnapshot


def _snapshots(sel: Selection, scope: Scope, group: str, in_period):
    return (
        S.kind == "closed",
        in_period,
        universe(S.enterprise_id, sel),
        group_condition(S, group, sel, scope),
    )


def colour_distribution(session, scope: Scope, sel: Selection, group: str = "all") -> list:
    """[{month, red, orange, yellow, blue, total}] for each month of the period."""
    span = data_span(session, sel)
    if span is None:
        return []
    query = (
        select(S.month, S.grade, func.count())
        # ix_snapshot_month_kind covers this: the month index is the fast path here.
        .where(*_snapshots(sel, scope, group, S.month.between(*span)))
        .group_by(S.month, S.grade)
    )
    counts = {(month, GRADE_COLORS[grade]): n for month, grade, n in rows(session, query)}
    out = []
    for month in months.span(*span):
        row = {colour: counts.get((month, colour), 0) for colour in COLOURS}
        out.append({"month": month, **row, "total": sum(row.values())})
    return out


def transitions(session, scope: Scope, sel: Selection, group: str = "all") -> dict:
    """Moves between colours from the month before the period's last month to that month:
    {"months": (from, to), "matrix": {from colour: {to colour: n}}, "from_totals": {…}}."""
    span = data_span(session, sel)
    matrix = {a: dict.fromkeys(COLOURS, 0) for a in COLOURS}
    if span is None:
        return {"months": None, "matrix": matrix, "from_totals": dict.fromkeys(COLOURS, 0)}
    pair = (months.shift(span[1], -1), span[1])
    after = aliased(S)
    query = (
        select(S.grade, after.grade, func.count())
        .join(after, and_(after.enterprise_id == S.enterprise_id, after.kind == "closed"))
        .where(after.month == pair[1], *_snapshots(sel, scope, group, S.month == pair[0]))
        .group_by(S.grade, after.grade)
    )
    for before, now, n in rows(session, query):
        matrix[GRADE_COLORS[before]][GRADE_COLORS[now]] += n
    totals = {a: sum(matrix[a].values()) for a in COLOURS}
    return {"months": pair, "matrix": matrix, "from_totals": totals}

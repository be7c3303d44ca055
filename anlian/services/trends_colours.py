"""Four-colour distribution over time and the month-to-month colour transitions, both from the
closed score snapshots (grade and colour are one-to-one: A blue, B yellow, C orange, D red)."""

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from models import ScoreSnapshot
from models.vocab import GRADE_COLORS

from .. import months
from ..scope import Scope
from . import trends_base
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
    """[{month, red, orange, yellow, blue, total}] for each month of the period (the colour
    columns of trends_base's arrays)."""
    span = data_span(session, sel)
    found = trends_base.monthly(session, scope, sel, group) if span else None
    if found is None:
        return []
    part = found[trends_base.span_slice(trends_base.block(session), span)]
    counts = part[:, [trends_base.K[c] for c in COLOURS]].astype(int).tolist()
    return [
        {"month": month, **dict(zip(COLOURS, row, strict=True)), "total": sum(row)}
        for month, row in zip(months.span(*span), counts, strict=True)
    ]


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

"""Trends over the enterprise × month rollup: the selection, its SQL building blocks and the
monthly series of API.md (slices of trends_base's arrays, computed once per data version for
every group and chain; never a query per enterprise or chain).

Groups, for a month m: `members` are enterprises with a membership in force in m (joined in
or before m, left after m or not at all) in the selection's chain (any chain without one);
`non_members` are never-linked enterprises (no membership ever, not a chain leader),
city-wide even for a chain, whose suppliers are compared with them; `all` is everyone in the
selection (for a chain: its suppliers past and present). Industry and town narrow every group.
"""

from dataclasses import dataclass, replace

from sqlalchemy import (
    Float,
    Integer,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    literal_column,
    or_,
    select,
    true,
)

from models import Chain, Enterprise, Membership, MonthlyRollup
from models.base import N_

from .. import months
from ..errors import Invalid
from ..scope import Scope, membership_filter, supplier_ids
from .trends_cache import memo, rows, scope_key, session_once

GROUPS = ("members", "non_members", "all")
MAX_MONTHS = 120
R = MonthlyRollup


@dataclass(frozen=True)
class Selection:
    """What the analyst looks at: a chain, an industry, a town and a period (all optional)."""

    chain_id: int | None = None
    industry: str | None = None
    town: str | None = None
    first: str | None = None
    last: str | None = None


def month_index(column):
    """`YYYY-MM` text as months since year 0, in SQL (same on SQLite and PostgreSQL)."""
    year = cast(func.substr(column, 1, 4), Integer)
    return year * 12 + cast(func.substr(column, 6, 2), Integer) - 1


def date_index(column):
    """The month of a date column as months since year 0, in SQL."""
    return cast(extract("year", column), Integer) * 12 + cast(extract("month", column), Integer) - 1


def in_force(enterprise_col, month_idx, sel: Selection, scope: Scope):
    """EXISTS a membership of the enterprise in force in the month (in the selected chain)."""
    m = Membership
    condition = exists().where(
        m.enterprise_id == enterprise_col,
        date_index(m.joined_on) <= month_idx,
        or_(m.left_on.is_(None), date_index(m.left_on) > month_idx),
        membership_filter(scope),
    )
    if sel.chain_id is not None:
        condition = condition.where(m.chain_id == sel.chain_id)
    return condition


def months_between(column, span):
    """`column` within the span, compared as an expression (`month || ''`) on purpose: an
    aggregate over most months is 2-5x faster on SQLite walking the table in key order than
    following the month index row by row; PostgreSQL scans either way."""
    return column.concat(literal_column("''")).between(*span)


def never_linked(enterprise_col):
    """No membership ever and not a chain leader (the 36 leaders would pollute a control)."""
    return and_(
        enterprise_col.not_in(select(Membership.enterprise_id)),
        enterprise_col.not_in(select(Chain.leader_id)),
    )


def universe(enterprise_col, sel: Selection):
    """Industry and town of the selection (true when neither is set)."""
    wanted = [Enterprise.industry == sel.industry] if sel.industry else []
    wanted += [Enterprise.town == sel.town] if sel.town else []
    if not wanted:
        return true()
    return enterprise_col.in_(select(Enterprise.id).where(*wanted))


# Built once: a dashboard asks for the span some thirty times (compiling is most of its cost).
_ENDS = [
    select(R.month).where(R.hours > 0).order_by(order).limit(1)  # walks ix_rollup_month
    for order in (R.month.asc(), R.month.desc())
]


def data_span(session, sel: Selection = Selection()) -> tuple[str, str] | None:
    """First and last month with hours worked on file, narrowed to the selection's period."""
    found = session_once(session, "trends_data_span", lambda: [rows(session, q) for q in _ENDS])
    if not found[0]:
        return None
    first, last = found[0][0][0], found[1][0][0]
    first, last = max(first, sel.first or first), min(last, sel.last or last)
    return (first, last) if first <= last else None


def check_period(first: str | None, last: str | None) -> None:
    """422 unless both months are `YYYY-MM`, in order and at most MAX_MONTHS apart."""
    errors = {}
    for field, value in (("from", first), ("to", last)):
        if value is not None and not months.is_month(value):
            errors[field] = [N_("Must be a month written YYYY-MM.")]
    if not errors and first and last and first > last:
        errors["to"] = [N_("Must not be before the start of the period.")]
    elif not errors and first and last and months.index(last) - months.index(first) >= MAX_MONTHS:
        errors["to"] = [(N_("The period may span at most {n} months."), {"n": MAX_MONTHS})]
    if errors:
        raise Invalid(errors)


def group_condition(table, group: str, sel: Selection, scope: Scope):
    """WHERE for one group on a table with enterprise_id and month columns."""
    if group == "members":
        return in_force(table.enterprise_id, month_index(table.month), sel, scope)
    if group == "non_members":
        return never_linked(table.enterprise_id)
    if sel.chain_id is not None:
        return table.enterprise_id.in_(supplier_ids(sel.chain_id).where(membership_filter(scope)))
    return true()


SUMS = {
    "hours": lambda: func.sum(R.hours),
    "cases": lambda: func.sum(R.cases),
    "fatalities": lambda: func.sum(R.fatalities),
    "accidents": lambda: func.sum(R.accidents),
    "accidents_self_reported": lambda: func.sum(R.accidents_self_reported),
    "inspections": lambda: func.sum(R.inspections),
    "enforcement_cases": lambda: func.sum(R.enforcement_cases),
    "penalty_cny": lambda: func.sum(cast(R.penalty_cny, Float)),
    "hazards_found": lambda: func.sum(R.hazards_found),
    "hazards_rectified_on_time": lambda: func.sum(R.hazards_rectified_on_time),
    "enterprises": lambda: func.sum(case((R.hours > 0, 1), else_=0)),
    # For the variance of penalty amounts (compound Poisson) and the few-fines flag.
    "penalty_sq": lambda: func.sum(cast(R.penalty_cny, Float) * cast(R.penalty_cny, Float)),
    "penalty_events": lambda: func.sum(case((R.penalty_cny > 0, 1), else_=0)),
}


def monthly_sums(session, scope: Scope, sel: Selection, group: str, span) -> dict[str, dict]:
    """{month: sums} of one group, every month of the span (a span inside the data's), from
    the arrays of trends_base (computed once per data version for every group)."""
    from . import trends_base  # it builds on this module

    found = trends_base.monthly(session, scope, sel, group)
    if found is None:
        return {}
    part = trends_base.span_slice(trends_base.block(session), span)
    return trends_base.month_rows(found[part], months.span(*span))


def series(session, scope: Scope, sel: Selection, groups=("members",)) -> dict[str, list]:
    """Monthly rows of API.md for each group, one per month of the period (zeros included).
    The whole span is computed (and cached) once per selection; a period is a slice of it."""
    whole = replace(sel, first=None, last=None)
    key = ("series", scope_key(scope), whole, tuple(groups))
    span, full = memo(session, key, lambda: _series(session, scope, whole, groups))
    period = _period(sel, span)
    if period is None:
        return {g: [] for g in groups}
    out = {}
    for group in groups:
        by_month = {row["month"]: row for row in full[group]}
        out[group] = [by_month.get(m) or metrics(m, {}) for m in months.span(*period)]
    return out


def _period(sel: Selection, span) -> tuple[str, str] | None:
    """The months to show: the period asked for, else the data's, clamped like data_span."""
    if sel.first and sel.last:
        return sel.first, sel.last
    if span is None:
        return None
    first, last = max(span[0], sel.first or span[0]), min(span[1], sel.last or span[1])
    return (first, last) if first <= last else None


def _series(session, scope: Scope, sel: Selection, groups) -> tuple:
    span = data_span(session, sel)
    if span is None:
        return None, {g: [] for g in groups}
    out = {}
    for group in groups:
        found = monthly_sums(session, scope, sel, group, span)
        out[group] = [metrics(m, found.get(m, {})) for m in months.span(*span)]
    return span, out


def _ratio(numerator: float, denominator: float, per: float = 1.0) -> float | None:
    return numerator * per / denominator if denominator > 0 else None


def metrics(month: str, sums: dict) -> dict:
    """One month's row from its sums (rates None where their exposure is zero)."""
    t = {name: float(sums.get(name) or 0) for name in (*SUMS, "score_sum", "score_n")}
    official = t["accidents"] - t["accidents_self_reported"]
    counts = ("cases", "fatalities", "accidents", "inspections", "enforcement_cases")
    counts += ("hazards_found", "hazards_rectified_on_time", "enterprises")
    return {
        "month": month,
        "hours": t["hours"],
        **{name: int(t[name]) for name in counts},
        "injury_rate": _ratio(t["cases"], t["hours"], 1e6),
        "enforcement_rate": _ratio(t["enforcement_cases"], t["enterprises"], 100),
        "penalty_cny": t["penalty_cny"],
        "penalty_per_enterprise": _ratio(t["penalty_cny"], t["enterprises"]),
        "mean_score": _ratio(t["score_sum"], t["score_n"]),
        "penalty_per_inspection": _ratio(t["penalty_cny"], t["inspections"]),
        "enforcement_per_inspection": _ratio(t["enforcement_cases"], t["inspections"], 100),
        "accidents_official_only": int(official),
        "official_only_share": _ratio(official, t["accidents"], 100),
    }

"""The bureau dashboard's data: headline figures, the chain × month heatmap, the chain
comparison table, and everything else the page shows, gathered in one call."""

from datetime import date

from sqlalchemy import and_, case, func, or_, select

from models import Membership, ScoreSnapshot

from ..scope import Scope, membership_filter
from . import chains, trends_colours, trends_effect, trends_funnel
from .trends import (
    R,
    Selection,
    data_span,
    date_index,
    month_index,
    months_between,
    series,
    universe,
)
from .trends_cache import memo, rows, scope_key

SORTS = ("name", "suppliers", "mean_score", "injury", "enforcement", "n_enterprises")


def _in_force_at(idx):
    """Condition on Membership: in force in the month with index `idx` (a SQL expression)."""
    m = Membership
    return and_(
        date_index(m.joined_on) <= idx, or_(m.left_on.is_(None), date_index(m.left_on) > idx)
    )


def heatmap(session, scope: Scope, sel: Selection) -> dict:
    """Injury and enforcement rate of each chain's suppliers in force, month by month."""
    span = data_span(session, sel)
    if span is None:
        return {"months": [], "cells": {}}
    m = Membership
    query = (
        select(
            m.chain_id,
            R.month,
            func.sum(R.cases),
            func.sum(R.hours),
            func.sum(R.enforcement_cases),
            func.sum(case((R.hours > 0, 1), else_=0)),
        )
        .join(R, R.enterprise_id == m.enterprise_id)
        .where(_in_force_at(month_index(R.month)), months_between(R.month, span))
        .where(membership_filter(scope), universe(R.enterprise_id, sel))
        .group_by(m.chain_id, R.month)
    )
    if sel.chain_id is not None:
        query = query.where(m.chain_id == sel.chain_id)
    cells = {}
    for chain_id, month, cases, hours, enforced, active in rows(session, query):
        cells[(chain_id, month)] = {
            "injury_rate": float(cases or 0) * 1e6 / hours if hours else None,
            "enforcement_rate": float(enforced or 0) * 100 / active if active else None,
        }
    return {"months": span, "cells": cells}


def mean_scores(session, scope: Scope, month: str | None) -> dict[int, float]:
    """Mean closed safety score of each chain's suppliers in force in `month`."""
    if month is None:
        return {}
    s, m = ScoreSnapshot, Membership
    query = (
        select(m.chain_id, func.avg(s.score))
        .join(s, s.enterprise_id == m.enterprise_id)
        .where(s.kind == "closed", s.month == month, membership_filter(scope))
        .where(_in_force_at(month_index(s.month)))
        .group_by(m.chain_id)
    )
    return {chain_id: float(score) for chain_id, score in rows(session, query)}


def chain_table(session, scope: Scope, sel: Selection, effects: dict, *, on: date) -> list:
    """One row per chain in scope (only the chosen one under a chain filter): suppliers,
    mean score, injury and enforcement change."""
    span = data_span(session, sel)
    scores = mean_scores(session, scope, span[1] if span else None)
    table = []
    for item in chains.list_chains(session, scope, on=on, chain_id=sel.chain_id):
        result = effects["results"].get(item["id"], effects["empty"])
        table.append(
            {
                "id": item["id"],
                "name": item["name"],
                "suppliers": item["supplier_count"],
                "mean_score": scores.get(item["id"]),
                "n_enterprises": result["n_enterprises"],
                "injury": result["injury_rate"],
                "enforcement": result["enforcement_rate"],
                "integrity": result["reporting_integrity"],
            }
        )
    return table


def sort_key(column: str):
    """Sort rows on `column`, rows without a value last, whatever the direction."""

    def key(row):
        value = row[column]
        if isinstance(value, dict):
            value = value.get("change_pct")
        return (value is None, value if value is not None else 0)

    return key


def sorted_table(table: list, column: str, descending: bool) -> list:
    """The chain table sorted on one of SORTS (missing values always last)."""
    present = [r for r in table if not sort_key(column)(r)[0]]
    missing = [r for r in table if sort_key(column)(r)[0]]
    return sorted(present, key=sort_key(column), reverse=descending) + missing


def dashboard(session, scope: Scope, sel: Selection, *, window: int, on: date) -> dict:
    """Everything the bureau dashboard shows for a selection (read-only when cached)."""
    key = ("dashboard", scope_key(scope), sel, window, on)
    return memo(session, key, lambda: _dashboard(session, scope, sel, window=window, on=on))


def _dashboard(session, scope: Scope, sel: Selection, *, window: int, on: date) -> dict:
    per_chain = trends_effect.effect(session, scope, sel, window=window, by_chain=True)
    pooled = trends_effect.effect(session, scope, sel, window=window)
    headline = pooled["results"].get(0, pooled["empty"])
    return {
        "span": data_span(session, sel),
        "series": series(session, scope, sel, groups=("members", "non_members")),
        "effect": headline,
        "heatmap": heatmap(session, scope, sel),
        "chains": chain_table(session, scope, sel, per_chain, on=on),
        "colours": trends_colours.colour_distribution(session, scope, sel),
        "transitions": trends_colours.transitions(session, scope, sel),
        "funnel": trends_funnel.funnel(session, scope, sel),
        "linked_now": linked_now(session, scope, sel, on=on),
    }


def linked_now(session, scope: Scope, sel: Selection, *, on: date) -> int:
    """Suppliers with a membership in force today (in the selected chain and universe)."""
    m = Membership
    query = select(func.count(func.distinct(m.enterprise_id))).where(
        chains.current_member(on), membership_filter(scope), universe(m.enterprise_id, sel)
    )
    if sel.chain_id is not None:
        query = query.where(m.chain_id == sel.chain_id)
    return int(rows(session, query)[0][0])


def chain_view(session, scope: Scope, sel: Selection, *, window: int, on: date) -> dict:
    """One chain's trends and effect (the bureau's chain page and the chain leader's own)."""
    key = ("chain_view", scope_key(scope), sel, window, on)
    return memo(session, key, lambda: _chain_view(session, scope, sel, window=window, on=on))


def _chain_view(session, scope: Scope, sel: Selection, *, window: int, on: date) -> dict:
    pooled = trends_effect.effect(session, scope, sel, window=window)
    return {
        "span": data_span(session, sel),
        "series": series(session, scope, sel, groups=("members", "non_members")),
        "effect": pooled["results"].get(0, pooled["empty"]),
        "heatmap": heatmap(session, scope, sel),
        "colours": trends_colours.colour_distribution(session, scope, sel, "members"),
        "transitions": trends_colours.transitions(session, scope, sel, "members"),
        "funnel": trends_funnel.funnel(session, scope, sel),
        "linked_now": linked_now(session, scope, sel, on=on),
    }

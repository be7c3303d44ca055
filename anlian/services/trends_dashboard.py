"""The bureau dashboard's data: headline figures, the chain × month heatmap, the chain
comparison table, and everything else the page shows, gathered in one call."""

from datetime import date

import numpy as np
from sqlalchemy import func, select

from models import Membership

from .. import months
from ..scope import Scope, membership_filter
from . import chains, trends_colours, trends_effect, trends_funnel
from . import trends_base as base
from .trends import Selection, data_span, series, universe
from .trends_cache import memo, rows, scope_key

SORTS = ("name", "suppliers", "mean_score", "injury", "enforcement", "n_enterprises")


def heatmap(session, scope: Scope, sel: Selection) -> dict:
    """Injury and enforcement rate of each chain's suppliers in force, month by month (a cell
    wherever a supplier in force has a rollup row)."""
    span = data_span(session, sel)
    if span is None:
        return {"months": [], "cells": {}}
    blk = base.block(session)
    part = base.span_slice(blk, span)
    labels, k = blk.months[part], base.K
    cells = {}
    for chain_id, found in sorted(base.chain_members(session, scope, sel).items()):
        sums = found[part]
        hours, active = sums[:, k["hours"]], sums[:, k["enterprises"]]
        injury = np.divide(
            sums[:, k["cases"]] * 1e6, hours, out=np.zeros_like(hours), where=hours > 0
        )
        enforced = np.divide(
            sums[:, k["enforcement_cases"]] * 100,
            active,
            out=np.zeros_like(active),
            where=active > 0,
        )
        for i in np.flatnonzero(sums[:, k["present"]] > 0).tolist():
            cells[(chain_id, labels[i])] = {
                "injury_rate": float(injury[i]) if hours[i] > 0 else None,
                "enforcement_rate": float(enforced[i]) if active[i] > 0 else None,
            }
    return {"months": span, "cells": cells}


def mean_scores(session, scope: Scope, month: str | None) -> dict[int, float]:
    """Mean closed safety score of each chain's suppliers in force in `month`."""
    blk = base.block(session)
    if month is None or blk is None:
        return {}
    i, k = months.index(month) - blk.first, base.K
    return {
        chain_id: float(found[i, k["score_sum"]] / found[i, k["score_n"]])
        for chain_id, found in base.chain_members(session, scope, Selection()).items()
        if found[i, k["score_n"]] > 0
    }


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

"""The assessment as a table: filters, sort orders and the consequences export.

The ranking is computed for the whole chain first (ranks and trends need every supplier);
these functions then pick, order and page the rows, so filtering never changes a rank.
"""

from dataclasses import dataclass

from .scheme_rules import SAFETY

SORTS = ("rank", "composite", "safety", "name", "trend", "settlement")
CODE_STATES = ("clear", "yellow", "red")


@dataclass(frozen=True)
class RowFilters:
    """What the ranking can be narrowed to; None means no filter."""

    grade: str | None = None
    standing: str | None = None  # an order action
    tier: int | None = None
    industry: str | None = None
    town: str | None = None
    code: str | None = None
    complete: bool | None = None
    q: str | None = None


def _keeps(row: dict, f: RowFilters) -> bool:
    text = (f.q or "").strip()
    return (
        (f.grade is None or row["grade"] == f.grade)
        and (f.standing is None or row["order_action"] == f.standing)
        and (f.tier is None or row["tier"] == f.tier)
        and (f.industry is None or row["industry"] == f.industry)
        and (f.town is None or row["town"] == f.town)
        and (f.code is None or row["code"] == f.code)
        and (f.complete is None or row["complete"] == f.complete)
        and (not text or text in row["name"] or row["uscc"].startswith(text.upper()))
    )


SORT_KEYS = {
    "composite": lambda r: r["composite"],
    "safety": lambda r: r["safety_score"],
    "name": lambda r: r["name"],
    "trend": lambda r: r["trend"],
    "settlement": lambda r: r["settlement_adjustment_pct"],
}


def select_rows(
    rows: list[dict], filters: RowFilters, *, sort: str = "rank", descending: bool | None = None
) -> list[dict]:
    """The rows that pass the filters in the chosen order; rows without the sort value last.
    `rank` keeps the ranking's order (composite, highest first; incomplete after)."""
    kept = [r for r in rows if _keeps(r, filters)]
    if sort == "rank" or sort not in SORT_KEYS:
        return kept if not descending else list(reversed(kept))
    key = SORT_KEYS[sort]
    descending = sort != "name" if descending is None else descending
    present = sorted((r for r in kept if key(r) is not None), key=key, reverse=descending)
    return present + [r for r in kept if key(r) is None]


def page(rows: list, *, page: int, per_page: int) -> list:
    """One page of rows (pages count from 1)."""
    return rows[(page - 1) * per_page : page * per_page]


def export_table(rows: list[dict], criteria: list[dict]) -> tuple[list[str], list[list]]:
    """(header, rows) of the consequences export: one row per supplier for the ERP."""
    keys = [c["key"] for c in criteria if c["key"] != SAFETY]
    header = [
        "period",
        "uscc",
        "name",
        "rank",
        "safety_score",
        "grade",
        *keys,
        "composite",
        "complete",
        "veto",
        "admission_passed",
        "code",
        "standing",
        "order_action",
        "settlement_adjustment_pct",
    ]
    table = [
        [
            r["period"],
            r["uscc"],
            r["name"],
            r["rank"],
            r["safety_score"],
            r["grade"],
            *(r["criteria"].get(k) for k in keys),
            r["composite"],
            r["complete"],
            r["veto"],
            r["admission_passed"],
            r["code"],
            r["standing"],
            r["order_action"],
            r["settlement_adjustment_pct"],
        ]
        for r in rows
    ]
    return header, table

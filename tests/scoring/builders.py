"""Builders of small enterprise batches and hypothesis strategies for the scoring tests."""

from typing import Any

import numpy as np
from hypothesis import strategies as st

from scoring import EnterpriseBatch
from scoring.batch import MONTHLY_FLOAT, MONTHLY_INT

W = 12
MONTHLY = MONTHLY_INT + MONTHLY_FLOAT


def monthly(spec: Any, window: int = W, fill: float = 0.0) -> np.ndarray:
    """A (window,) row from {month_index: value}, a full list, or a scalar for every month."""
    if isinstance(spec, dict):
        row = np.full(window, fill, dtype=np.float64)
        for month, value in spec.items():
            row[month] = value
        return row
    return np.broadcast_to(np.asarray(spec, dtype=np.float64), (window,)).copy()


def make_batch(*rows: dict[str, Any], window: int = W) -> EnterpriseBatch:
    """A batch from row dicts; monthly columns as dict/list/scalar, omitted columns default."""
    names = sorted({key for row in rows for key in row} - {"uscc"})
    defaults = EnterpriseBatch.from_columns(["x"], window).columns()
    columns: dict[str, Any] = {}
    for name in names:
        if name in MONTHLY:
            fill = np.nan if name == "hours" else 0.0
            columns[name] = np.stack([monthly(r.get(name, {}), window, fill) for r in rows])
        else:
            columns[name] = [r.get(name, defaults[name][0]) for r in rows]
    uscc = [r.get("uscc", f"U{i:017d}") for i, r in enumerate(rows)]
    return EnterpriseBatch.from_columns(uscc, window, **columns)


def copy_columns(batch: EnterpriseBatch) -> dict[str, np.ndarray]:
    """Deep copies of every column, to check later that nothing was mutated."""
    return {k: v.copy() for k, v in batch.columns().items()}


def assert_unchanged(batch: EnterpriseBatch, before: dict[str, np.ndarray]) -> None:
    """Every column equals its earlier copy (NaN equal to NaN)."""
    for name, arr in batch.columns().items():
        assert np.array_equal(arr, before[name], equal_nan=arr.dtype.kind == "f"), name


# --- the worked example of docs/scoring.md -------------------------------------------------
EXAMPLE_AS_OF = "2026-04"
EXAMPLE_ROWS = (
    {  # X, the enterprise the docs follow
        "uscc": "91350582EXAMPLE00X",
        "industry": "footwear_apparel",
        "headcount": 30,
        "hours": [5000.0] * 10 + [np.nan, np.nan],
        "serious_injured": {1: 1},
        "fines": {4: 1},
        "penalty_cny": {4: 20000.0},
        "hazards_found": 5,
        "hazards_rectified_on_time": 2,
        "hazards_rectified_late": 1,
        "hazards_open_not_due": 1,
        "hazards_overdue_general": 1,
        "self_check_found": 3,
        "standardization": "small_micro",
        "risk_color": "yellow",
    },
    {  # Y, a larger firm of the same industry
        "uscc": "91350582EXAMPLE00Y",
        "industry": "footwear_apparel",
        "headcount": 400,
        "hours": 70000.0,
        "minor_injured": {2: 1, 5: 1, 8: 1},
        "hazards_found": 10,
        "hazards_rectified_on_time": 10,
        "self_check_found": 8,
        "standardization": "level3",
        "steward": True,
        "risk_color": "blue",
    },
    {  # Z, another industry
        "uscc": "91350582EXAMPLE00Z",
        "industry": "food",
        "headcount": 120,
        "hours": 21000.0,
        "standardization": "small_micro",
        "risk_color": "yellow",
    },
)


def example_batch() -> EnterpriseBatch:
    """The three enterprises of the worked example."""
    return make_batch(*EXAMPLE_ROWS)


# --- hypothesis strategies ---------------------------------------------------------------
INDUSTRIES = ("footwear_apparel", "food", "machinery")


EVENT_COLUMNS = MONTHLY_INT + ("penalty_cny",)
HAZARD_COLUMNS = (
    "hazards_found",
    "hazards_rectified_on_time",
    "hazards_rectified_late",
    "hazards_open_not_due",
    "hazards_overdue_general",
    "hazards_overdue_major",
    "self_check_found",
)


@st.composite
def enterprise_rows(draw: st.DrawFn) -> dict[str, Any]:
    """One random enterprise as a row dict for make_batch (few draws, so examples are cheap)."""
    # Monthly hours around a level, with a bit mask of months left unreported (NaN).
    level = draw(st.floats(0, 400_000))
    wobble = np.linspace(0.8, 1.2, W)[np.asarray(draw(st.permutations(range(W))))]
    unreported = (draw(st.integers(0, 2**W - 1)) >> np.arange(W)) & 1 == 1
    row: dict[str, Any] = {
        "industry": draw(st.sampled_from(INDUSTRIES)),
        "headcount": draw(st.integers(0, 2500)),
        "hours": np.where(unreported, np.nan, level * wobble),
        "standardization": draw(
            st.sampled_from(("level1", "level2", "level3", "small_micro", "none"))
        ),
        "standardization_valid": draw(st.booleans()),
        "steward": draw(st.booleans()),
        "risk_color": draw(st.sampled_from(("red", "orange", "yellow", "blue", ""))),
        "dishonest_listed": draw(st.booleans()),
    }
    # Accidents, inspections and penalties as a short list of (column, month, count) events.
    event = st.tuples(st.sampled_from(EVENT_COLUMNS), st.integers(0, W - 1), st.integers(1, 4))
    for column, month, count in draw(st.lists(event, max_size=6)):
        value = 25_000.0 * count if column == "penalty_cny" else count
        row.setdefault(column, {})[month] = value
    counts = draw(
        st.lists(st.integers(0, 6), min_size=len(HAZARD_COLUMNS), max_size=len(HAZARD_COLUMNS))
    )
    return row | dict(zip(HAZARD_COLUMNS, counts, strict=True))


@st.composite
def batches(draw: st.DrawFn, min_size: int = 1, max_size: int = 6) -> EnterpriseBatch:
    """A random batch of distinct enterprises."""
    rows = draw(st.lists(enterprise_rows(), min_size=min_size, max_size=max_size))
    return make_batch(*[row | {"uscc": f"91350582{i:010d}"} for i, row in enumerate(rows)])

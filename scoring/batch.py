"""Columnar input of the engine: one row per enterprise, one matrix column per window month."""

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .config import RISK_COLORS, STANDARDIZATION_LEVELS

# Per-month matrices (n, W): column 0 is the as_of month, column W-1 the oldest month.
MONTHLY_INT = (
    "minor_injured",
    "serious_injured",
    "deaths",
    "warnings",
    "fines",
    "suspensions",
    "referrals",
)
MONTHLY_FLOAT = ("hours", "penalty_cny")
# Per-enterprise counts (n,) as of the as_of month end.
HAZARD_COUNTS = (
    "hazards_found",
    "hazards_rectified_on_time",
    "hazards_rectified_late",
    "hazards_open_not_due",
    "hazards_overdue_general",
    "hazards_overdue_major",
    "self_check_found",
)
BOOLS = ("steward", "dishonest_listed", "standardization_valid")
STRINGS = ("uscc", "industry", "standardization", "risk_color")

# Column defaults used by from_columns; hours default to NaN = "not reported".
_DEFAULTS: dict[str, Any] = {
    "industry": "other",
    "standardization": "none",
    "risk_color": "",
    "steward": False,
    "dishonest_listed": False,
    "standardization_valid": True,
    "headcount": 0,
}


@dataclass(frozen=True)
class HazardDetail:
    """One open hazard of the enterprise being explained (for the rectify what-if)."""

    hazard_id: int
    level: Literal["general", "major"]
    source: str
    overdue: bool
    description: str = ""


@dataclass(frozen=True)
class EnterpriseBatch:
    """Window aggregates of n enterprises; counts are non-negative, hours NaN when unreported."""

    uscc: np.ndarray
    industry: np.ndarray
    headcount: np.ndarray
    hours: np.ndarray
    minor_injured: np.ndarray
    serious_injured: np.ndarray
    deaths: np.ndarray
    warnings: np.ndarray
    fines: np.ndarray
    suspensions: np.ndarray
    referrals: np.ndarray
    penalty_cny: np.ndarray
    hazards_found: np.ndarray
    hazards_rectified_on_time: np.ndarray
    hazards_rectified_late: np.ndarray
    hazards_open_not_due: np.ndarray
    hazards_overdue_general: np.ndarray
    hazards_overdue_major: np.ndarray
    self_check_found: np.ndarray
    standardization: np.ndarray
    steward: np.ndarray
    risk_color: np.ndarray
    dishonest_listed: np.ndarray
    standardization_valid: np.ndarray

    def __post_init__(self) -> None:
        # Coerce dtypes without copying arrays that already fit; the engine never writes to them.
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _coerce(f.name, getattr(self, f.name)))
        _check_shapes(self)
        _check_values(self)

    def __len__(self) -> int:
        return int(self.uscc.shape[0])

    @property
    def window(self) -> int:
        """Number of months W in the window (columns of the monthly matrices)."""
        return int(self.hours.shape[1])

    @classmethod
    def from_columns(cls, uscc: Any, window_months: int = 12, **columns: Any) -> "EnterpriseBatch":
        """Build a batch from the given columns; missing ones get zeros or documented defaults."""
        uscc = np.asarray(uscc, dtype=str).reshape(-1)
        n = uscc.shape[0]
        unknown = set(columns) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown batch column(s): {sorted(unknown)}")
        full = {"uscc": uscc}
        for f in dataclasses.fields(cls):
            if f.name != "uscc":
                full[f.name] = columns.get(f.name, _default(f.name, n, window_months))
        return cls(**full)

    def take(self, indices: Any) -> "EnterpriseBatch":
        """Rows at `indices` (ints or a boolean mask), in that order, as a new batch."""
        idx = np.asarray(indices)
        return dataclasses.replace(self, **{k: v[idx] for k, v in self.columns().items()})

    def replace(self, **changes: Any) -> "EnterpriseBatch":
        """A copy with some columns replaced (each new column must keep the batch shape)."""
        return dataclasses.replace(self, **changes)

    def columns(self) -> dict[str, np.ndarray]:
        """Column name -> array (the arrays themselves, not copies)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def concat(cls, batches: list["EnterpriseBatch"]) -> "EnterpriseBatch":
        """Rows of several batches with the same window, stacked in order."""
        names = [f.name for f in dataclasses.fields(cls)]
        return cls(**{k: np.concatenate([getattr(b, k) for b in batches]) for k in names})


def _default(name: str, n: int, window: int) -> np.ndarray:
    """The default column `name` for n enterprises and a window of `window` months."""
    if name == "hours":
        return np.full((n, window), np.nan)
    if name in MONTHLY_INT or name in MONTHLY_FLOAT:
        return np.zeros((n, window))
    if name in _DEFAULTS:
        return np.full(n, _DEFAULTS[name])
    return np.zeros(n)


def _coerce(name: str, value: Any) -> np.ndarray:
    """The column as an array of its canonical dtype (int64, float64, bool or str)."""
    if name in STRINGS:
        return np.asarray(value, dtype=str)
    if name in BOOLS:
        return np.asarray(value, dtype=bool)
    if name in MONTHLY_FLOAT:
        return np.asarray(value, dtype=np.float64)
    return np.asarray(value, dtype=np.int64)


def _check_shapes(batch: EnterpriseBatch) -> None:
    """All per-enterprise columns are (n,), all monthly ones (n, W)."""
    n, window = len(batch), batch.hours.shape[-1]
    for name, arr in batch.columns().items():
        monthly = name in MONTHLY_INT or name in MONTHLY_FLOAT
        want = (n, window) if monthly else (n,)
        if arr.shape != want:
            raise ValueError(f"batch column '{name}' has shape {arr.shape}, expected {want}")


def _check_values(batch: EnterpriseBatch) -> None:
    """Counts, hours and penalties are non-negative; enumerations hold known codes."""
    numeric = MONTHLY_INT + MONTHLY_FLOAT + HAZARD_COUNTS + ("headcount",)
    for name in numeric:
        arr = getattr(batch, name)
        if np.any(arr < 0) or (arr.dtype.kind == "f" and np.any(np.isinf(arr))):
            raise ValueError(f"batch column '{name}' must be finite and >= 0")
    if np.any(np.isnan(batch.penalty_cny)):
        raise ValueError("batch column 'penalty_cny' must not be NaN")
    for name, allowed in (("standardization", STANDARDIZATION_LEVELS), ("risk_color", RISK_COLORS)):
        bad = np.setdiff1d(getattr(batch, name), np.asarray(allowed))
        if bad.size:
            raise ValueError(f"batch column '{name}' has unknown value(s) {bad.tolist()}")

"""Snapshot columns of a month close, serialised a chunk of enterprises at a time.

`ScoreResult.rows()` (scoring/) gives the same values, but calls Python's `round()` and
`math.isfinite()` on every cell: about 30 numbers per enterprise, which at 25,000 enterprises
was most of a month close above its SQL floor. Here a float column is rounded in one numpy
step, bit-identical to `round()` (see `plain_column`), and the explanation is encoded with
orjson straight away. tests/test_scores.py holds the output equal to rows(), so a change of
the engine's row layout shows up there.
"""

import numpy as np
import orjson

from scoring.engine import COMPONENTS, RATE_UNIT, ROW_INPUTS, VETO_RULES, ScoreResult

# Beyond 2**52 a double has no fraction left to round; round() returns such values as they are.
_EXACT = 2.0**52
# How near a half a product must be to be left to round(): only one landing exactly on a
# half can be resolved wrongly (rounding is monotonic), the margin is for safety.
_DOUBT = 2.0**-49


def plain_column(values, digits: int | None = None) -> list:
    """The column as plain Python values, exactly as `[round(v, digits) for v in ...]` with
    NaN and infinities as None (what the engine's rows() gives); non-float columns as is.

    rint(x * 10**d) is round()'s integer k (both break exact ties to even) unless the product,
    rounded to a double, lands on a half where the exact one does not: those few, found by
    their distance to the half, go through round(). For the rest k / 10**d is the double
    nearest k * 10**-d, which is what round() returns (it rounds in decimal, then converts
    back)."""
    values = np.asarray(values)
    if values.dtype.kind != "f":
        return values.tolist()
    x = values.astype(np.float64)  # float32 → the same doubles tolist() would give
    finite = np.isfinite(x)
    if digits is not None:
        scale = 10.0**digits
        with np.errstate(invalid="ignore", over="ignore"):
            y = x * scale
            rounded = np.rint(y) / scale
            half = np.abs(y - np.floor(y) - 0.5)
            doubtful = finite & ~((np.abs(y) < _EXACT) & (half > np.abs(y) * _DOUBT))
        for i in np.flatnonzero(doubtful).tolist():
            rounded[i] = round(float(x[i]), digits)
        x = rounded
    items = x.tolist()
    if not finite.all():
        for i in np.flatnonzero(~finite).tolist():
            items[i] = None
    return items


def snapshot_columns(result: ScoreResult, indices: np.ndarray) -> dict[str, list]:
    """score, grade, color, veto (JSON text) and components (JSON text of the explanation a
    snapshot keeps: components, confidence, rate_interval, hours_imputed) of the rows at
    `indices`, each as a list aligned with them."""
    idx = np.asarray(indices, dtype=np.int64)

    def col(values, digits: int | None = None) -> list:
        return plain_column(np.asarray(values)[idx], digits)

    fired = np.stack([np.asarray(result.veto[r])[idx] for r in VETO_RULES], axis=1)
    vetoes = ["[]"] * len(idx)  # most firms have none
    for row in np.flatnonzero(fired.any(axis=1)).tolist():
        rules = [rule for rule, hit in zip(VETO_RULES, fired[row], strict=True) if hit]
        vetoes[row] = orjson.dumps(rules).decode()
    return {
        "score": col(result.score, 1),
        "grade": col(result.grade),
        "color": col(result.color),
        "veto": vetoes,
        "components": _explanations(result, col),
    }


def _explanations(result: ScoreResult, col) -> list[str]:
    """Each row's explanation as JSON text, the text orjson writes for the dict
    {components: {name: {score, weight, inputs}}, confidence, rate_interval, hours_imputed}.

    Every row has the same shape, so the document is written once with a marker in each
    varying place, turned into a %-template, and filled per row from columns whose values
    were encoded by one orjson call each: building 11 dicts per row cost more than the rest."""
    slots: list[list[str]] = []

    def slot(values, digits: int | None = None) -> _Slot:
        values = np.asarray(values)
        return words(col(values, digits), numeric=values.dtype.kind in "fiub")

    def words(values: list, numeric: bool = False) -> _Slot:
        slots.append(_tokens(values, numeric=numeric))
        return _Slot(len(slots) - 1)

    acc = result.inputs["accidents"]
    document = {
        "components": {
            name: {
                "score": slot(result.components[name], 1),
                "weight": plain_column(np.asarray([result.weights[name]]))[0],
                "inputs": {key: slot(result.inputs[name][key], 4) for key in ROW_INPUTS[name]},
            }
            for name in COMPONENTS
        },
        "confidence": words(["low" if low else "normal" for low in col(result.confidence_low)]),
        "rate_interval": {
            "low": slot(result.rate_ci_low, 3),
            "high": slot(result.rate_ci_high, 3),
            "cases": slot(acc["cases"]),
            "hours": slot(acc["hours"], 1),
            "unit": RATE_UNIT,
        },
        "hours_imputed": slot(result.hours_imputed),
    }
    text = orjson.dumps(document, default=_Slot.marker).decode().replace("%", "%%")
    markers = [orjson.dumps(_Slot(k).marker()).decode() for k in range(len(slots))]
    order = sorted(range(len(slots)), key=lambda k: text.index(markers[k]))
    for marker in markers:
        text = text.replace(marker, "%s")
    return [text % row for row in zip(*(slots[k] for k in order), strict=True)]


class _Slot:
    """A place in the explanation document that each row fills."""

    __slots__ = ("number",)

    def __init__(self, number: int):
        self.number = number

    def marker(self) -> str:
        return f"\x00slot{self.number}\x00"


def _tokens(values: list, *, numeric: bool) -> list[str]:
    """The JSON text of each value, as orjson writes it anywhere in a document."""
    if numeric:  # numbers, booleans, null: one call, and none of their texts has a comma
        return orjson.dumps(values).decode()[1:-1].split(",") if values else []
    known: dict = {}  # words from a short vocabulary: encode each once
    return [
        known[v] if v in known else known.setdefault(v, orjson.dumps(v).decode()) for v in values
    ]

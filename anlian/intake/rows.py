"""Raw rows to typed values with a kind's marshmallow schema, fast enough for 100k-row files.

`Schema.load` per row costs more than the rest of an import together, so rows are taken in
batches and converted column by column, each distinct cell of a column once: files repeat
their dates, outcomes, USCCs and amounts endlessly. The verdicts are the schema's own: the same
fields, validators and cross-field rules (`findings`) that `Schema.load` runs.
"""

from datetime import date
from typing import NamedTuple

from marshmallow import ValidationError

from models.base import month_of

from . import messages as M
from .columns import Header
from .errors import Problems, reject
from .schemas import RowSchema
from .xlsx import column_letters

# Enough for every repeated value of a column; unique ones (references) stop filling it.
CACHE_LIMIT = 20_000
_MISS = object()


class Failure(NamedTuple):
    template: str
    params: dict


class RowConverter:
    """Converts batches of data rows to dicts of field values, reporting each bad cell."""

    def __init__(self, schema: RowSchema, header: Header, month_from: str | None = None, *,
                 text_only: bool = False):
        self.schema, self.header, self.month_from = schema, header, month_from
        # CSV cells are all str; calamine's may be 1.0 and True, which hash alike.
        self.text_only = text_only
        self.plan = [(index, header.written[code], schema.fields[code], {})
                     for code, index in header.index.items()]
        self.names = list(header.index)
        self.spare = sorted(set(range(header.width)) - set(header.index.values()) - header.ignored)
        self.cross_field = type(schema).findings is not RowSchema.findings

    def convert(self, batch: list, problems: Problems) -> list[tuple[int, dict]]:
        """The valid rows of `batch` as (row number, values); problems recorded per cell."""
        bad: set[int] = set()
        columns = [self._column(batch, item, bad, problems) for item in self.plan]
        names = self.names
        if self.month_from in names:
            columns.append(_months(columns[names.index(self.month_from)]))
            names = [*names, "month"]
        rows = list(zip(*columns, strict=True)) if columns else [()] * len(batch)
        if self.spare or any(len(cells) > self.header.width for _, cells in batch):
            bad.update(i for i, (n, cells) in enumerate(batch) if not self._spare_ok(n, cells,
                                                                                     problems))
        if not bad and not self.cross_field:
            return [(n, dict(zip(names, row, strict=True)))
                    for (n, _), row in zip(batch, rows, strict=True)]
        out = []
        for i, ((number, _), row) in enumerate(zip(batch, rows, strict=True)):
            if i not in bad:
                values = dict(zip(names, row, strict=True))
                if self._cross_field_ok(number, values, problems):
                    out.append((number, values))
        return out

    def _keys(self, batch: list, index: int) -> list:
        try:
            raws = [cells[index] for _, cells in batch]
        except IndexError:
            raws = [cells[index] if index < len(cells) else "" for _, cells in batch]
        if self.text_only:
            return raws
        return [raw if raw.__class__ is str else (raw.__class__, raw) for raw in raws]

    def _column(self, batch: list, item, bad: set[int], problems: Problems) -> list:
        """One column of the batch, converted once per distinct cell."""
        index, written, field, cache = item
        keys = self._keys(batch, index)
        table = {}
        for key in set(keys):
            value = cache.get(key, _MISS)
            if value is _MISS:
                value = _convert(field, key[1] if key.__class__ is tuple else key)
                if len(cache) < CACHE_LIMIT:
                    cache[key] = value
            table[key] = value
        failed = {key for key, value in table.items() if value.__class__ is Failure}
        if failed:
            for i, key in enumerate(keys):
                if key in failed:
                    problems.add(batch[i][0], written, table[key].template, **table[key].params)
                    bad.add(i)
        return list(map(table.__getitem__, keys))

    def _spare_ok(self, number: int, cells: list, problems: Problems) -> bool:
        ok = True
        for index in self.spare + list(range(self.header.width, len(cells))):
            if index < len(cells) and str(cells[index]).strip():
                where = column_letters(index)
                if index >= self.header.width:
                    problems.add(number, where, M.EXTRA_CELLS)
                else:
                    problems.add(number, where, M.UNNAMED_COLUMN, position=where)
                ok = False
        return ok

    def _cross_field_ok(self, number: int, values: dict, problems: Problems) -> bool:
        written, ok = self.header.written, True
        for name, template, params in self.schema.findings(values):
            if "other" in params:
                params = {**params, "other": written.get(params["other"], params["other"])}
            problems.add(number, written.get(name, name), template, **params)
            ok = False
        return ok


def _months(days: list) -> list:
    months = {d: month_of(d) for d in {d for d in days if d.__class__ is date}}
    return [months[d] if d.__class__ is date else None for d in days]


def _convert(field, raw):
    if raw is None or (raw.__class__ is str and not raw.strip()):
        if field.required:
            return Failure(M.REQUIRED, {})
        default = field.load_default
        return default() if callable(default) else default
    try:
        # Field.deserialize minus its missing/None/pre_load/post_load handling, which these
        # fields do not use: a third of the cost on columns whose cells are all distinct.
        value = field._deserialize(raw, None, None)
        if field.validators:
            field._validate(value)
        return value
    except ValidationError as err:
        if "template" in err.kwargs:
            return Failure(err.kwargs["template"], err.kwargs["params"])
        return Failure(M.INVALID, {"detail": "; ".join(map(str, err.messages))})


def convert_rows(converter: RowConverter, batches, problems: Problems, limits, progress=None):
    """Every valid row as (row number, values), and the count of non-blank data rows."""
    out, count = [], 0
    for batch in batches:
        count += len(batch)
        if count > limits.max_rows:
            reject(M.TOO_MANY_ROWS, limit=limits.max_rows)
        if batch:
            out.extend(converter.convert(batch, problems))
        if progress:
            progress(count)
    return out, count

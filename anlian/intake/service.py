"""`run_import`: one file, validated completely, then written all-or-nothing in the caller's
transaction (the caller commits; on any problem nothing has been written)."""

import gc
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from anlian.scope import Scope

from . import messages as M
from . import refs, writer
from .columns import Header, match_header
from .errors import Problems
from .kinds import kind_spec
from .reader import Table, read_table
from .rows import RowConverter, convert_rows

MiB = 1 << 20


@dataclass(frozen=True)
class ImportLimits:
    """Upper bounds on what one upload may cost."""

    max_bytes: int = 20 * MiB
    max_rows: int = 200_000
    max_xlsx_entries: int = 100
    max_unpacked: int = 200 * MiB
    max_ratio: int = 100
    # Cells in the sheet's used rectangle; the XLSX reader allocates all of them.
    max_cells: int = 5_000_000


@dataclass
class ImportResult:
    """What an import changed (or, in a dry run, would change)."""

    inserted: int
    updated: int
    unchanged: int
    affected_enterprise_ids: set[int]
    rows: int
    preview: list[dict] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict:
        """The counts the API returns."""
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}


def run_import(
    session,
    scope: Scope,
    kind: str,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    sheet: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    limits: ImportLimits = ImportLimits(),  # noqa: B008 - frozen, so one shared default is safe
    today: date,
) -> ImportResult:
    """Import `data` as rows of `kind`; ImportRejected (nothing written) on any problem.

    `progress(done, total)` counts work units: each row once when validated and once when
    written, so `total` is twice the rows (estimated until the file has been read).
    """
    spec = kind_spec(kind)
    refs.check_allowed(scope, kind)
    with _collector_paused():
        rows, count = _checked_rows(session, scope, spec, data, filename, sheet=sheet,
                                    limits=limits, today=today, progress=progress)
        plan = writer.plan_changes(session, spec, rows)
        if not dry_run:
            step = (lambda done: progress(count + done, 2 * count)) if progress else None
            writer.apply(session, scope, spec, plan, filename, step)
    if progress:
        progress(2 * count, 2 * count)
    return ImportResult(len(plan.inserts), len(plan.updates), plan.unchanged, plan.affected,
                        count, plan.preview, dry_run)


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector for the import: it allocates a few hundred thousand
    small containers that all live until the end, and the collector rescanned them over and
    over (half of the validation time for 100k rows). They hold no reference cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _checked_rows(session, scope, spec, data, filename, *, sheet, limits, today, progress):
    """The file's rows, typed and resolved, and the count of data rows; or ImportRejected."""
    table = read_table(data, filename, sheet=sheet, limits=limits)
    problems = Problems()
    header = match_header(spec.name, table.header_row, table.header, problems)
    header_ok = not problems
    _formula_errors(table, problems)
    rows, count = _validate(spec, header, table, today, problems, limits, progress)
    if header_ok:
        # Without every key column the references cannot be looked up; the cells still were.
        refs.resolve(session, scope, spec, rows, header.written, problems)
    problems.raise_if_any()
    return rows, count


def _validate(spec, header: Header, table: Table, today, problems, limits, progress):
    estimate = max(table.size_hint - table.header_row, 1)
    converter = RowConverter(spec.schema(today=today), header, spec.month_from,
                             text_only=table.text_only)
    step = (lambda done: progress(done, 2 * max(estimate, done))) if progress else None
    rows, count = convert_rows(converter, table.rows, problems, limits, step)
    if count == 0:
        problems.add(None, None, M.NO_DATA_ROWS)
    return rows, count


def _formula_errors(table: Table, problems: Problems) -> None:
    for row, col in table.formulas:
        cell = table.header[col] if col is not None and col < len(table.header) else None
        column = str(cell).strip() or None if cell is not None else None
        problems.add(row, column, M.FORMULA_CELL)

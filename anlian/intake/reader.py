"""Uploaded bytes to a header row and data rows, for CSV (UTF-8, UTF-8 BOM, GBK) and XLSX.

Row numbers are the spreadsheet's own (header = 1 when it is the first row), counting blank rows
and, in CSV, counting a quoted cell with line breaks as one row, as Excel shows it.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, islice

import python_calamine

from . import messages as M
from . import xlsx
from .errors import reject

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls container
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_DELIMITERS = (",", ";", "\t")
BATCH = 5_000


@dataclass
class Table:
    """A file's header row and its non-blank data rows, in batches of (row number, cells)."""

    header_row: int
    header: list
    rows: Iterator[list[tuple[int, list]]]
    formulas: list[tuple[int | None, int | None]] = field(default_factory=list)
    # Rows in the file, counted cheaply before parsing (for progress; may over-count a little).
    size_hint: int = 0
    # CSV cells are always str; XLSX cells may be numbers, booleans and dates.
    text_only: bool = False


def read_table(data: bytes, filename: str, *, sheet: str | None, limits) -> Table:
    """Read a CSV or XLSX upload, rejecting what is too large, unreadable or empty."""
    if len(data) > limits.max_bytes:
        reject(M.FILE_TOO_LARGE, size=len(data), limit=limits.max_bytes)
    if data.startswith(_ZIP):
        rows, formulas, hint = _xlsx_rows(data, sheet, limits)
    elif data.startswith(_OLE):
        reject(M.OLD_XLS)
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        reject(M.BAD_XLSX, reason="not a zip container")
    else:
        rows, formulas, hint = _csv_rows(data), [], data.count(b"\n") + 1
    for batch in rows:
        if batch:
            (number, cells), rest = batch[0], batch[1:]
            text_only = not data.startswith(_ZIP)
            return Table(number, cells, chain([rest], rows), formulas, hint, text_only)
    reject(M.EMPTY_FILE)


def is_blank(cells: list) -> bool:
    """True when every cell is empty or whitespace."""
    try:
        return not "".join(cells).strip()
    except TypeError:  # a number, date or boolean from calamine: not blank, unless None
        return None in cells and all(c is None or (c.__class__ is str and not c.strip())
                                     for c in cells)


def _batches(numbered: Iterator, reader=None) -> Iterator[list[tuple[int, list]]]:
    """Numbered rows in batches, blank rows dropped (islice keeps the loop in C)."""
    while True:
        try:
            batch = list(islice(numbered, BATCH))
        except csv.Error as exc:
            reject(M.BAD_CSV, line=reader.line_num if reader else 0, reason=str(exc))
        if not batch:
            return
        yield [(number, cells) for number, cells in batch if not is_blank(cells)]


def decode(data: bytes) -> str:
    """Text from UTF-8 (with or without BOM), else GB18030 (a superset of GBK), strictly."""
    if data.startswith(_UTF16) or b"\x00" in data:
        reject(M.BAD_ENCODING)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        # UTF-8 with a few damaged bytes would still "decode" as GB18030, into nonsense.
        reject(M.BAD_ENCODING)
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        reject(M.BAD_ENCODING)


def _mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII characters are valid UTF-8 (GBK text almost never is)."""
    text = data.decode("utf-8", errors="replace")
    damaged = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return non_ascii - damaged > damaged


def sniff_delimiter(text: str) -> str:
    """The most frequent of `,` `;` tab in the first non-empty line (comma on a tie)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(_DELIMITERS, key=lambda d: (first.count(d), d == ","))


def _csv_rows(data: bytes) -> Iterator[list[tuple[int, list]]]:
    text = decode(data)
    if not text.strip():
        reject(M.EMPTY_FILE)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), strict=True)
    return _batches(enumerate(reader, start=1), reader)


def _xlsx_rows(data: bytes, sheet: str | None, limits):
    archive = xlsx.open_checked(data, limits)
    path, _names = xlsx.sheet_part(archive, sheet)
    scan = xlsx.scan_sheet(archive, path)
    cells = scan.max_row * scan.max_col
    if cells > limits.max_cells:
        ref = f"{xlsx.column_letters(scan.max_col - 1)}{scan.max_row}"
        reject(M.TOO_MANY_CELLS, cells=cells, ref=ref, limit=limits.max_cells)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        found = book.get_sheet_by_name(sheet) if sheet else book.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises several unrelated types for a damaged file
        reject(M.BAD_XLSX, reason=str(exc) or type(exc).__name__)
    first_col = found.start[1] if found.start else 0
    formulas = [(r, None if c is None else c - first_col) for r, c in scan.formulas]
    return _batches(enumerate(found.iter_rows(), start=1)), formulas, scan.max_row

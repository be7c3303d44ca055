"""XLSX safety checks made with `zipfile` before any parser sees the file.

A small upload can unpack to gigabytes (a zip bomb), or name two cells so far apart that a
reader allocating the sheet's full rectangle runs out of memory; and formula cells carry values
the importer cannot trust (stale or absent caches). Everything here streams, in bounded memory.
"""

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from posixpath import join, normpath

from defusedxml import ElementTree

from . import messages as M
from .errors import reject

# Small parts (styles, themes) compress far beyond any sane ratio and are harmless.
RATIO_FLOOR = 1 << 20
_CHUNK = 1 << 20
# Cell references: ` r="B12"` is only ever a cell's; rows' `r` are digits alone.
_CELL_COLUMN = re.compile(rb' r="([A-Z]{1,3})[0-9]')
_CELL_ROW = re.compile(rb' r="[A-Z]{1,3}([0-9]{1,9})"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_OR_FORMULA = re.compile(rb' r="([A-Z]{1,3})([0-9]{1,9})"|' + _FORMULA.pattern)


@dataclass
class SheetScan:
    """What the raw sheet XML holds: formula cells (row, 0-based column), its extent."""

    formulas: list[tuple[int | None, int | None]]
    max_row: int = 0
    max_col: int = 0


def open_checked(data: bytes, limits) -> zipfile.ZipFile:
    """The workbook as a zip, after checking entry count, unpacked size and ratios: first as
    the zip's directory declares them, then as they really inflate."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        reject(M.BAD_XLSX, reason=str(exc))
    if len(infos) > limits.max_xlsx_entries:
        reject(M.ZIP_ENTRIES, count=len(infos), limit=limits.max_xlsx_entries)
    _check_sizes(infos, [i.file_size for i in infos], limits)
    # The declared sizes are the uploader's claim; a reader that trusts them can be flooded.
    actual = [_inflated_size(data, info, limits.max_unpacked) for info in infos]
    for info, size in zip(infos, actual, strict=True):
        if size != info.file_size and size <= limits.max_unpacked:
            reject(M.BAD_XLSX, reason=f"part {info.filename} does not have its declared size")
    _check_sizes(infos, actual, limits)
    return archive


def _check_sizes(infos, sizes: list[int], limits) -> None:
    total = sum(sizes)
    if total > limits.max_unpacked:
        reject(M.ZIP_UNPACKED, size=total, limit=limits.max_unpacked)
    for info, size in zip(infos, sizes, strict=True):
        ratio = size / max(info.compress_size, 1)
        if size > RATIO_FLOOR and ratio > limits.max_ratio:
            reject(M.ZIP_RATIO, entry=info.filename, ratio=int(ratio), limit=limits.max_ratio)


def _inflated_size(data: bytes, info: zipfile.ZipInfo, budget: int) -> int:
    """What the entry really unpacks to, inflating in pieces and stopping past `budget`."""
    raw = _raw_entry(data, info)
    if info.compress_type == zipfile.ZIP_STORED:
        return len(raw)
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 1:
        reject(M.BAD_XLSX, reason=f"part {info.filename} is encrypted or oddly compressed")
    inflater, size, pending = zlib.decompressobj(-zlib.MAX_WBITS), 0, raw
    try:
        while size <= budget:
            out = inflater.decompress(pending, _CHUNK)
            size, pending = size + len(out), inflater.unconsumed_tail
            if not out and not pending:
                return size
    except zlib.error as exc:
        reject(M.BAD_XLSX, reason=f"part {info.filename}: {exc}")
    return size


def _raw_entry(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """The entry's compressed bytes, located through its local header."""
    start = info.header_offset
    header = data[start:start + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        reject(M.BAD_XLSX, reason=f"part {info.filename} has no local header")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    begin = start + 30 + name_length + extra_length
    return data[begin:begin + info.compress_size]


def sheet_part(archive: zipfile.ZipFile, sheet: str | None) -> tuple[str, list[str]]:
    """The zip path of the named (or first) worksheet, and all sheet names."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception as exc:  # any damage to these parts means "cannot be read"
        reject(M.BAD_XLSX, reason=str(exc) or type(exc).__name__)
    targets = {
        el.get("Id"): el.get("Target", "") for el in rels.iter() if _local(el) == "Relationship"
    }
    sheets = [(el.get("name"), _rel_id(el)) for el in book.iter() if _local(el) == "sheet"]
    names = [name for name, _ in sheets]
    chosen = next((rid for name, rid in sheets if sheet in (None, name)), None)
    if chosen is None:
        reject(M.NO_SUCH_SHEET, sheet=sheet, sheets=names)
    target = targets.get(chosen, "")
    path = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
    return path, names


def _local(element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _rel_id(element) -> str | None:
    return next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)


def scan_sheet(archive: zipfile.ZipFile, path: str) -> SheetScan:
    """Stream one worksheet's XML for formula cells and its true extent."""
    scan = SheetScan([])
    try:
        stream = archive.open(path)
    except KeyError:
        reject(M.BAD_XLSX, reason=f"missing part {path}")
    tail, last_cell = b"", None
    try:
        with stream:
            while chunk := stream.read(_CHUNK):
                buf = tail + chunk
                # Cut before the last tag so that no tag is split between two pieces.
                cut = buf.rfind(b"<")
                part, tail = (buf[:cut], buf[cut:]) if cut > 0 else (buf, b"")
                last_cell = _scan_part(scan, part, last_cell)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # a bad CRC, a truncated part
        reject(M.BAD_XLSX, reason=str(exc))
    _scan_part(scan, tail, last_cell)
    return scan


def _scan_part(scan: SheetScan, part: bytes, last_cell):
    """Update the extent from one piece of XML (in C, by findall); locate formulas if any."""
    rows = _CELL_ROW.findall(part)
    if rows:
        scan.max_row = max(scan.max_row, max(map(int, set(rows))))
    letters = _CELL_COLUMN.findall(part)
    if letters:
        widest = max(set(letters), key=lambda ref: (len(ref), ref))
        scan.max_col = max(scan.max_col, _column_number(widest.decode()))
    if (b"<f" in part or b":f" in part) and _FORMULA.search(part):
        for match in _CELL_OR_FORMULA.finditer(part):
            if match.group(1):
                last_cell = int(match.group(2)), _column_number(match.group(1).decode()) - 1
            else:
                scan.formulas.append(last_cell or (None, None))
        return last_cell
    if rows:
        last_cell = int(rows[-1]), _column_number(letters[-1].decode()) - 1
    return last_cell


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def column_letters(index: int) -> str:
    """Spreadsheet letters for a 0-based column index (0 → A)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters

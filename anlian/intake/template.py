"""Blank import templates with Chinese headers, as CSV (UTF-8 with BOM) or XLSX."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from .columns import COLUMNS
from .kinds import kind_spec


def headers(kind: str) -> list[str]:
    """The Chinese headers of `kind`, in template order."""
    kind_spec(kind)
    return [c.zh for c in COLUMNS[kind]]


def template(kind: str, fmt: str = "csv") -> bytes:
    """A header-only template; the BOM makes Excel open the CSV as UTF-8, not as GBK."""
    if fmt == "csv":
        return ("\ufeff" + ",".join(headers(kind)) + "\r\n").encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(kind)
    raise ValueError(f"unknown template format {fmt!r}; use csv or xlsx")


def _xlsx(kind: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = kind
    sheet.append(headers(kind))
    for cell, column in zip(sheet[1], COLUMNS[kind], strict=True):
        # Bold marks the columns every row must fill.
        cell.font = Font(bold=column.required)
        sheet.column_dimensions[cell.column_letter].width = max(12, 2 * len(column.zh) + 4)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

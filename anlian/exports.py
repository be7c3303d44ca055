"""Tables as CSV or XLSX downloads, safe to open in a spreadsheet.

A cell that begins with = + - @ (or a tab / carriage return) would run as a formula when
opened: such text is written with a leading apostrophe, as OWASP advises, and XLSX cells are
written as explicit strings so openpyxl never turns them into live formulas.
"""

import csv
import io
from decimal import Decimal

from flask import Response, request
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

from models.base import N_

from .errors import Invalid

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralise(value):
    """Text that a spreadsheet would evaluate, made inert; numbers pass through unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: list[str], rows) -> bytes:
    """UTF-8 with BOM, so Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(_cell(v)) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(header: list[str], rows, *, sheet: str = "Sheet1") -> bytes:
    """One sheet; text cells typed as strings so nothing becomes a formula."""
    book = Workbook(write_only=False)
    worksheet = book.active
    worksheet.title = sheet[:31]
    worksheet.append([neutralise(h) for h in header])
    for row in rows:
        worksheet.append([_cell(v) for v in row])
    for line in worksheet.iter_rows(min_row=1):
        for cell in line:
            if isinstance(cell.value, str):
                cell.value = neutralise(cell.value)
                cell.data_type = TYPE_STRING
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | dict):
        return str(value)
    return value


def requested_format() -> str:
    """A download's `?format=`: csv (the default) or xlsx; 422 naming the field otherwise."""
    fmt = request.args.get("format", "csv")
    if fmt not in MIMETYPES:
        raise Invalid({"format": [(N_("Must be one of: {choices}."), {"choices": "csv, xlsx"})]})
    return fmt


def download(header: list[str], rows, *, fmt: str, filename: str) -> Response:
    """A CSV or XLSX attachment response."""
    rows = list(rows)
    body = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows)
    response = Response(body, mimetype=MIMETYPES[fmt])  # werkzeug adds charset=utf-8 to text/*
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response

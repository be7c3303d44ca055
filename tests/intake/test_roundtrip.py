"""Round trip: template, filled in, imported, exported again from the database: same content."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from anlian.db import open_session
from anlian.intake import COLUMNS, template
from anlian.intake.kinds import SPECS
from models import Enterprise
from tests.data.make_corpus import USCCS

A, B, C = USCCS
FILLED = {
    "enterprises": [["91350582MA2Y00009P", "晋江市新鞋业有限公司", "footwear_apparel", "安海镇",
                     "120", "level3", "red", "是"]],
    "memberships": [["1", A, "2024-01-01", "2", "2024-12-31", "500000.00"]],
    "work_hours": [[A, "2024-03", "12000.5", "80"], [B, "2024-03", "9000", ""]],
    "accidents": [[A, "2024-03-05", "fatal", "AC-1", "0", "1", "250000.00", "insurance",
                   "第一行\n第二行"]],
    "inspections": [[A, "2024-03-05", "fine", "JC-1", "晋江市应急管理局", "2", "12345.50"],
                    [C, "2024-04-01", "none", "JC-2", "执法大队", "0", "0.00"]],
    "hazards": [[B, "2025-06-01", "major", "HZ-1", "self_check", "整改\n中", "2025-09-30", ""]],
    "ratings": [["1", B, "2025-05", "quality", "88.50"], ["2", A, "2025-05", "price", "70.00"]],
}


def cell(value) -> str:
    """A stored value written the way the filled template wrote it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def export(engine, kind: str, after_id: int) -> list[list[str]]:
    """The kind's rows added after `after_id`, as template columns, read back from the DB."""
    spec = SPECS[kind]
    table, codes = spec.table, [c.code for c in COLUMNS[kind]]
    columns = [Enterprise.uscc if c == "uscc" and kind != "enterprises" else table.c[c]
               for c in codes]
    query = select(*columns).where(table.c.id > after_id).order_by(table.c.id)
    if kind != "enterprises":
        query = query.join(Enterprise, Enterprise.id == table.c.enterprise_id)
    with open_session(engine, write=False) as session:
        return [[cell(v) for v in row] for row in session.execute(query)]


def max_id(engine, kind: str) -> int:
    table = SPECS[kind].table
    with open_session(engine, write=False) as session:
        return session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()


def fill_csv(kind: str, rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return template(kind, "csv") + out.getvalue().encode("utf-8")


@pytest.mark.parametrize("kind", list(FILLED))
def test_csv_template_round_trip(engine, importer, kind):
    start = max_id(engine, kind)
    result = importer(kind, fill_csv(kind, FILLED[kind]))
    assert result.inserted == len(FILLED[kind])
    assert export(engine, kind, start) == FILLED[kind]
    exported = fill_csv(kind, export(engine, kind, start))
    assert exported == fill_csv(kind, FILLED[kind])
    assert importer(kind, exported).unchanged == len(FILLED[kind])


def test_xlsx_template_round_trip(engine, importer):
    book = load_workbook(io.BytesIO(template("inspections", "xlsx")))
    typed = [[A, date(2024, 3, 5), "fine", "JC-1", "晋江市应急管理局", 2, 12345.5],
             [C, date(2024, 4, 1), "none", "JC-2", "执法大队", 0, 0]]
    for row in typed:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    assert importer("inspections", out.getvalue(), filename="filled.xlsx").inserted == 2
    assert export(engine, "inspections", 0) == FILLED["inspections"]
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue())).get_sheet_by_index(0)
    assert sheet.to_python()[0] == [c.zh for c in COLUMNS["inspections"]]

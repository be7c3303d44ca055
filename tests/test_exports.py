"""Exports neutralise spreadsheet formulas in both formats."""

import csv
import io

from openpyxl import load_workbook

from anlian.exports import to_csv, to_xlsx

ROWS = [["=1+1", "+SUM(A1)", "-2+3", "@cmd", "安全", 12.5, None], ["plain", "a=b", 0, -3, "", 1, 2]]
HEADER = ["a", "b", "c", "d", "e", "f", "g"]


def test_csv_cells_cannot_become_formulas():
    text = to_csv(HEADER, ROWS).decode("utf-8-sig")
    first, second = list(csv.reader(io.StringIO(text)))[1:]
    assert first[:5] == ["'=1+1", "'+SUM(A1)", "'-2+3", "'@cmd", "安全"]
    assert second[:4] == ["plain", "a=b", "0", "-3"]


def test_xlsx_cells_are_strings_not_formulas():
    sheet = load_workbook(io.BytesIO(to_xlsx(HEADER, ROWS))).active
    values = [cell.value for cell in sheet[2]]
    assert values[:5] == ["'=1+1", "'+SUM(A1)", "'-2+3", "'@cmd", "安全"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet["F2"].value == 12.5 and sheet["D3"].value == -3

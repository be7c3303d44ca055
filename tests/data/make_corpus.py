"""Write the intake corpus: real CSV and XLSX files as messy exports produce them.

    .venv/bin/python tests/data/make_corpus.py

The CSV files come out byte-identical on every run; the XLSX files differ only in the save
time openpyxl stamps on them.
The enterprises the files name are `USCCS` (the tests create them); `OTHER` is a valid USCC
no enterprise has.
"""

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

from models.uscc import make_uscc

HERE = Path(__file__).parent
USCCS = [make_uscc(f"91350582MA2Y{i:05d}") for i in range(1, 4)]
OTHER = make_uscc("91350582MA2X00001")
A, B, C = USCCS
INSPECTIONS = "统一社会信用代码,检查日期,处理结果,来源编号,执法机关,违法行为数,罚款金额(元)"


def csv_text(*lines: str) -> str:
    return "\r\n".join(lines) + "\r\n"


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def good_csvs() -> None:
    text = csv_text(
        INSPECTIONS,
        f"{A},2024-03-05,罚款,JC-001,晋江市应急管理局,2,\"12,345.50\"",
        f"{B},2014/3/13,Warning,JC-002,晋江市应急管理局,1,0",
        f" {C.lower()} ,2014-03-13 00:00:00,责令限期整改,1229035.0,执法大队,3,",
    )
    write("inspections_gbk.csv", text.encode("gbk"))
    write("inspections_utf8_bom.csv", text.encode("utf-8-sig"))
    write("inspections_semicolon.csv", text.replace(",", ";").replace('"12;345.50"', "12345.50")
          .encode("utf-8"))
    write("inspections_utf16.csv", text.encode("utf-16"))


def bad_headers() -> None:
    header = INSPECTIONS
    write("missing_column.csv", csv_text(header.replace(",处理结果", ""),
                                         f"{A},2024-03-05,JC-1,局,0,0").encode())
    write("unknown_column.csv", csv_text(header + ",备注", f"{A},2024-03-05,fine,JC-1,局,0,5,x")
          .encode())
    write("duplicate_column.csv", csv_text(header + ",outcome", f"{A},2024-03-05,fine,JC-1,局,0,5,"
                                           "fine").encode())
    write("empty.csv", b"")
    write("header_only.csv", (INSPECTIONS + "\r\n").encode("utf-8-sig"))
    write("old_binary.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))


def bad_cells() -> None:
    header = INSPECTIONS
    write("bad_dates.csv", csv_text(
        header,
        f"{A},06/28/11,fine,D-1,局,0,5",
        f"{A},1969-12-31,fine,D-2,局,0,5",
        f"{A},2014-03-13 00:00:00,fine,D-3,局,0,5",
        f"{A},2014/3/13,fine,D-4,局,0,5",
        f"{A},03/13/2014,fine,D-5,局,0,5",
        f"{A},9999-12-31,fine,D-6,局,0,5",
        f"{A},2031-01-01,fine,D-7,局,0,5",
        f"{A},2023-02-30,fine,D-8,局,0,5",
        f"{A},1900-01-01,fine,D-9,局,0,5",
    ).encode())
    write("bad_uscc.csv", csv_text(
        header,
        f"{A[:-1]}{'1' if A[-1] != '1' else '2'},2024-03-05,fine,U-1,局,0,5",
        f"{A[:-1]},2024-03-05,fine,U-2,局,0,5",
        f"{A[:-1]}I,2024-03-05,fine,U-3,局,0,5",
        f"{OTHER},2024-03-05,fine,U-4,局,0,5",
    ).encode())
    write("negative_penalty.csv", csv_text(header, f"{A},2024-03-05,fine,N-1,局,0,-500",
                                           f"{A},2024-03-05,fine,N-2,局,-1,\"1,000\"").encode())
    write("duplicate_rows.csv", csv_text(
        header,
        f"{A},2024-03-05,fine,R-1,局,0,5",
        f"{B},2024-03-05,fine,R-1,局,0,5",
        f"{A.lower()},2024-03-06,warning,R-1,局,0,0",
        f"{A},2024-03-05,fine,1229035,局,0,5",
        f"{A},2024-03-05,fine,1229035.0,局,0,5",
    ).encode())


def xlsx_bytes(rows: list[list], title: str = "Sheet1") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_files() -> None:
    header = INSPECTIONS.split(",")
    write("inspections_excel_dates.xlsx", xlsx_bytes([
        header,
        [A, date(2024, 3, 5), "罚款", 1229035, "晋江市应急管理局", 2.0, 12345.5],
        [B, datetime(2014, 3, 13, 0, 0), "FINE", "JC-002", "晋江市应急管理局", 1, 0],
        [None, None, None, None, None, None, None],
        [C, "2014/3/13", "warning", 7.0, "执法大队", None, None],
    ], title="检查记录"))
    write("formula.xlsx", xlsx_bytes([
        header,
        [A, date(2024, 3, 5), "fine", "F-1", "局", 1, "=100*2"],
        [B, date(2024, 3, 5), "fine", "F-2", "局", 1, 100],
    ]))
    write("excel_number_date.xlsx", xlsx_bytes([
        header, [A, 45356, "fine", "E-1", "局", 1, 100],
    ]))


def zip_bomb() -> None:
    """A valid workbook whose one sheet unpacks to 201 MiB (just over the limit) from a file
    of about 300 KB: a compression ratio near deflate's maximum of about 1,000:1."""
    template = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["x"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in template.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info.filename, template.read(info.filename))
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats'
                        b'.org/spreadsheetml/2006/main"><sheetData>')
            row = b'<row><c t="inlineStr"><is><t>' + b"A" * 4000 + b"</t></is></c></row>"
            block = row * 256
            for _ in range(201 * 2**20 // len(block) + 1):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    write("zip_bomb.xlsx", out.getvalue())


def sparse_sheet() -> None:
    """Two cells far apart: tiny on disk, but a 17-billion-cell rectangle to a dense reader."""
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "统一社会信用代码"
    sheet["XFD1048576"] = "x"
    out = io.BytesIO()
    book.save(out)
    write("sparse_sheet.xlsx", out.getvalue())


def main() -> None:
    good_csvs()
    bad_headers()
    bad_cells()
    xlsx_files()
    zip_bomb()
    sparse_sheet()


if __name__ == "__main__":
    main()

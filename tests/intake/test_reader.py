"""Reading uploads: encodings, delimiters, row numbers, XLSX sheets and their safety checks."""

import io
import struct
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook

from anlian.intake import ImportLimits, ImportRejected
from anlian.intake.reader import decode, read_table, sniff_delimiter
from anlian.intake.xlsx import column_letters

TEXT = "统一社会信用代码,企业名称\r\n91350582MA2Y00001Y,晋江市甲鞋业有限公司\r\n"


def table(data: bytes, filename: str = "f.csv", **kwargs):
    found = read_table(data, filename, sheet=kwargs.pop("sheet", None),
                       limits=kwargs.pop("limits", ImportLimits()))
    return found.header_row, found.header, [row for batch in found.rows for row in batch]


def rejected(data: bytes, filename: str = "f.csv", **kwargs) -> str:
    with pytest.raises(ImportRejected) as caught:
        table(data, filename, **kwargs)
    [error] = caught.value.errors
    return error.key


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_are_detected_without_garbling(encoding):
    assert decode(TEXT.encode(encoding)) == TEXT


@pytest.mark.parametrize("data", [TEXT.encode("utf-16"), TEXT.encode("utf-16-le"),
                                  TEXT.encode("utf-8").replace(b"\xe7\x94\xb2", b"\xe7\x94"),
                                  b"\x81\x30\x81"])
def test_undecodable_or_damaged_text_is_refused(data):
    assert rejected(data) == "bad_encoding"


@pytest.mark.parametrize(("line", "delimiter"), [("a,b,c", ","), ("a;b;c", ";"),
                                                 ("a\tb\tc", "\t"), ("a;b,c", ","),
                                                 ("\n\na\tb", "\t"), ("abc", ",")])
def test_delimiter_sniffing(line, delimiter):
    assert sniff_delimiter(line) == delimiter


def test_rows_are_numbered_as_the_sheet_shows_them():
    data = b"\r\n\r\nuscc,description\r\nX,\"one\r\ntwo\"\r\n,\r\nY,three\r\n"
    header_row, header, rows = table(data)
    assert (header_row, header) == (3, ["uscc", "description"])
    assert rows == [(4, ["X", "one\r\ntwo"]), (6, ["Y", "three"])]


@pytest.mark.parametrize(("data", "key"), [
    (b"", "empty_file"), (b"\xef\xbb\xbf", "empty_file"), (b" \r\n,,\r\n", "empty_file"),
    (b"PK\x03\x04garbage", "bad_xlsx"),
])
def test_empty_and_broken_files(data, key):
    assert rejected(data) == key


def test_a_header_alone_has_no_rows():
    assert table(b"uscc\r\n") == (1, ["uscc"], [])


def test_a_csv_named_xlsx_is_not_guessed():
    assert rejected(TEXT.encode(), "upload.xlsx") == "bad_xlsx"


def test_broken_quoting_is_reported():
    assert rejected(b'a,b\r\n"x,y\r\n') == "bad_csv"


def workbook(*sheets) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_first_or_named_sheet_with_typed_cells():
    data = workbook(("说明", [["请填写第二页"]]),
                    ("数据", [[], ["uscc", "day", "n"], ["X", date(2024, 3, 5), 7]]))
    assert table(data)[1] == ["请填写第二页"]
    header_row, header, rows = table(data, sheet="数据")
    assert (header_row, header) == (2, ["uscc", "day", "n"])
    assert rows == [(3, ["X", date(2024, 3, 5), 7.0])]


def test_a_missing_sheet_names_the_sheets():
    with pytest.raises(ImportRejected) as caught:
        table(workbook(("甲", [["a"]]), ("乙", [["b"]])), sheet="丙")
    assert caught.value.errors[0].message == "there is no sheet named 丙; the sheets are 甲, 乙"


def test_formula_cells_are_located():
    found = read_table(workbook(("s", [["a", "b"], [1, "=A2*2"], ["=1", 2]])), "f.xlsx",
                       sheet=None, limits=ImportLimits())
    assert found.formulas == [(2, 1), (3, 0)]


@pytest.mark.parametrize(("limits", "key"), [
    (ImportLimits(max_xlsx_entries=5), "zip_entries"),
    (ImportLimits(max_unpacked=10_000), "zip_unpacked"),
    (ImportLimits(max_bytes=1_000), "file_too_large"),
    (ImportLimits(max_cells=5), "too_many_cells"),
])
def test_xlsx_limits_apply_before_parsing(limits, key):
    data = workbook(("s", [["a", "b"], [1, 2], [3, 4]]))
    assert rejected(data, "f.xlsx", limits=limits) == key


def test_column_letters():
    assert [column_letters(i) for i in (0, 25, 26, 701, 702, 16383)] == [
        "A", "Z", "AA", "ZZ", "AAA", "XFD"]


def declaring(data: bytes, part: str, size: int) -> bytes:
    """`data` with `part`'s unpacked size misdeclared as `size` in both of the zip's headers."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    out = bytearray(data)
    struct.pack_into("<I", out, info.header_offset + 22, size)
    central = out.find(b"PK\x01\x02")
    while out[central + 46:central + 46 + len(part)] != part.encode():
        central = out.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", out, central + 24, size)
    return bytes(out)


def test_sizes_the_zip_lies_about_are_measured():
    rows = [["uscc", "note"]] + [[f"X{i}", "重复" * 50] for i in range(3000)]
    data = workbook(("s", rows))
    lying = declaring(data, "xl/worksheets/sheet1.xml", 2000)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo("xl/worksheets/sheet1.xml").file_size == 2000
    assert rejected(lying, "f.xlsx") == "bad_xlsx"
    assert rejected(lying, "f.xlsx", limits=ImportLimits(max_unpacked=100_000)) == "zip_unpacked"

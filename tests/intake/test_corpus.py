"""The bad-file corpus: each file gives exactly the expected errors and writes nothing."""

from pathlib import Path

import pytest

from anlian.intake import ImportLimits, ImportRejected, render
from models import Inspection

from .conftest import rows_of, snapshot

DATA = Path(__file__).parent.parent / "data"
USCC, DATE, REF = "统一社会信用代码", "检查日期", "来源编号"
PENALTY, VIOLATIONS = "罚款金额(元)", "违法行为数"

CORPUS = {
    "inspections_utf16.csv": {(None, None, "bad_encoding")},
    "missing_column.csv": {(1, "处理结果", "missing_column")},
    "unknown_column.csv": {(1, "备注", "unknown_column")},
    "duplicate_column.csv": {(1, "outcome", "duplicate_column")},
    "bad_dates.csv": {
        (2, DATE, "two_digit_year"),
        (3, DATE, "placeholder_date"),
        (6, DATE, "ambiguous_date"),
        (7, DATE, "placeholder_date"),
        (8, DATE, "future_date"),
        (9, DATE, "not_a_date"),
        (10, DATE, "placeholder_date"),
    },
    "bad_uscc.csv": {
        (2, USCC, "uscc_check_digit"),
        (3, USCC, "uscc_length"),
        (4, USCC, "uscc_characters"),
        (5, USCC, "unknown_enterprise"),
    },
    "negative_penalty.csv": {(2, PENALTY, "negative"), (3, VIOLATIONS, "negative")},
    "duplicate_rows.csv": {(4, REF, "duplicate_row"), (6, REF, "duplicate_row")},
    "empty.csv": {(None, None, "empty_file")},
    "header_only.csv": {(None, None, "no_data_rows")},
    "old_binary.xls": {(None, None, "old_xls")},
    "formula.xlsx": {(2, PENALTY, "formula_cell")},
    "excel_number_date.xlsx": {(2, DATE, "not_a_date")},
    "zip_bomb.xlsx": {(None, None, "zip_unpacked")},
    "sparse_sheet.xlsx": {(None, None, "too_many_cells")},
}


def rejection(importer, name: str, **kwargs) -> set:
    with pytest.raises(ImportRejected) as caught:
        importer("inspections", (DATA / name).read_bytes(), filename=name, **kwargs)
    return {(e.row, e.column, e.key) for e in caught.value.errors}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_file_gives_its_errors_and_changes_nothing(engine, importer, name):
    before = snapshot(engine)
    assert rejection(importer, name) == CORPUS[name]
    assert snapshot(engine) == before


def test_zip_bomb_ratio_is_caught_before_unpacking(engine, importer):
    limits = ImportLimits(max_unpacked=1 << 30)
    assert rejection(importer, "zip_bomb.xlsx", limits=limits) == {(None, None, "zip_ratio")}


def test_an_oversize_upload_is_rejected_naming_the_limit(engine, importer, tmp_path):
    huge = tmp_path / "huge.csv"
    line = "91350582MA2Y00001X,2024-03-05,fine,JC-1,局,0,5\r\n".encode()
    huge.write_bytes(line * (ImportLimits().max_bytes // len(line) + 1))
    with pytest.raises(ImportRejected) as caught:
        importer("inspections", huge.read_bytes(), filename="huge.csv")
    [error] = caught.value.errors
    assert (error.row, error.key) == (None, "file_too_large")
    assert str(ImportLimits().max_bytes) in error.message


def test_too_many_rows(importer):
    assert rejection(importer, "bad_dates.csv", limits=ImportLimits(max_rows=5)) == {
        (None, None, "too_many_rows")}


@pytest.mark.parametrize("name", ["inspections_gbk.csv", "inspections_utf8_bom.csv",
                                  "inspections_semicolon.csv", "inspections_excel_dates.xlsx"])
def test_dirty_but_unambiguous_files_import(engine, importer, name):
    result = importer("inspections", (DATA / name).read_bytes(), filename=name)
    assert (result.inserted, result.rows) == (3, 3)
    stored = rows_of(engine, Inspection, "source_ref", "inspected_on", "outcome", "penalty_cny")
    refs = [r[0] for r in stored]
    assert "1229035" in refs and all(not r.endswith(".0") for r in refs)
    assert {r[2] for r in stored} <= {"fine", "warning", "rectify"}


def test_chinese_survives_gbk(engine, importer):
    importer("inspections", (DATA / "inspections_gbk.csv").read_bytes())
    authorities = {r[0] for r in rows_of(engine, Inspection, "authority")}
    assert authorities == {"晋江市应急管理局", "执法大队"}


def test_messages_render_in_chinese(importer):
    with pytest.raises(ImportRejected) as caught:
        importer("inspections", (DATA / "bad_dates.csv").read_bytes())
    first = caught.value.errors[0]
    assert render(first, "zh_Hans_CN") == "06/28/11 的年份只有两位，请写成 YYYY-MM-DD"
    assert render(first, "en") == first.message == "06/28/11 has a two-digit year; write YYYY-MM-DD"

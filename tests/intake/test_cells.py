"""The pure cell normalisers, table by table."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from anlian.intake import cells
from anlian.intake import messages as M
from models import vocab
from models.uscc import make_uscc

TODAY = date(2025, 6, 30)
GOOD_USCC = make_uscc("91350582MA2Y00001")


def problem(func, *args, **kwargs) -> str:
    with pytest.raises(cells.CellProblem) as caught:
        func(*args, **kwargs)
    return caught.value.template


def day(raw, future=False):
    return cells.plausible_day(cells.day(raw), TODAY, future=future)


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-03-05", date(2024, 3, 5)),
    ("2014-03-13 00:00:00", date(2014, 3, 13)),
    ("2014-03-13 17:45", date(2014, 3, 13)),
    ("2014-03-13T08:00:00.5", date(2014, 3, 13)),
    ("2024/3/5", date(2024, 3, 5)),
    ("2024.3.5", date(2024, 3, 5)),
    ("2024年3月5日", date(2024, 3, 5)),
    ("２０２４－０３－０５", date(2024, 3, 5)),
    (" 2024-3-5 ", date(2024, 3, 5)),
    (date(2024, 3, 5), date(2024, 3, 5)),
    (datetime(2024, 3, 5, 0, 0), date(2024, 3, 5)),
    (datetime(2024, 3, 5, 14, 30), date(2024, 3, 5)),
    ("2025-06-30", TODAY),
])
def test_dates_accepted(raw, expected):
    assert day(raw) == expected


@pytest.mark.parametrize(("raw", "template"), [
    ("06/28/11", M.TWO_DIGIT_YEAR),
    ("28.06.11", M.TWO_DIGIT_YEAR),
    ("06/28/2011", M.AMBIGUOUS_DATE),
    ("03/04/2011", M.AMBIGUOUS_DATE),
    ("1969-12-31", M.PLACEHOLDER_DATE),
    ("1970-01-01", M.PLACEHOLDER_DATE),
    ("1900-01-01", M.PLACEHOLDER_DATE),
    ("9999-12-31", M.PLACEHOLDER_DATE),
    ("1979-12-31", M.DATE_TOO_EARLY),
    ("2025-07-01", M.FUTURE_DATE),
    ("2024-02-30", M.NOT_A_DATE),
    ("2024/03", M.NOT_A_DATE),
    ("20240305", M.NOT_A_DATE),
    ("yesterday", M.NOT_A_DATE),
    ("2024-03-05 25:00", M.NOT_A_DATE),
    (45356.0, M.NOT_A_DATE),
    (45356, M.NOT_A_DATE),
    (True, M.NOT_A_DATE),
])
def test_dates_refused(raw, template):
    assert problem(day, raw) == template


def test_future_dates_only_where_allowed():
    assert day("2026-01-31", future=True) == date(2026, 1, 31)
    assert problem(day, "9999-12-31", future=True) == M.PLACEHOLDER_DATE


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-03", "2024-03"), ("2024/3", "2024-03"), ("2024年3月", "2024-03"),
    ("2024-03-31", "2024-03"), (date(2024, 3, 9), "2024-03"), ("２０２４-３", "2024-03"),
    (datetime(2024, 12, 1, 0, 0), "2024-12"),
])
def test_months_accepted(raw, expected):
    assert cells.month(raw, TODAY) == expected


@pytest.mark.parametrize(("raw", "template"), [
    ("2024-13", M.NOT_A_MONTH), ("2024-00", M.NOT_A_MONTH), ("March 2024", M.NOT_A_MONTH),
    ("2025-07", M.FUTURE_DATE), ("1970-01", M.PLACEHOLDER_DATE), ("1975-05", M.DATE_TOO_EARLY),
    (202403.0, M.NOT_A_MONTH), ("03/2024", M.NOT_A_MONTH),
])
def test_months_refused(raw, template):
    assert problem(cells.month, raw, TODAY) == template


@pytest.mark.parametrize(("raw", "expected"), [
    ("12", 12), ("1229035.0", 1229035), (1229035.0, 1229035), (7, 7), ("１２", 12),
    ("1,200", 1200), (" 3 ", 3), ("-4", -4),
])
def test_integers(raw, expected):
    assert cells.integer(raw) == expected


@pytest.mark.parametrize(("raw", "template"), [
    ("2.5", M.NOT_AN_INTEGER), (2.5, M.NOT_AN_INTEGER), ("twelve", M.NOT_A_NUMBER),
    ("1,2", M.NOT_A_NUMBER), (True, M.NOT_A_NUMBER), ("12 个", M.NOT_A_NUMBER),
])
def test_integers_refused(raw, template):
    assert problem(cells.integer, raw) == template


@pytest.mark.parametrize(("raw", "expected"), [
    ("12,345.50", Decimal("12345.50")), ("¥12,345.5", Decimal("12345.5")),
    ("12345元", Decimal("12345")), ("￥ 1,000", Decimal("1000")), ("１２３．５", Decimal("123.5")),
    (12345.5, Decimal("12345.5")), (0.1, Decimal("0.1")), (100, Decimal(100)),
    ("1,234,567.00", Decimal("1234567.00")), ("-5", Decimal(-5)), ("12.500", Decimal("12.500")),
])
def test_amounts(raw, expected):
    assert cells.amount(raw) == expected


@pytest.mark.parametrize(("raw", "template"), [
    ("12.345", M.TOO_MANY_DECIMALS), ("1,23", M.NOT_A_NUMBER), ("12,34,567", M.NOT_A_NUMBER),
    ("USD 5", M.NOT_A_NUMBER), ("(1,000)", M.NOT_A_NUMBER), (float("nan"), M.NOT_A_NUMBER),
])
def test_amounts_refused(raw, template):
    assert problem(cells.amount, raw) == template


SEVERITY = cells.vocabulary(vocab.SEVERITIES)


@pytest.mark.parametrize("raw", ["fatal", "Fatality", "fatality", "死亡", "FATAL", " Fatal "])
def test_enumerations_in_any_spelling(raw):
    assert cells.choice(raw, SEVERITY, "…") == "fatal"


def test_enumeration_refusal_lists_the_values():
    with pytest.raises(cells.CellProblem) as caught:
        cells.choice("deadly", SEVERITY, "minor, serious, fatal")
    assert caught.value.template == M.NOT_IN_VOCABULARY
    assert "minor, serious, fatal" in str(caught.value)


@pytest.mark.parametrize("labels", [vocab.INDUSTRIES, vocab.STANDARDIZATION, vocab.RISK_COLORS,
                                    vocab.SEVERITIES, vocab.ACCIDENT_SOURCES, vocab.OUTCOMES,
                                    vocab.HAZARD_SOURCES, vocab.HAZARD_LEVELS])
def test_no_two_codes_share_a_spelling(labels):
    lookup = cells.vocabulary(labels)
    assert len(lookup) == len({cells._enum_key(n) for c, ns in labels.items() for n in (c, *ns)})
    assert set(lookup.values()) == set(labels)
    for code, names in labels.items():
        assert all(cells.choice(n, lookup, "") == code for n in (code, *names))


@pytest.mark.parametrize(("raw", "expected"), [
    ("是", True), ("否", False), ("yes", True), ("No", False), ("TRUE", True), ("false", False),
    ("1", True), ("0", False), ("Y", True), ("n", False), (True, True), (0.0, False), (1.0, True),
])
def test_booleans(raw, expected):
    assert cells.flag(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", 2.0, "有"])
def test_booleans_refused(raw):
    assert problem(cells.flag, raw) == M.NOT_A_BOOLEAN


def test_uscc():
    assert cells.uscc(f" {GOOD_USCC.lower()} ") == GOOD_USCC
    assert cells.uscc("".join(chr(ord(c) + 0xFEE0) for c in GOOD_USCC)) == GOOD_USCC
    wrong = GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1")
    assert problem(cells.uscc, wrong) == M.USCC_CHECK_DIGIT
    assert problem(cells.uscc, GOOD_USCC[:-1]) == M.USCC_LENGTH
    assert problem(cells.uscc, GOOD_USCC[:-2] + "IO"[:1] + GOOD_USCC[-1]) == M.USCC_CHARACTERS


def test_text_and_references():
    assert cells.text("  甲公司 ") == "甲公司"
    assert cells.text("line one\r\nline two", multiline=True) == "line one\nline two"
    assert problem(cells.text, "A\nB") == M.LINE_BREAK
    assert cells.ref(1229035.0) == "1229035"
    assert cells.ref("1229035.0") == "1229035"
    assert cells.ref("JC-2024.0") == "JC-2024.0"
    assert cells.ref("v1.5") == "v1.5"

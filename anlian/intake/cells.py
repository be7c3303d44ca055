"""Pure cell normalisers: one spreadsheet cell in, one typed value out, or a CellProblem.

Cells arrive as text (CSV) or as calamine values (str, float, int, bool, date, datetime).
Everything unambiguous is accepted; anything that would need a guess is refused.
"""

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from models.uscc import ALPHABET, uscc_problem

from . import messages as M

EARLIEST = date(1980, 1, 1)
PLACEHOLDERS = frozenset(
    {date(1900, 1, 1), date(1969, 12, 31), date(1970, 1, 1), date(9999, 12, 31)}
)
_TIME = r"(?:[ T](?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<sec>\d{2})(?:\.\d+)?)?)?"
_YMD = re.compile(rf"(?P<y>\d{{4}})(?P<s>[-/.])(?P<m>\d{{1,2}})(?P=s)(?P<d>\d{{1,2}}){_TIME}")
_YMD_ZH = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
_SHORT_YEAR = re.compile(rf"\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2}}{_TIME}")
_YEAR_LAST = re.compile(rf"\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{4}}{_TIME}")
_CLOCK_LIMITS = (("h", 23), ("mi", 59), ("sec", 59))
_YM = re.compile(r"(\d{4})(?:[-/](\d{1,2})|年(\d{1,2})月)")
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
_INTEGRAL_ID = re.compile(r"\d+\.0+")
_CURRENCY = "¥￥元"


class CellProblem(ValueError):
    """A cell that cannot be read: a template of `messages` and its parameters."""

    def __init__(self, template: str, **params):
        super().__init__(template.format(**params))
        self.template = template
        self.params = params


def folded(raw) -> str:
    """A cell as stripped NFKC text (full-width digits and punctuation made half-width)."""
    return unicodedata.normalize("NFKC", str(raw)).strip()


def text(raw, *, multiline: bool = False) -> str:
    """Free text; integral floats (calamine's ids) lose their `.0`; line breaks only if allowed."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    value = str(raw).strip()
    if "\r" in value or "\n" in value:
        if not multiline:
            raise CellProblem(M.LINE_BREAK)
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def ref(raw) -> str:
    """A reference id: text, and `1229035.0` written by a spreadsheet read as `1229035`."""
    value = text(raw)
    return value.split(".")[0] if "." in value and _INTEGRAL_ID.fullmatch(value) else value


def day(raw) -> date:
    """A calendar date from an Excel date cell or unambiguous text (time of day is dropped)."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        # A number in a date column is not a date cell: an Excel serial would be a guess.
        raise CellProblem(M.NOT_A_DATE, value=raw)
    value = folded(raw)
    match = _YMD.fullmatch(value) or _YMD_ZH.fullmatch(value)
    if match:
        try:
            found = date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            raise CellProblem(M.NOT_A_DATE, value=value) from None
        # Any time of day is dropped, but only a real one: 25:00 says the cell is garbage.
        groups = match.groupdict()
        if any(int(groups.get(g) or 0) > top for g, top in _CLOCK_LIMITS):
            raise CellProblem(M.NOT_A_DATE, value=value)
        return found
    if _SHORT_YEAR.fullmatch(value):
        raise CellProblem(M.TWO_DIGIT_YEAR, value=value)
    if _YEAR_LAST.fullmatch(value):
        raise CellProblem(M.AMBIGUOUS_DATE, value=value)
    raise CellProblem(M.NOT_A_DATE, value=value)


def plausible_day(value: date, today: date, *, future: bool = False) -> date:
    """Refuse placeholder dates, dates before 1980 and (unless `future`) dates after today."""
    if value in PLACEHOLDERS:
        raise CellProblem(M.PLACEHOLDER_DATE, value=value.isoformat())
    if value < EARLIEST:
        raise CellProblem(M.DATE_TOO_EARLY, value=value.isoformat(), limit=EARLIEST.isoformat())
    if not future and value > today:
        raise CellProblem(M.FUTURE_DATE, value=value.isoformat())
    return value


def month(raw, today: date) -> str:
    """A `YYYY-MM` month from `2024-03`, `2024/3`, `2024年3月` or any accepted date."""
    if isinstance(raw, str):
        match = _YM.fullmatch(folded(raw))
        if match:
            year, num = int(match.group(1)), int(match.group(2) or match.group(3))
            if not 1 <= num <= 12:
                raise CellProblem(M.NOT_A_MONTH, value=folded(raw))
            first = plausible_day(date(year, num, 1), today)
            return f"{first.year:04d}-{first.month:02d}"
    try:
        value = plausible_day(day(raw), today)
    except CellProblem as problem:
        if problem.template == M.NOT_A_DATE:
            raise CellProblem(M.NOT_A_MONTH, value=problem.params["value"]) from None
        raise
    return f"{value.year:04d}-{value.month:02d}"


def number(raw) -> Decimal:
    """A decimal from a number cell or text with thousands separators, ¥ or 元."""
    if isinstance(raw, bool):
        raise CellProblem(M.NOT_A_NUMBER, value=raw)
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise CellProblem(M.NOT_A_NUMBER, value=raw)
        # repr gives the shortest text that round-trips, so 0.1 stays 0.1, not 0.1000…0555.
        return Decimal(repr(raw))
    value = folded(raw).strip(_CURRENCY).strip()
    if not _NUMBER.fullmatch(value):
        raise CellProblem(M.NOT_A_NUMBER, value=folded(raw))
    try:
        return Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise CellProblem(M.NOT_A_NUMBER, value=value) from None


def integer(raw) -> int:
    """A whole number; `1229035.0` is accepted, `2.5` is not."""
    value = number(raw)
    if value != value.to_integral_value():
        raise CellProblem(M.NOT_AN_INTEGER, value=folded(raw))
    return int(value)


def amount(raw, places: int = 2) -> Decimal:
    """A money amount with at most `places` decimals (never rounded silently)."""
    value = number(raw)
    if value.as_tuple().exponent < -places and value != round(value, places):
        raise CellProblem(M.TOO_MANY_DECIMALS, value=folded(raw), places=places)
    return value


def vocabulary(labels: dict) -> dict[str, str]:
    """A lookup from every spelling (code, Chinese, English) to the code."""
    lookup = {}
    for code, names in labels.items():
        for name in (code, *names):
            lookup[_enum_key(name)] = code
    return lookup


def _enum_key(value) -> str:
    return re.sub(r"[\s_\-]+", "", folded(value).casefold())


def choice(raw, lookup: dict[str, str], allowed: str) -> str:
    """An enumeration code from its code, Chinese or English label, in any case."""
    code = lookup.get(_enum_key(raw))
    if code is None:
        raise CellProblem(M.NOT_IN_VOCABULARY, value=text(raw), allowed=allowed)
    return code


_BOOLEANS = {
    "是": True,
    "否": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "y": True,
    "n": False,
}


def flag(raw) -> bool:
    """A yes/no cell: 是/否, yes/no, true/false, 1/0, Y/N or an Excel boolean."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return raw == 1
    value = _BOOLEANS.get(folded(raw).casefold())
    if value is None:
        raise CellProblem(M.NOT_A_BOOLEAN, value=text(raw))
    return value


def uscc(raw) -> str:
    """A USCC, upper-cased, with its check digit verified."""
    value = "".join(folded(raw).upper().split())
    if uscc_problem(value) is None:
        return value
    # The reason, in uscc_problem's order of checks, as one of this importer's own messages.
    if len(value) != 18:
        raise CellProblem(M.USCC_LENGTH, value=value)
    if set(value) - set(ALPHABET):
        raise CellProblem(M.USCC_CHARACTERS, value=value)
    raise CellProblem(M.USCC_CHECK_DIGIT, value=value)

"""The columns of each import kind, their Chinese labels, and matching a file's header row."""

import unicodedata
from dataclasses import dataclass

from . import messages as M
from .errors import Problems


@dataclass(frozen=True)
class Column:
    """One import column: English code name, Chinese label, whether every row needs it."""

    code: str
    zh: str
    required: bool = False


def _cols(spec: str) -> tuple[Column, ...]:
    # "*" marks a required column; written compactly so each kind reads as one line per column.
    out = []
    for item in spec.split():
        code, zh = item.split("=")
        out.append(Column(code.lstrip("*"), zh, code.startswith("*")))
    return tuple(out)


COLUMNS: dict[str, tuple[Column, ...]] = {
    "enterprises": _cols(
        "*uscc=统一社会信用代码 *name=企业名称 *industry=行业 *town=镇街 headcount=从业人数 "
        "standardization=标准化等级 risk_color=风险等级 steward=安全管家"
    ),
    "memberships": _cols(
        "*chain_id=链主编号 *uscc=统一社会信用代码 *joined_on=加入日期 tier=层级 "
        "left_on=退出日期 annual_spend_cny=年采购额(元)"
    ),
    "work_hours": _cols("*uscc=统一社会信用代码 *month=月份 *hours=工时 headcount=从业人数"),
    "accidents": _cols(
        "*uscc=统一社会信用代码 *occurred_on=发生日期 *severity=严重程度 *source_ref=来源编号 "
        "injured=受伤人数 deaths=死亡人数 direct_loss_cny=直接经济损失(元) source=来源 "
        "description=描述"
    ),
    "inspections": _cols(
        "*uscc=统一社会信用代码 *inspected_on=检查日期 *outcome=处理结果 *source_ref=来源编号 "
        "authority=执法机关 violations=违法行为数 penalty_cny=罚款金额(元)"
    ),
    "hazards": _cols(
        "*uscc=统一社会信用代码 *found_on=发现日期 *level=隐患等级 *source_ref=来源编号 "
        "source=来源 description=描述 deadline=整改期限 rectified_on=整改完成日期"
    ),
    "ratings": _cols(
        "*chain_id=链主编号 *uscc=统一社会信用代码 *period=考核期 *criterion=考核项 *score=得分"
    ),
}

KINDS = tuple(COLUMNS)


def norm_header(text) -> str:
    """A header reduced for matching: NFKC (full-width to half-width), no spaces, casefolded."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(folded.split())


_LOOKUP = {
    kind: {norm_header(n): c.code for c in cols for n in (c.code, c.zh)}
    for kind, cols in COLUMNS.items()
}


@dataclass(frozen=True)
class Header:
    """The matched header row: position of each known column and its header as written."""

    row: int
    index: dict[str, int]
    written: dict[str, str]
    width: int
    # Positions of unknown or repeated columns: already reported, not read.
    ignored: frozenset[int] = frozenset()


def match_header(kind: str, row: int, cells: list, problems: Problems) -> Header:
    """Map header cells to column codes, reporting unknown, duplicated and missing columns."""
    index: dict[str, int] = {}
    written: dict[str, str] = {}
    ignored = set()
    allowed = [f"{c.code}/{c.zh}" for c in COLUMNS[kind]]
    for i, cell in enumerate(cells):
        text = str(cell).strip()
        if not text:
            continue
        code = _LOOKUP[kind].get(norm_header(text))
        if code is None:
            problems.add(row, text, M.UNKNOWN_COLUMN, column=text, allowed=allowed)
            ignored.add(i)
        elif code in index:
            problems.add(row, text, M.DUPLICATE_COLUMN, column=text, other=written[code])
            ignored.add(i)
        else:
            index[code], written[code] = i, text
    for col in COLUMNS[kind]:
        if col.required and col.code not in index:
            problems.add(row, col.zh, M.MISSING_COLUMN, column=f"{col.zh} ({col.code})")
    return Header(row, index, written, len(cells), frozenset(ignored))

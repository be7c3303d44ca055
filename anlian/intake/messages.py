"""Every message the importer can produce: English templates, their Chinese, and a renderer.

The service stays free of Flask, so it cannot call gettext. Each error carries the English text,
a stable key (the constant's name in lower case) and its parameters; the web layer translates
with `render` (or its own catalogue keyed the same way).
"""

# The file as a whole.
FILE_TOO_LARGE = "the file is {size} bytes; the limit is {limit} bytes"
TOO_MANY_ROWS = "the file has more than {limit} data rows"
TOO_MANY_CELLS = "the sheet spans {cells} cells (up to {ref}); at most {limit} are allowed"
EMPTY_FILE = "the file is empty"
NO_DATA_ROWS = "the file has a header row but no data rows"
BAD_ENCODING = "the file is not text in UTF-8 or GBK/GB18030; save it as CSV (UTF-8)"
BAD_CSV = "the CSV file cannot be read near line {line}: {reason}"
OLD_XLS = "old .xls workbooks are not accepted; save the file as .xlsx or CSV"
BAD_XLSX = "the Excel file cannot be read: {reason}"
ZIP_ENTRIES = "the Excel file has {count} parts; at most {limit} are allowed"
ZIP_UNPACKED = "the Excel file unpacks to {size} bytes; at most {limit} are allowed"
ZIP_RATIO = "part {entry} of the Excel file is compressed {ratio}:1; at most {limit}:1 is allowed"
NO_SUCH_SHEET = "there is no sheet named {sheet}; the sheets are {sheets}"
FORMULA_CELL = "formula cells are not accepted; paste the values instead"

# The header row.
UNKNOWN_COLUMN = "unknown column {column}; the columns are {allowed}"
MISSING_COLUMN = "the required column {column} is missing"
DUPLICATE_COLUMN = "column {column} appears more than once (also as {other})"
UNNAMED_COLUMN = "column {position} has values but no header"
EXTRA_CELLS = "the row has more cells than the header row"

# One cell.
REQUIRED = "a value is required"
INVALID = "invalid value: {detail}"
LINE_BREAK = "line breaks are not allowed in this column"
TOO_LONG = "at most {limit} characters are allowed"
NOT_A_DATE = "{value} is not a date; write YYYY-MM-DD"
TWO_DIGIT_YEAR = "{value} has a two-digit year; write YYYY-MM-DD"
AMBIGUOUS_DATE = "{value} is ambiguous (month/day or day/month); write YYYY-MM-DD"
PLACEHOLDER_DATE = "{value} is a placeholder, not a real date"
DATE_TOO_EARLY = "{value} is before {limit}"
FUTURE_DATE = "{value} is in the future"
NOT_A_MONTH = "{value} is not a month; write YYYY-MM"
NOT_A_NUMBER = "{value} is not a number"
NOT_AN_INTEGER = "{value} is not a whole number"
TOO_MANY_DECIMALS = "{value} has more than {places} decimal places"
NEGATIVE = "{value} must not be negative"
OUT_OF_RANGE = "{value} must be between {min} and {max}"
NOT_IN_VOCABULARY = "{value} is not one of {allowed}"
NOT_A_BOOLEAN = "{value} is not yes or no; write 是 or 否"
USCC_LENGTH = "USCC {value} must be 18 characters"
USCC_CHARACTERS = "USCC {value} contains characters a USCC cannot have"
USCC_CHECK_DIGIT = "USCC {value} has a wrong check digit"
SAFETY_NOT_RATED = "safety is computed from the score, not rated by hand"

# Several cells, rows or the database.
NOT_BEFORE = "{value} is before {other} ({other_value})"
DEATHS_NEED_FATAL = "{value} deaths require the severity fatal"
UNKNOWN_ENTERPRISE = "no enterprise has the USCC {value}"
UNKNOWN_CHAIN = "chain {value} does not exist"
NOT_YOUR_CHAIN = "chain {value} is not yours"
NOT_A_SUPPLIER = "{value} is not a supplier of chain {chain}"
NOT_IN_SCHEME = "{value} is not a criterion of chain {chain}'s scheme for {period}: {allowed}"
DUPLICATE_ROW = "this row repeats row {other} ({columns})"
MORE_ERRORS = "and {count} more problems"

ZH = {
    "file_too_large": "文件大小为 {size} 字节，上限为 {limit} 字节",
    "too_many_rows": "文件数据行超过 {limit} 行",
    "too_many_cells": "工作表范围达 {cells} 个单元格（至 {ref}），上限为 {limit} 个",
    "empty_file": "文件为空",
    "no_data_rows": "文件只有表头，没有数据行",
    "bad_encoding": "文件不是 UTF-8 或 GBK/GB18030 编码的文本，请另存为 CSV（UTF-8）",
    "bad_csv": "CSV 文件第 {line} 行附近无法读取：{reason}",
    "old_xls": "不接受旧版 .xls 工作簿，请另存为 .xlsx 或 CSV",
    "bad_xlsx": "Excel 文件无法读取：{reason}",
    "zip_entries": "Excel 文件包含 {count} 个部件，上限为 {limit} 个",
    "zip_unpacked": "Excel 文件解压后为 {size} 字节，上限为 {limit} 字节",
    "zip_ratio": "Excel 文件部件 {entry} 的压缩比为 {ratio}:1，上限为 {limit}:1",
    "no_such_sheet": "没有名为 {sheet} 的工作表；现有工作表：{sheets}",
    "formula_cell": "不接受公式单元格，请粘贴为数值",
    "unknown_column": "未知列 {column}；可用列：{allowed}",
    "missing_column": "缺少必填列 {column}",
    "duplicate_column": "列 {column} 重复出现（另见 {other}）",
    "unnamed_column": "第 {position} 列有数据但没有表头",
    "extra_cells": "该行单元格多于表头",
    "required": "必须填写",
    "invalid": "无效的值：{detail}",
    "line_break": "此列不允许换行",
    "too_long": "最多 {limit} 个字符",
    "not_a_date": "{value} 不是日期，请写成 YYYY-MM-DD",
    "two_digit_year": "{value} 的年份只有两位，请写成 YYYY-MM-DD",
    "ambiguous_date": "{value} 有歧义（月/日顺序不明），请写成 YYYY-MM-DD",
    "placeholder_date": "{value} 是占位日期，不是真实日期",
    "date_too_early": "{value} 早于 {limit}",
    "future_date": "{value} 是未来的日期",
    "not_a_month": "{value} 不是月份，请写成 YYYY-MM",
    "not_a_number": "{value} 不是数字",
    "not_an_integer": "{value} 不是整数",
    "too_many_decimals": "{value} 的小数超过 {places} 位",
    "negative": "{value} 不能为负数",
    "out_of_range": "{value} 必须在 {min} 到 {max} 之间",
    "not_in_vocabulary": "{value} 不在可选值中：{allowed}",
    "not_a_boolean": "{value} 不是“是/否”，请填写 是 或 否",
    "uscc_length": "统一社会信用代码 {value} 必须为 18 位",
    "uscc_characters": "统一社会信用代码 {value} 含有不允许的字符",
    "uscc_check_digit": "统一社会信用代码 {value} 的校验位不正确",
    "safety_not_rated": "安全分由评分模型计算，不能手工评分",
    "not_before": "{value} 早于 {other}（{other_value}）",
    "deaths_need_fatal": "死亡 {value} 人时严重程度必须为“死亡”",
    "unknown_enterprise": "没有统一社会信用代码为 {value} 的企业",
    "unknown_chain": "链主 {value} 不存在",
    "not_your_chain": "链主 {value} 不是您的链主",
    "not_a_supplier": "{value} 不是链主 {chain} 的供应商",
    "not_in_scheme": "{value} 不是链主 {chain} 在 {period} 的考核方案中的考核项：{allowed}",
    "duplicate_row": "此行与第 {other} 行重复（{columns}）",
    "more_errors": "另有 {count} 个问题",
}

TEMPLATES = {
    name.lower(): value
    for name, value in dict(globals()).items()
    if name.isupper() and isinstance(value, str)
}
_KEY_OF = {template: key for key, template in TEMPLATES.items()}


def key_of(template: str) -> str:
    """The stable key of an English template (the constant's name in lower case)."""
    return _KEY_OF[template]


def render(error, locale: str = "en") -> str:
    """The error's message in `locale` (Chinese for any `zh…` locale, else English)."""
    if str(locale).lower().replace("-", "_").startswith("zh") and error.key in ZH:
        return ZH[error.key].format(**error.params)
    return error.message

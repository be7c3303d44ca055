"""The pieces that must agree: columns and schemas, the fast path and Schema.load, messages
and their translations, templates and the reader."""

import io
import re
import string
from datetime import date

import pytest
from marshmallow import ValidationError
from python_calamine import CalamineWorkbook

from anlian.intake import COLUMNS, KINDS, messages, template
from anlian.intake.columns import match_header
from anlian.intake.errors import Problems
from anlian.intake.kinds import SPECS
from anlian.intake.reader import read_table
from anlian.intake.rows import RowConverter
from anlian.intake.service import ImportLimits
from tests.data.make_corpus import USCCS

TODAY = date(2025, 6, 30)


@pytest.mark.parametrize("kind", KINDS)
def test_each_schema_has_exactly_the_kinds_columns(kind):
    spec = SPECS[kind]
    assert set(spec.schema._declared_fields) == {c.code for c in COLUMNS[kind]}
    required = {name for name, f in spec.schema._declared_fields.items() if f.required}
    assert required == {c.code for c in COLUMNS[kind] if c.required}
    assert set(spec.file_key) <= required


SAMPLES = {
    "inspections": [
        {"uscc": USCCS[0], "inspected_on": "2024/3/5", "outcome": "罚款", "source_ref": "1.0",
         "penalty_cny": "1,000", "violations": "2"},
        {"uscc": "bad", "inspected_on": "06/28/11", "outcome": "", "source_ref": "x",
         "penalty_cny": "-1", "violations": "2.5"},
    ],
    "hazards": [
        {"uscc": USCCS[1], "found_on": "2025-01-05", "level": "重大", "source_ref": "H",
         "deadline": "2024-12-31", "rectified_on": "2025-01-01"},
        {"uscc": USCCS[1], "found_on": "2025-01-05", "level": "major", "source_ref": "H",
         "deadline": "2026-01-01", "rectified_on": ""},
    ],
    "accidents": [
        {"uscc": USCCS[2], "occurred_on": "2024-01-01", "severity": "minor", "source_ref": "A",
         "deaths": "1"},
        {"uscc": USCCS[2], "occurred_on": "2024-01-01", "severity": "Fatality", "source_ref": "A",
         "deaths": "1", "description": "a\nb"},
    ],
    "ratings": [
        {"chain_id": "1", "uscc": USCCS[0], "period": "2025-05", "criterion": "Safety",
         "score": "100.001"},
        {"chain_id": "1.0", "uscc": USCCS[0], "period": "2025年5月", "criterion": "质量",
         "score": "99.5"},
    ],
}


def fast(kind: str, raw: dict):
    """The importer's fast path on one row: (values or None, {field: template})."""
    header = {code: code for code in raw}
    problems = Problems()
    parsed = match_header(kind, 1, list(header), problems)
    schema = SPECS[kind].schema(today=TODAY)
    rows = RowConverter(schema, parsed, None).convert([(2, list(raw.values()))], problems)
    return (rows[0][1] if rows else None), {e.column: e.message for e in problems.errors()}


@pytest.mark.parametrize(("kind", "raw"), [(k, r) for k, rs in SAMPLES.items() for r in rs])
def test_fast_path_agrees_with_schema_load(kind, raw):
    schema = SPECS[kind].schema(today=TODAY)
    values, problems = fast(kind, raw)
    try:
        loaded, load_errors = schema.load(raw), {}
    except ValidationError as err:
        loaded, load_errors = None, {k: v[0] for k, v in err.messages.items()}
    assert problems == load_errors
    if loaded is not None:
        assert values == {k: v for k, v in loaded.items() if k in raw}


def placeholders(text: str) -> set:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_a_chinese_translation_with_the_same_fields():
    assert set(messages.ZH) == set(messages.TEMPLATES)
    for key, english in messages.TEMPLATES.items():
        assert placeholders(messages.ZH[key]) == placeholders(english), key
        assert re.search(r"[\u4e00-\u9fff]", messages.ZH[key]), key
    assert len(set(messages.TEMPLATES.values())) == len(messages.TEMPLATES)


@pytest.mark.parametrize("kind", KINDS)
def test_templates_have_chinese_headers_the_reader_accepts(kind):
    labels = [c.zh for c in COLUMNS[kind]]
    data = template(kind, "csv")
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").strip() == ",".join(labels)
    book = CalamineWorkbook.from_filelike(io.BytesIO(template(kind, "xlsx")))
    assert book.get_sheet_by_index(0).to_python() == [labels]
    for fmt in ("csv", "xlsx"):
        found = read_table(template(kind, fmt), f"t.{fmt}", sheet=None, limits=ImportLimits())
        problems = Problems()
        assert set(match_header(kind, 1, found.header, problems).index) == {
            c.code for c in COLUMNS[kind]}
        assert not problems


def test_template_rejects_unknown_kinds_and_formats():
    with pytest.raises(ValueError):
        template("users", "csv")
    with pytest.raises(ValueError):
        template("ratings", "ods")

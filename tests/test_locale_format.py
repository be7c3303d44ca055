"""Dates and moments are written the way the page's language writes them, in the bureau's time
zone: 2025年3月4日 / Mar 4, 2025, never the database's ISO form or UTC."""

import re
from datetime import UTC, date, datetime

import pytest

from anlian.i18n import date_label, moment_label

from .sme_fixtures import records_fixture, today_fixture  # noqa: F401

ISO_DAY = re.compile(r"\b20\d\d-\d\d-\d\d\b")


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        ("zh", "2025年3月4日", "2025年3月4日 07:05"),
        ("en", "Mar 4, 2025", "Mar 4, 2025 07:05"),
    ],
)
def test_labels_follow_the_language_and_the_bureaus_time_zone(app, language, day, moment):
    # 23:05 UTC on 3 March is 07:05 on 4 March in Asia/Shanghai; SQLite returns it naive.
    stored = datetime(2025, 3, 3, 23, 5)
    with app.test_request_context(headers={"Accept-Language": language}):
        assert date_label(date(2025, 3, 4)) == day
        assert moment_label(stored) == moment
        assert moment_label(stored.replace(tzinfo=UTC)) == moment
        assert date_label(None) == moment_label(None) == ""


def visible_text(html: str) -> str:
    """The page without tags and attribute values (a date input's value stays ISO, by HTML)."""
    return re.sub(r"<[^>]*>", " ", html)


@pytest.mark.parametrize(
    ("language", "accident", "hazard"),
    [("zh", "2025年3月4日", "2025年5月2日"), ("en", "Mar 4, 2025", "May 2, 2025")],
)
def test_sme_pages_write_dates_for_the_locale(client, login, records, language, accident, hazard):
    login(records["sme_x_user"])
    headers = {"Accept-Language": language}
    pages = {
        "/sme/records": accident,
        "/sme/hazards": hazard,
    }
    for path, expected in pages.items():
        text = visible_text(client.get(path, headers=headers).get_data(as_text=True))
        assert expected in text, path
        assert not ISO_DAY.search(text), f"{path}: {ISO_DAY.search(text).group()}"


@pytest.mark.parametrize(
    ("language", "chain_joined", "supplier_joined"),
    [("zh", "2024年1月1日", "2024年6月1日"), ("en", "Jan 1, 2024", "Jun 1, 2024")],
)
def test_bureau_and_chain_pages_write_dates_for_the_locale(
    app, client, login, world, language, chain_joined, supplier_joined
):
    headers = {"Accept-Language": language}
    login(world["bureau_user"])
    text = visible_text(client.get("/bureau/", headers=headers).get_data(as_text=True))
    assert chain_joined in text
    assert not ISO_DAY.search(text)
    chain_client = app.test_client()
    login(world["chain_a_user"], client=chain_client)
    page = f"/chain/suppliers/{world['x'].uscc}"
    text = visible_text(chain_client.get(page, headers=headers).get_data(as_text=True))
    assert supplier_joined in text
    assert not ISO_DAY.search(text)

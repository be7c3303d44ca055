"""The bureau's trend pages and the chain leader's own trend page: content, filters, sorting,
exports, and who may open them."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests import trends_fixtures

hand = trends_fixtures.hand


@pytest.fixture
def as_bureau(client, make, login):
    login(make.user("bureau"))
    client.get("/lang/en")
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_overview_still_works_and_links_to_trends(hand, as_bureau):
    page = _text(as_bureau.get("/bureau/"))
    assert "City overview" in page and 'href="/bureau/trends"' in page


def test_dashboard_shows_the_effect_with_its_interval(hand, as_bureau):
    response = as_bureau.get("/bureau/trends?window=3")
    assert response.status_code == 200
    page = _text(response)
    assert "-55.0%" in page  # all chains: 5e6/90,000 → 2e6/80,000
    assert "95% interval" in page and 'data-metric="injury_rate"' in page
    assert "/bureau/trends/series?metric=injury_rate" in page
    for slot in ("chart-injury", "chart-enforcement", "chart-penalty", "chart-event",
                 "chart-heatmap", "chart-colours", "chart-funnel"):  # fmt: skip
        assert f'data-figure="{slot}"' in page
    assert "/vendor/plotly.min.js" in page and "charts.js" in page
    assert "No cases in either window" in page  # chain B, in the comparison table


def test_chain_table_links_and_sorts(hand, as_bureau):
    page = _text(as_bureau.get("/bureau/trends?window=3&sort=injury&desc=0"))
    order = re.findall(r'<tr data-chain="(\d+)"', page)
    # Ascending change, chains without a change last.
    assert order == [str(hand["chain_a"].id), str(hand["chain_b"].id)]
    assert f"/bureau/trends/chains/{hand['chain_a'].id}" in page
    page = _text(as_bureau.get("/bureau/trends?window=3&sort=name&desc=1"))
    assert re.findall(r'<tr data-chain="(\d+)"', page)[0] == str(hand["chain_b"].id)


def test_filters_narrow_and_bad_filters_are_shown_again(hand, as_bureau):
    page = _text(as_bureau.get(f"/bureau/trends?window=3&chain={hand['chain_a'].id}"))
    assert "-60.0%" in page
    response = as_bureau.get("/bureau/trends?from=2024-13&window=0&industry=shoes&chain=999")
    assert response.status_code == 422
    page = _text(response)
    assert "Must be a month written YYYY-MM." in page
    assert "Must be a whole number from 1 to 60." in page
    assert page.count("Choose a value from the list.") == 2
    assert 'value="2024-13"' in page and "chart-injury" not in page


def test_series_page(hand, as_bureau):
    response = as_bureau.get("/bureau/trends/series?metric=enforcement_rate")
    assert response.status_code == 200
    assert "<td>2024-08</td>" in _text(response)
    assert as_bureau.get("/bureau/trends/series?metric=nope").status_code == 422


def test_chain_page(hand, as_bureau):
    chain_a = hand["chain_a"]
    page = _text(as_bureau.get(f"/bureau/trends/chains/{chain_a.id}?window=3"))
    assert chain_a.name in page and "-60.0%" in page
    assert as_bureau.get("/bureau/trends/chains/99999").status_code == 404


def test_exports_csv_and_xlsx(hand, as_bureau):
    response = as_bureau.get("/bureau/trends/export/effect?window=3&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:4] == ["Metric", "Before", "After", "Change %"]
    assert rows[1][0].startswith("Injury rate") and float(rows[1][3]) == pytest.approx(-55.0)
    response = as_bureau.get("/bureau/trends/export/chains?window=3&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet["A1"].value == "Chain" and sheet.max_row == 3
    for table in ("series", "colours", "transitions", "outliers", "heatmap", "event"):
        assert as_bureau.get(f"/bureau/trends/export/{table}").status_code == 200, table
    assert as_bureau.get("/bureau/trends/export/secrets").status_code == 404
    assert as_bureau.get("/bureau/trends/export/effect?format=pdf").status_code == 422
    chain_id = hand["chain_a"].id
    assert as_bureau.get(f"/bureau/trends/chains/{chain_id}/export/effect").status_code == 200


def test_pages_need_the_bureau_role(world, client, login):
    assert client.get("/bureau/trends").status_code == 302  # to the login page
    login(world["chain_a_user"])
    assert client.get("/bureau/trends").status_code == 403
    assert client.get("/bureau/trends/export/effect").status_code == 403


def test_chain_leader_sees_its_own_chain_only(hand, make, client, login):
    login(make.user("chain", chain=hand["chain_a"]))
    client.get("/lang/en")
    response = client.get("/chain/trends/?window=3")
    assert response.status_code == 200
    page = _text(response)
    assert hand["chain_a"].name in page and hand["chain_b"].name not in page
    assert "-60.0%" in page and "chart-heatmap" in page
    assert client.get("/chain/trends/series?metric=injury_rate").status_code == 200
    response = client.get("/chain/trends/export/effect?window=3")
    assert response.status_code == 200 and b"Injury rate" in response.get_data()
    # The chain cannot be swapped for another through the query string.
    page = _text(client.get(f"/chain/trends/?window=3&chain={hand['chain_b'].id}"))
    assert hand["chain_b"].name not in page
    assert client.get("/bureau/trends").status_code == 403


def test_chain_trends_are_closed_to_others(world, client, login):
    login(world["sme_x_user"])
    assert client.get("/chain/trends/").status_code == 403


def test_an_empty_database_says_so_and_does_not_fail(world, client, login, token_for):
    login(world["bureau_user"])
    client.get("/lang/en")
    for path in ("/bureau/trends", f"/bureau/trends/chains/{world['chain_a'].id}",
                 "/bureau/trends/series", "/bureau/trends/export/effect"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
    assert "No hours worked are on record" in _text(client.get("/bureau/trends"))
    headers = token_for(world["bureau_user"])
    body = client.get("/api/v1/trends", headers=headers).json
    assert body["items"] == [] and body["from"] is None
    effect = client.get("/api/v1/trends/effect", headers=headers).json
    assert effect["n_enterprises"] == 0 and effect["months"] is None


def _csv(response) -> list:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.fixture
def outlier(hand, make, db):
    """A footwear firm with far more injuries than its hours warrant."""
    firm = make.enterprise(name="热点鞋业")
    records = trends_fixtures.Records(db)
    for month in trends_fixtures.MONTHS:
        records.hours(firm, month)
        records.accident(firm, month, injured=3)
    records.done()
    return firm


def test_exports_show_labels_in_the_callers_language_not_codes(hand, outlier, as_bureau):
    from models.vocab import GRADE_COLORS, INDUSTRIES

    rows = _csv(as_bureau.get("/bureau/trends/export/outliers?format=csv"))
    assert rows[0][:3] == ["USCC", "Enterprise", "Industry"]
    mine = [r for r in rows[1:] if r[1] == "热点鞋业"]
    assert mine and mine[0][2] == "Footwear and apparel"
    response = as_bureau.get("/bureau/trends/export/outliers?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert "Footwear and apparel" in [c.value for c in sheet["C"]]
    as_bureau.get("/lang/zh")
    rows = _csv(as_bureau.get("/bureau/trends/export/outliers?format=csv"))
    assert [r for r in rows[1:] if r[1] == "热点鞋业"][0][2] == "鞋服"
    # No table of the dashboard or a chain page hands out a bare code of a vocabulary.
    codes = set(INDUSTRIES) | set(GRADE_COLORS) | set(GRADE_COLORS.values())
    codes |= {"members", "non_members", "all"}
    chain_id = hand["chain_a"].id
    for lang in ("en", "zh"):
        as_bureau.get(f"/lang/{lang}")
        for table in ("effect", "chains", "series", "colours", "transitions", "outliers",
                      "heatmap", "event"):  # fmt: skip
            for path in (f"/bureau/trends/export/{table}?window=3",
                         f"/bureau/trends/chains/{chain_id}/export/{table}?window=3"):  # fmt: skip
                response = as_bureau.get(path)
                if response.status_code == 404:  # a table this view has not
                    continue
                cells = {c for row in _csv(response) for c in row}
                assert not cells & codes, (lang, path, cells & codes)

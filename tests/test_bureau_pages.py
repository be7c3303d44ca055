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

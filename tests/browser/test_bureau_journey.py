"""The bureau analyst's journey: the city overview, the trends dashboard with every Plotly chart
drawn (under the app's Content-Security-Policy, from the app's own host only), a chart saved
as PNG through Plotly's toolbar, the dashboard filtered by one chain, and a table exported as
CSV and XLSX."""

import pytest

from .conftest import formula_cells, read_csv, read_xlsx

CHAIN_HEADER = {"zh": "链主", "en": "Chain"}


def chain_table(page) -> dict:
    """{chain name: supplier count} of the dashboard's "Chains compared" table."""
    rows = page.locator("[data-testid=chain-table] tbody tr[data-chain]").evaluate_all(
        """(trs) => trs.map((tr) => [tr.querySelector("td a").textContent.trim(),
                                      tr.children[1].textContent.trim()])"""
    )
    return {name: int(count.replace(",", "")) for name, count in rows}


def linked_now(page) -> int:
    """The "linked suppliers now" card of the dashboard."""
    return int(page.locator(".cards .stat b").first.inner_text().replace(",", ""))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bureau_analyst_reads_the_dashboard_filters_and_exports(journey, lang):
    trip = journey(f"bureau-{lang}", lang=lang)
    page = trip.page

    # 1. The city overview after logging in.
    trip.login("bureau")
    trip.shot("1-overview")

    # 2. The trends dashboard: every chart slot drawn by Plotly.
    trip.follow(page.locator("header nav a[href='/bureau/trends']"))
    charts = trip.charts_drawn()
    assert charts >= 6, f"only {charts} charts on the dashboard"
    city = chain_table(page)
    # A supplier of two chains counts once in the city.
    assert len(city) >= 2 and max(city.values()) <= linked_now(page) <= sum(city.values())
    trip.shot("2-dashboard")
    if lang == "zh":
        trip.readme_shot("bureau")  # the dashboard, which is what an analyst comes for

    # Plotly's toolbar "download as PNG" works under the policy (it draws through a blob: URL;
    # the button's title is Plotly's English one: no Plotly locale is loaded).
    first = page.locator(".chart[data-figure]").first
    first.hover()
    name, body = trip.download(first.locator(".modebar-btn[data-title*='png' i]"))
    assert name.endswith(".png") and body.startswith(b"\x89PNG"), name

    # 3. Filter by one chain through the form: the cards follow, the charts are drawn again.
    chosen = page.locator("form.filters select[name=chain] option[value]:not([value=''])").first
    chain_id, chain_name = chosen.get_attribute("value"), chosen.inner_text().strip()
    page.select_option("form.filters select[name=chain]", chain_id)
    trip.submit("form.filters")
    assert f"chain={chain_id}" in page.url
    assert page.locator("form.filters select[name=chain]").input_value() == chain_id
    assert trip.charts_drawn() == charts
    assert linked_now(page) == city[chain_name]
    shown = chain_table(page)
    trip.shot("3-dashboard-one-chain")

    # 4. Export the "Chains compared" table of this view: CSV and XLSX, a row per table row.
    exports = page.locator("#chains .exports")
    for fmt in ("csv", "xlsx"):
        link = exports.locator(f"a[href*='format={fmt}']")
        assert f"chain={chain_id}" in link.get_attribute("href")
        name, body = trip.download(link, keep_as=f"chains.{fmt}")
        assert name.endswith(f"chains.{fmt}"), name
        table = read_csv(body) if fmt == "csv" else read_xlsx(body)
        header, rows = table[0], table[1:]
        assert header[0] == CHAIN_HEADER[lang], header
        assert {row[0]: int(float(row[1])) for row in rows} == shown, (fmt, rows)
        assert formula_cells(table) == [], formula_cells(table)
    trip.assert_clean()

"""The chain leader's journey: the supplier ranking, a scheme with too little safety refused,
one with 15% saved, the ranking of the period it applies to changing, and the consequences
file for the ERP exported as CSV and XLSX.

A new version can only take effect after the last closed period (the running month), and the
demo rates suppliers up to the last closed period only: so the journey first rates the running
month on the ratings grid, as a chain leader would, for composites to exist there."""

import pytest

from .conftest import formula_cells, read_csv, read_xlsx

MESSAGES = {
    "zh": {
        "safety_min": "安全生产权重不得低于10%",
        "saved": "已保存：新增",
        "in_force": "考核方案第 {version} 版，自 {month} 起生效",
        "version": "第 {version} 版",
    },
    "en": {
        "safety_min": "The safety weight must be at least 10%",
        "saved": "Saved:",
        "in_force": "scheme version {version}, in force from {month}",
        "version": "Version {version}",
    },
}
SAFETY_TOO_LOW, SAFETY_NEW = "9", "15"
RANK_COLUMNS_AFTER = 5  # composite, trend, standing, order action, settlement


def read_ranking(page) -> dict:
    """The ranking page as data: scheme line, period, counts, and its rows by USCC."""
    rows = page.evaluate(
        """() => [...document.querySelectorAll("table.rank tbody tr")]
             .filter((tr) => tr.querySelector(".mono"))
             .map((tr) => ({uscc: tr.querySelector("td.name .mono").textContent.trim(),
                            cells: [...tr.children].map((td) => td.textContent.trim()),
                            composite: tr.querySelector("td.num b")?.textContent.trim()}))"""
    )
    found = {}
    for row in rows:
        cells = row["cells"]
        found[row["uscc"]] = {
            "rank": cells[0],
            "safety": _number(cells[2].split("·")[-1].split()[0]) if "·" in cells[2] else None,
            "criteria": [_number(c) for c in cells[3:-RANK_COLUMNS_AFTER]],
            "composite": _number(row["composite"]) if row["composite"] else None,
            "order_action": cells[-2],
        }
    return {
        "period": page.locator("form.filters select[name=period]").input_value(),
        "heading": page.locator("main > p.muted").first.inner_text(),
        "suppliers": int(page.locator(".cards .stat b").first.inner_text().replace(",", "")),
        "rows": found,
    }


def _number(text: str):
    text = text.replace(",", "").strip()
    return None if text in ("", "—") else float(text)


def show_period(trip, period: str) -> dict:
    """Pick a period in the ranking's filter form; the ranking it shows."""
    trip.page.select_option("form.filters select[name=period]", period)
    trip.submit("form.filters")
    assert trip.charts_drawn() == 2
    ranking = read_ranking(trip.page)
    assert ranking["period"] == period
    return ranking


def rate_running_month(trip, period: str) -> int:
    """Fill every cell of the ratings grid for `period`, page by page; the cells saved."""
    trip.follow(trip.page.locator("header nav a[href='/chain/ratings/']"))
    trip.page.select_option("form.period-picker select[name=period]", period)
    trip.submit("form.period-picker")
    saved = 0
    while True:
        # Deterministic, varied scores: 55-99, so suppliers differ and the order can move.
        cells = trip.page.evaluate(
            """() => { const cells = [...document.querySelectorAll("main input[name^='r-']")];
                 cells.forEach((el, i) => { el.value = String(55 + (i * 37) % 45); });
                 return cells.length; }"""
        )
        assert cells > 0
        trip.submit("main form[method=post]")
        flash = trip.page.locator("main .flash").first.inner_text()
        assert MESSAGES[trip.lang]["saved"] in flash and str(cells) in flash, flash
        saved += cells
        following = trip.page.locator("nav.pager a", has_text="→")
        if not following.count():
            return saved
        trip.follow(following)


def scheme_rows(page) -> dict:
    """{criterion key: index of its row} in the scheme editor."""
    keys = page.locator("[data-rows=criteria] input[name$='-key']").evaluate_all(
        "(els) => els.map((el) => el.value.trim())"
    )
    return {key: i for i, key in enumerate(keys) if key}


def set_weights(page, weights: dict) -> None:
    rows = scheme_rows(page)
    for key, value in weights.items():
        page.fill(f"input[name='criteria-{rows[key]}-weight']", value)


def composite(weights: dict, scores: dict) -> float:
    """Σ weight × score, as the scheme defines the composite."""
    return sum(weights[k] * scores[k] for k in weights) / 100


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chain_leader_changes_the_scheme_and_exports_the_consequences(journey, lang):
    trip = journey(f"chain-{lang}", lang=lang)
    text = MESSAGES[lang]
    page = trip.page

    # 1. Log in: the ranking of the last closed period, charts drawn.
    trip.login("chain")
    assert trip.charts_drawn() == 2
    closed_before = read_ranking(page)
    running = page.locator("form.filters select[name=period] option").first.get_attribute("value")
    assert closed_before["period"] < running, "the default period is the last closed one"
    assert any(r["composite"] is not None for r in closed_before["rows"].values())
    trip.shot("1-ranking")
    if lang == "zh":
        trip.readme_shot("chain")

    # 2. Rate the running month (the period a new version can apply to) and see its ranking
    # under the scheme in force, version 1.
    rated = rate_running_month(trip, running)
    assert rated >= 4 * len(closed_before["rows"])
    trip.go(f"/chain/?period={running}")
    assert trip.charts_drawn() == 2
    before = read_ranking(page)
    assert before["period"] == running
    assert text["in_force"].split("{month}")[0].format(version=1) in before["heading"]
    complete = {u: r for u, r in before["rows"].items() if r["composite"] is not None}
    assert len(complete) >= len(before["rows"]) - 3, "rated suppliers have a composite"
    trip.shot("2-ranking-running-month")

    # 3. The scheme editor: safety at 9% is refused, live and by the server, nothing saved.
    trip.follow(page.locator("header nav a[href='/chain/scheme/']"))
    assert page.locator("input[name=effective_from]").input_value() == running
    rows = scheme_rows(page)
    weights = {
        key: float(page.input_value(f"input[name='criteria-{i}-weight']"))
        for key, i in rows.items()
    }
    assert sum(weights.values()) == 100 and weights["safety"] >= 10
    old_weights = dict(weights)
    low = {"safety": float(SAFETY_TOO_LOW)}
    low["quality"] = weights["quality"] + weights["safety"] - low["safety"]  # sum stays 100
    set_weights(page, {k: f"{v:g}" for k, v in low.items()})
    feedback = page.locator("#weights-feedback")
    assert text["safety_min"] in feedback.inner_text()
    assert "bad" in feedback.get_attribute("class")
    response = trip.submit("#scheme-form", refused=True)
    assert response.status == 422
    safety_row = page.locator("[data-rows=criteria] [data-row]").nth(scheme_rows(page)["safety"])
    assert text["safety_min"] in safety_row.locator(".error").inner_text()
    assert page.locator("input[name=version]").input_value() == "1"
    trip.shot("3-scheme-safety-9-refused")

    # 4. Safety at 15%, quality takes the rest: saved as version 2 from the running month.
    new = {"safety": float(SAFETY_NEW)}
    new["quality"] = old_weights["quality"] + old_weights["safety"] - new["safety"]
    set_weights(page, {k: f"{v:g}" for k, v in new.items()})
    assert "ok" in feedback.get_attribute("class"), feedback.inner_text()
    response = trip.submit("#scheme-form")
    assert response.status == 200 and trip.path() == "/chain/scheme/versions"
    newest = page.locator("main section.card").first
    assert text["version"].format(version=2) in newest.locator("h2").inner_text()
    assert running in newest.locator("h2").inner_text()
    trip.shot("4-scheme-version-2")
    new_weights = old_weights | new

    # 5. The closed period keeps version 1 and its composites; the running month follows
    # version 2: every composite is the new weighted sum, and they moved.
    trip.follow(page.locator("header nav a[href='/chain/']"))
    assert trip.charts_drawn() == 2
    closed_after = read_ranking(page)
    assert closed_after["period"] == closed_before["period"]
    assert closed_after["heading"] == closed_before["heading"]
    assert {u: r["composite"] for u, r in closed_after["rows"].items()} == {
        u: r["composite"] for u, r in closed_before["rows"].items()
    }
    after = show_period(trip, running)
    assert text["in_force"].format(version=2, month=running) in after["heading"]
    assert set(after["rows"]) == set(before["rows"])
    keys = [k for k in rows if k != "safety"]
    moved = 0
    for uscc, row in complete.items():
        now = after["rows"][uscc]
        scores = {"safety": row["safety"], **dict(zip(keys, row["criteria"], strict=True))}
        assert now["composite"] == pytest.approx(composite(new_weights, scores), abs=0.02), uscc
        assert row["composite"] == pytest.approx(composite(old_weights, scores), abs=0.02), uscc
        moved += now["composite"] != row["composite"]
    assert moved >= len(complete) * 0.8, f"only {moved} of {len(complete)} composites moved"
    ranked = sorted(
        (r for r in after["rows"].values() if r["rank"].isdigit()), key=lambda r: int(r["rank"])
    )
    composites = [r["composite"] for r in ranked]
    assert composites == sorted(composites, reverse=True), "ranks follow the new composites"
    trip.shot("5-ranking-after")

    # 6. The consequences file of that period, CSV and XLSX, one row per supplier.
    export_rows = {}
    for fmt in ("csv", "xlsx"):
        link = page.locator(f"form.filters a[href*='format={fmt}']")
        assert f"period={running}" in link.get_attribute("href")
        name, body = trip.download(link, keep_as=f"export.{fmt}")
        assert name.endswith(f"-{running}.{fmt}"), name
        table = read_csv(body) if fmt == "csv" else read_xlsx(body)
        header, data = table[0], table[1:]
        for column in ("uscc", "composite", "order_action", "settlement_adjustment_pct"):
            assert column in header, (fmt, header)
        assert len(data) == after["suppliers"], (fmt, len(data), after["suppliers"])
        by_uscc = {row[header.index("uscc")]: dict(zip(header, row, strict=True)) for row in data}
        assert len(by_uscc) == len(data), "one row per supplier"
        assert set(after["rows"]) <= set(by_uscc)
        assert {str(r["period"]) for r in by_uscc.values()} == {running}
        assert formula_cells(table) == [], (fmt, formula_cells(table))
        for uscc in complete:
            exported = by_uscc[uscc]
            assert float(exported["composite"]) == after["rows"][uscc]["composite"], uscc
            assert exported["order_action"], uscc
            exact = {"safety": float(exported["safety_score"])}
            exact |= {k: float(exported[k]) for k in keys}
            assert float(exported["composite"]) == pytest.approx(
                composite(new_weights, exact), abs=0.006
            ), uscc
        export_rows[fmt] = by_uscc
    assert set(export_rows["csv"]) == set(export_rows["xlsx"])

    trip.assert_clean()

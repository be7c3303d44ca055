"""The SME owner's journey on a phone (375×812): the score, what would raise it, the hazard of
the best "rectify" action marked rectified, and the provisional score risen by exactly the
points the page promised. No page of the way scrolls sideways."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

WIDTH, HEIGHT = 375, 812
TIMEZONE = ZoneInfo("Asia/Shanghai")  # the bureau's (config.toml TIMEZONE): the app's today
MOVED = {
    "zh": "您本月的得分从 {before} 变为 {after}。",
    "en": "Your score this month went from {before} to {after}.",
}
NOTE = {"zh": "消防通道已清理", "en": "Fire exit cleared"}


def shown_score(page) -> float:
    score = page.locator("[data-testid=score]")
    value = float(score.get_attribute("data-score"))
    assert score.inner_text().strip() == f"{value:.1f}"
    return value


def open_menu(trip, endpoint: str) -> None:
    """The phone menu: open it, follow one of its links."""
    trip.page.click("[data-testid=sme-menu] summary")
    trip.follow(trip.page.locator(f"[data-testid=sme-menu] a[href='{endpoint}']"))
    assert trip.path() == endpoint


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sme_owner_rectifies_a_hazard_and_sees_the_promised_rise(journey, lang):
    trip = journey(f"sme-{lang}", lang=lang, width=WIDTH, height=HEIGHT)
    page = trip.page

    # 1. My score: the number, the grade, the history chart; nothing wider than the phone.
    trip.login("sme")
    before = shown_score(page)
    assert page.locator("[data-testid=grade]").inner_text().strip() in ("A", "B", "C", "D")
    assert trip.charts_drawn() == 1
    trip.no_horizontal_scroll(WIDTH)
    trip.shot("1-score")
    if lang == "zh":
        trip.readme_shot("sme")

    # 2. What would raise it: best first; the top "rectify a hazard" action and its points.
    open_menu(trip, "/sme/raise")
    items = page.locator("[data-testid=what-if-list] [data-testid=what-if]")
    deltas = [float(d) for d in items.evaluate_all("(els) => els.map((el) => el.dataset.delta)")]
    assert deltas and deltas == sorted(deltas, reverse=True), deltas
    rectify = page.locator("[data-testid=what-if-list] [data-action=rectify_hazard]")
    assert rectify.count(), "the demo SME has no hazard to rectify this month"
    top = rectify.first
    hazard_id, delta = top.get_attribute("data-hazard-id"), float(top.get_attribute("data-delta"))
    assert top.get_attribute("data-action") == "rectify_hazard" and delta > 0
    trip.no_horizontal_scroll(WIDTH)
    trip.shot("2-what-would-raise-it")

    # 3. Its link leads to the hazard on My hazards, with the same gain on its rectify form.
    trip.follow(top.locator("a"))
    assert trip.path() == "/sme/hazards"
    form = page.locator(f"#rectify-form-{hazard_id}")
    assert form.count() == 1, f"hazard #{hazard_id} has no rectify form on {page.url}"
    hazard = page.locator(f"#hazard-{hazard_id}")
    assert f"+{delta:.1f}" in hazard.locator("details.rectify summary").inner_text()
    trip.no_horizontal_scroll(WIDTH)
    hazard.locator("details.rectify summary").click()
    day = form.locator("input[name=rectified_on]")
    today = datetime.now(TIMEZONE).date().isoformat()
    assert day.input_value() <= today, "the form proposes a day in the future"
    day.fill(day.input_value() or today)
    form.locator("textarea[name=rectify_note]").fill(NOTE[lang])
    trip.shot("3-rectify-form")
    trip.submit(f"#rectify-form-{hazard_id}")
    assert trip.path() == "/sme/hazards"
    after = round(before + delta, 1)
    flash = page.locator("main .flash").first.inner_text()
    assert flash == MOVED[lang].format(before=f"{before:.1f}", after=f"{after:.1f}"), flash
    status = page.locator(f"#hazard-{hazard_id}").get_attribute("data-status")
    assert status in ("rectified_on_time", "rectified_late"), status
    assert page.locator(f"#rectify-form-{hazard_id}").count() == 0
    trip.no_horizontal_scroll(WIDTH)
    trip.shot("4-rectified")

    # 4. My score again: up by exactly the promised points, and that action is gone.
    open_menu(trip, "/sme/")
    assert shown_score(page) == pytest.approx(after, abs=1e-9)
    trip.no_horizontal_scroll(WIDTH)
    trip.shot("5-score-risen")
    open_menu(trip, "/sme/raise")
    assert page.locator(f"[data-testid=what-if][data-hazard-id='{hazard_id}']").count() == 0
    trip.assert_clean()

"""Each demo user logs in through a real browser and lands on their page, in both languages."""

import pytest


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    ("role", "path"), [("bureau", "/bureau/"), ("chain", "/chain/"), ("sme", "/sme/")]
)
def test_demo_users_land_on_their_page(journey, role, path, lang):
    trip = journey(f"smoke-{role}-{lang}")
    trip.login(role, lang)
    assert trip.page.url.endswith(path)
    assert trip.page.locator("html").get_attribute("lang") == ("en" if lang == "en" else "zh-CN")
    trip.shot("landing")
    trip.assert_clean()

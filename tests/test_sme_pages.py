"""The owner's read-only pages: my score, why, what would raise it, my records."""

import re
from datetime import date

import pytest
from sqlalchemy import update

from models import Enterprise, Hazard

from .sme_fixtures import records_fixture, today_fixture  # noqa: F401

EN = {"Accept-Language": "en"}


@pytest.fixture
def owner(client, login, records):
    """The owner of x, logged in, reading English."""
    login(records["sme_x_user"])
    return client


def page(client, path: str) -> str:
    response = client.get(path, headers=EN)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_score_page_shows_score_components_history_and_official_month(owner):
    html = page(owner, "/sme/")
    assert re.search(r'data-testid="score" data-score="[\d.]+"', html)
    assert 'data-testid="official-score"' in html and "2025/5" in html
    assert html.count("<meter") == 4
    assert 'data-figure="score-history"' in html and "/vendor/plotly.min.js" in html
    assert "Rectify hazard #" in html


def test_why_page_explains_in_sentences_with_links(owner):
    html = page(owner, "/sme/why")
    assert "Hazards past their deadline: 1" in html
    assert "/sme/hazards?status=overdue" in html
    assert "Accident in 2025/3: 1 seriously injured" in html
    assert "/sme/records?month=2025-03#accidents" in html


def test_raise_page_lists_what_ifs_best_first(owner):
    html = page(owner, "/sme/raise")
    deltas = [
        float(d) for d in re.findall(r'data-testid="what-if"[^>]*data-delta="([\d.]+)"', html)
    ]
    assert deltas and deltas == sorted(deltas, reverse=True)
    assert "Rectify hazard #" in html and "消防通道堵塞" in html


def test_records_page_lists_accidents_and_inspections(owner):
    html = page(owner, "/sme/records")
    assert 'data-testid="accident"' in html and 'data-testid="inspection"' in html
    assert "fine CNY 20,000" in html
    march = page(owner, "/sme/records?month=2025-03")
    assert 'data-testid="accident"' in march and 'data-testid="inspection"' not in march


def test_hazards_page_shows_status_and_filters(owner):
    html = page(owner, "/sme/hazards")
    assert 'data-status="overdue"' in html and 'data-status="open"' in html
    assert "叉车无证驾驶" not in html  # y's hazard
    overdue = page(owner, "/sme/hazards?status=overdue")
    assert 'data-status="open"' not in overdue and 'data-status="overdue"' in overdue


def test_veto_is_said_in_plain_words(owner, db, records):
    db.add(
        Hazard(
            enterprise_id=records["x"].id,
            source_ref="HM",
            found_on=date(2025, 6, 1),
            month="2025-06",
            level="major",
            deadline=date(2025, 6, 10),
            description="液氨储罐泄漏报警失灵",
        )
    )
    db.commit()
    html = page(owner, "/sme/")
    assert 'data-testid="grade">D<' in html and 'data-testid="veto"' in html
    assert "A major hazard is past its deadline and not rectified." in html


def test_standing_names_no_other_firm(owner, records):
    html = page(owner, "/sme/")
    standing = html[html.index('data-testid="standing"') :]
    assert re.search(r"higher than \d+% of the 6 firms in Footwear and apparel", standing)
    for other in ("y", "both", "outsider", "leader_a", "leader_b"):
        assert records[other].name not in html and records[other].uscc not in html


def test_standing_is_withheld_with_few_peers(owner, db, records):
    db.execute(update(Enterprise).where(Enterprise.id != records["x"].id).values(industry="food"))
    db.commit()
    assert "Not enough scored firms in your industry" in page(owner, "/sme/")


def test_low_confidence_note(owner):
    assert 'data-testid="low-confidence"' in page(owner, "/sme/")


def test_score_page_before_any_close(client, login, make, today):
    firm = make.enterprise()
    login(make.user("sme", enterprise=firm))
    html = page(client, "/sme/")
    assert "No official monthly score yet." in html and 'data-testid="score"' in html
    for path in ("/sme/why", "/sme/raise", "/sme/hazards", "/sme/records"):
        page(client, path)

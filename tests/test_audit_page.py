"""The bureau's audit page (ASVS 16.x): lists the trail newest first, filters it, exports it;
only the bureau sees it, and it offers no way to change a row."""

import csv
import io
from datetime import UTC, datetime

import pytest

from anlian.scope import Scope
from anlian.services import audit

EN = {"Accept-Language": "en"}


@pytest.fixture
def trail(db):
    """Four changes by two people, in the order written (UTC times; the bureau is on UTC+8)."""
    changes = [
        ("alice", "update", "hazard", 7, datetime(2025, 3, 1, 2, 0, tzinfo=UTC)),
        ("alice", "create", "membership", 3, datetime(2025, 3, 1, 3, 0, tzinfo=UTC)),
        ("bob", "update", "scheme", 1, datetime(2025, 3, 2, 1, 0, tzinfo=UTC)),
        ("bob", "rate", "ratings", 3, datetime(2025, 3, 2, 17, 30, tzinfo=UTC)),  # 3 Mar local
    ]
    for actor, action, entity, entity_id, at in changes:
        event = audit.record(
            db,
            Scope(role="bureau", user_id=None, username=actor, ip="10.0.0.9"),
            action=action,
            entity=entity,
            entity_id=entity_id,
            before={"quality": 70, "same": 1},
            after={"quality": 85, "same": 1},
        )
        event.at = at
        event.hash = audit.event_hash(event)
        db.flush()
        db.info.pop("audit_head", None)  # the next row links to the rehashed one
    db.commit()
    return changes


def shown(client, query: str = "") -> list[str]:
    html = client.get(f"/bureau/audit/?{query}", headers=EN).get_data(as_text=True)
    return [row.split("</tr>")[0] for row in html.split('data-testid="audit-event"')[1:]]


def test_the_bureau_sees_the_trail_newest_first_with_what_changed(client, login, world, trail):
    login(world["bureau_user"])
    rows = shown(client)
    assert [r.count("ratings") for r in rows] == [1, 0, 0, 0]  # the last written comes first
    assert "Mar 3, 2025 01:30" in rows[0]  # in the bureau's time zone
    assert "quality</span>: 70 → 85" in rows[0]
    assert "same</span>" not in rows[0]  # unchanged fields are not listed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=alice", 2),
        ("entity=membership", 1),
        ("action=update", 2),
        ("entity=ratings&entity_id=3", 1),
        ("since=2025-03-03", 1),  # local days: bob's rating is on 3 March in Shanghai
        ("since=2025-03-01&until=2025-03-01", 2),
        ("actor=nobody", 0),
    ],
)
def test_filters_narrow_the_trail(client, login, world, trail, query, expected):
    login(world["bureau_user"])
    assert len(shown(client, query)) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [("since=2025-03-05&until=2025-03-01", "until"), ("since=yesterday", "since")],
)
def test_a_bad_filter_names_its_field(client, login, world, trail, query, field):
    login(world["bureau_user"])
    response = client.get(f"/bureau/audit/?{query}", headers=EN)
    assert response.status_code == 422
    assert f'data-field="{field}"' in response.get_data(as_text=True)


def test_export_has_every_matching_row_and_neutralised_text(client, login, world, db, trail):
    audit.record(
        db,
        Scope(role="bureau", user_id=None, username="=HYPERLINK(1)", ip=None),
        action="update",
        entity="user",
        entity_id=1,
    )
    db.commit()
    login(world["bureau_user"])
    response = client.get("/bureau/audit/export?format=csv&action=update", headers=EN)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Id", "When", "User"]
    assert sorted(r[2] for r in rows[1:]) == ["'=HYPERLINK(1)", "alice", "bob"]
    assert client.get("/bureau/audit/export?format=pdf").status_code == 422


@pytest.mark.parametrize("role", ["chain_a_user", "sme_x_user"])
def test_only_the_bureau_sees_it(client, login, world, trail, role):
    login(world[role])
    assert client.get("/bureau/audit/").status_code == 403
    assert client.get("/bureau/audit/export").status_code == 403


def test_the_page_offers_no_way_to_change_a_row(app, db, trail):
    methods = {
        method
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("audit.")
        for method in rule.methods
    }
    assert methods <= {"GET", "HEAD", "OPTIONS"}
    assert audit.verify(db) == (4, None)  # the fixture's rows still form a valid chain


def test_pages_keep_the_filters(client, login, world, db):
    scope = Scope(role="bureau", user_id=None, username="carol", ip=None)
    for i in range(55):
        audit.record(db, scope, action="update", entity="hazard", entity_id=i)
    db.commit()
    login(world["bureau_user"])
    html = client.get("/bureau/audit/?actor=carol", headers=EN).get_data(as_text=True)
    assert "Page 1 of 2" in html
    assert 'href="/bureau/audit/?page=2&amp;actor=carol"' in html
    assert len(shown(client, "actor=carol&page=2")) == 5


@pytest.mark.parametrize(
    ("language", "message"), [("en", "Must be one of: csv, xlsx."), ("zh", "csv, xlsx")]
)
def test_a_download_in_an_unknown_format_names_the_field(client, login, world, language, message):
    login(world["bureau_user"])
    for path in ("/bureau/audit/export", "/bureau/trends/export/chains"):
        response = client.get(f"{path}?format=pdf", headers={"Accept-Language": language})
        assert response.status_code == 422, path
        page = response.get_data(as_text=True)
        assert "format" in page and message in page, path

"""The trend cache: reused while nothing changed, never stale after a write."""

from datetime import date

from sqlalchemy import event

from anlian.db import open_session
from anlian.scope import Scope
from anlian.services import audit, rollup, trends, trends_cache, trends_effect
from models import Accident, Membership
from tests import trends_fixtures

hand = trends_fixtures.hand
SEL = trends.Selection()


def _reader(app):
    session = open_session(app.extensions["anlian_engine"], write=False)
    trends_cache.enable(session)
    return session


def _grouping_queries(app, call) -> int:
    """How many GROUP BY statements `call()` sent to the database."""
    seen = []

    def spy(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = app.extensions["anlian_engine"]
    event.listen(engine, "before_cursor_execute", spy)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    return sum("GROUP BY" in statement for statement in seen)


def test_results_are_reused_until_a_record_arrives(hand, app, db):
    first = _reader(app)
    before = trends.series(first, Scope.system(), SEL, groups=("all",))
    period = trends.Selection(first="2024-02", last="2024-03")
    again = lambda: trends.series(first, Scope.system(), period, groups=("all",))  # noqa: E731
    assert _grouping_queries(app, again) == 0  # a period is a slice of the cached span
    assert again()["all"] == before["all"][1:3]
    first.close()
    db.add(
        Accident(enterprise_id=hand["n1"].id, source_ref="NEW", occurred_on=date(2024, 3, 3),
                 month="2024-03", severity="minor", injured=5)
    )  # fmt: skip
    db.flush()
    rollup.refresh(db, [hand["n1"].id])
    db.commit()
    second = _reader(app)
    after = trends.series(second, Scope.system(), SEL, groups=("all",))
    second.close()
    march = [row for row in after["all"] if row["month"] == "2024-03"][0]
    assert march["cases"] == [r for r in before["all"] if r["month"] == "2024-03"][0]["cases"] + 5


def test_an_audited_update_without_new_rows_invalidates(hand, app, db):
    reader = _reader(app)
    scope_a = trends.Selection(chain_id=hand["chain_a"].id)
    before = trends.series(reader, Scope.system(), scope_a, groups=("members",))["members"]
    reader.close()
    link = db.get(Membership, _membership_id(db, hand["s1"].id))
    link.left_on = date(2024, 6, 1)
    audit.record(db, Scope.system(), action="leave", entity="membership", entity_id=link.id)
    db.commit()
    reader = _reader(app)
    after = trends.series(reader, Scope.system(), scope_a, groups=("members",))["members"]
    reader.close()
    assert before[7]["hours"] == 20_000 and after[7]["hours"] == 10_000  # August


def _membership_id(db, enterprise_id: int) -> int:
    from sqlalchemy import select

    return db.execute(
        select(Membership.id).where(Membership.enterprise_id == enterprise_id)
    ).scalar_one()


def test_sessions_that_did_not_opt_in_always_query(hand, app):
    session = open_session(app.extensions["anlian_engine"], write=True)
    one = trends.series(session, Scope.system(), SEL, groups=("all",))
    two = trends.series(session, Scope.system(), SEL, groups=("all",))
    session.rollback()
    session.close()
    assert one == two and one is not two


def test_an_edit_in_place_invalidates(hand, app, db):
    """An edit that adds no row anywhere but the audit trail: the hours of a month."""
    from anlian.services import records

    reader = _reader(app)
    before = trends.series(reader, Scope.system(), SEL, groups=("non_members",))["non_members"]
    effect = trends_effect.effect(reader, Scope.system(), SEL, window=3)
    reader.close()
    config = app.extensions["scoring_config"]
    records.put_work_hours(db, Scope.system(), hand["n1"], {"month": "2024-03", "hours": 4000.0},
                           today=date(2025, 1, 10), config=config)  # fmt: skip
    db.commit()
    reader = _reader(app)
    after = trends.series(reader, Scope.system(), SEL, groups=("non_members",))["non_members"]
    changed = trends_effect.effect(reader, Scope.system(), SEL, window=3)
    reader.close()
    assert (before[2]["hours"], after[2]["hours"]) == (20_000, 14_000)  # March
    before_did = effect["results"][0]["did"]["injury_rate"]["control_before"]
    assert changed["results"][0]["did"]["injury_rate"]["control_before"] != before_did


def test_a_month_close_invalidates_and_so_does_a_reclose(hand, app, db):
    from anlian.services import scores, trends_colours

    config = app.extensions["scoring_config"]
    reader = _reader(app)
    assert (
        trends.series(reader, Scope.system(), SEL, groups=("all",))["all"][2]["mean_score"] is None
    )
    first = trends_cache.fingerprint(reader)
    reader.close()
    scores.close_month(db, month="2024-03", config=config)
    db.commit()
    reader = _reader(app)
    march = trends.series(reader, Scope.system(), SEL, groups=("all",))["all"][2]
    colours = trends_colours.colour_distribution(reader, Scope.system(), SEL)[2]
    second = trends_cache.fingerprint(reader)
    reader.close()
    assert march["mean_score"] is not None and colours["total"] > 0
    # A re-close replaces the month's rows; SQLite may give the new row the old id.
    scores.close_month(db, month="2024-03", config=config)
    db.commit()
    reader = _reader(app)
    assert len({first, second, trends_cache.fingerprint(reader)}) == 3
    reader.close()

"""The audit trail: hash-chained, append-only in the database, verified by a command."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from anlian.scope import Scope
from anlian.services import audit
from models import AuditEvent


def _events(db, count=3):
    scope = Scope(role="bureau", user_id=None, username="tester", ip="127.0.0.1")
    for i in range(count):
        audit.record(
            db,
            scope,
            action="update",
            entity="hazard",
            entity_id=i,
            before={"rectified_on": None},
            after={"rectified_on": f"2025-01-0{i + 1}"},
        )
    db.commit()


def test_rows_chain_to_their_predecessor(db):
    _events(db)
    _events(db, 2)  # a second transaction continues the same chain
    rows = db.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    assert rows[0].prev_hash is None
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert audit.verify(db) == (5, None)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor = 'someone else'",
        "DELETE FROM audit_event",
    ],
)
def test_the_database_refuses_to_change_audit_rows(db, statement):
    _events(db)
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(statement))
    db.rollback()
    assert audit.verify(db) == (3, None)


def test_verify_finds_a_tampered_row(db, runner):
    _events(db)
    assert "intact: 3 events" in runner.invoke(args=["audit", "verify"]).output
    # Tampering needs the triggers out of the way: what an attacker with DDL rights would do.
    name = db.bind.dialect.name
    if name == "sqlite":
        db.execute(text("DROP TRIGGER audit_event_no_update"))
    else:
        db.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
    db.execute(text("UPDATE audit_event SET actor = 'forger' WHERE id = 2"))
    db.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "broken at event 2" in result.output
    if name == "postgresql":
        db.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
        db.commit()

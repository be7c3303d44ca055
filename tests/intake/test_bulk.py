"""The fast bulk INSERT stores exactly what SQLAlchemy's own executemany stores."""

import gc
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from anlian.db import open_session
from anlian.intake import ImportRejected
from anlian.intake.bulk import insert_rows
from models import Inspection

from .conftest import BUREAU, TODAY

NOW = datetime(2025, 6, 30, 8, 0, tzinfo=UTC)
ROWS = [
    {"enterprise_id": 1, "source_ref": "a", "inspected_on": date(2024, 3, 5), "month": "2024-03",
     "outcome": "fine", "penalty_cny": Decimal("12345.50"), "uscc": "ignored"},
    {"enterprise_id": 2, "source_ref": "b", "inspected_on": date(2024, 3, 5), "month": "2024-03",
     "outcome": "none", "penalty_cny": Decimal("0"), "uscc": "ignored"},
]
NAMES = ["enterprise_id", "source_ref", "inspected_on", "month", "outcome", "penalty_cny"]


def stored(engine):
    with open_session(engine, write=False) as session:
        return [tuple(r)[1:] for r in session.execute(select(Inspection.__table__)
                                                      .order_by(Inspection.id))]


def test_fast_path_matches_core_executemany(engine):
    with open_session(engine, write=True) as session:
        insert_rows(session, Inspection.__table__, ROWS, NAMES,
                    {"created_at": NOW, "updated_at": NOW})
        session.commit()
    fast = stored(engine)
    with open_session(engine, write=True) as session:
        session.execute(Inspection.__table__.delete())
        rows = [{**{n: r[n] for n in NAMES}, "created_at": NOW, "updated_at": NOW} for r in ROWS]
        session.execute(insert(Inspection.__table__), rows)
        session.commit()
    assert stored(engine) == fast
    assert fast[0][4:8] == ("应急管理局", 0, "fine", Decimal("12345.50"))


def test_columns_with_computed_defaults_take_the_ordinary_path(engine):
    with open_session(engine, write=True) as session:
        insert_rows(session, Inspection.__table__, ROWS, NAMES, {})
        session.commit()
    assert [r[1] for r in stored(engine)] == ["a", "b"]
    assert all(isinstance(r[-1], datetime) for r in stored(engine))


@pytest.mark.parametrize("data", [b"uscc,inspected_on,outcome,source_ref\r\nx,y,z,w\r\n", b""])
def test_the_garbage_collector_is_restored(importer, data):
    assert gc.isenabled()
    with pytest.raises(ImportRejected):
        importer("inspections", data)
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(ImportRejected):
            importer("inspections", data, scope=BUREAU, today=TODAY)
        assert not gc.isenabled()
    finally:
        gc.enable()

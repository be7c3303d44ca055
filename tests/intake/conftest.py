"""Fixtures for the importer: a small SQLite database per test and a way to run imports."""

import hashlib
import shutil
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select
from sqlmodel import SQLModel

import models
from anlian.db import make_engine, open_session
from anlian.intake import run_import
from anlian.scope import Scope
from tests.data.make_corpus import USCCS

TODAY = date(2025, 6, 30)
BUREAU = Scope(role="bureau", user_id=None, username="analyst")


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory):
    """A database file with the schema and the seed rows, built once and copied per test."""
    path = tmp_path_factory.mktemp("intake") / "seeded.db"
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    with open_session(engine, write=True) as session:
        seed(session)
        session.commit()
    with engine.connect() as connection:
        # Fold the WAL into the main file so that copying the file copies everything.
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def engine(seeded_file, tmp_path):
    """A database of its own: the schema, 3 enterprises, 2 chains, memberships, a scheme."""
    path = tmp_path / "t.db"
    shutil.copy(seeded_file, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def seed(session) -> None:
    """Enterprises A, B, C; chain 1 led by A with B and C as suppliers; chain 2 led by C
    with A as supplier."""
    session.execute(insert(models.Enterprise), [
        {"uscc": code, "name": f"企业{i}", "industry": "food", "town": "陈埭镇"}
        for i, code in enumerate(USCCS, start=1)
    ])
    session.execute(insert(models.Chain), [
        {"id": 1, "name": "链一", "leader_id": 1, "joined_on": date(2023, 1, 1)},
        {"id": 2, "name": "链二", "leader_id": 3, "joined_on": date(2023, 1, 1)},
    ])
    session.execute(insert(models.Membership), [
        {"chain_id": 1, "enterprise_id": 2, "joined_on": date(2023, 3, 1), "tier": 1},
        {"chain_id": 1, "enterprise_id": 3, "joined_on": date(2023, 3, 1), "tier": 2,
         "annual_spend_cny": Decimal("1000000.00")},
        {"chain_id": 2, "enterprise_id": 1, "joined_on": date(2024, 1, 1), "tier": 1},
    ])
    criteria = [{"key": "safety", "label": "安全", "weight_bp": 4000},
                {"key": "quality", "label": "质量", "weight_bp": 3000},
                {"key": "delivery", "label": "交付", "weight_bp": 3000}]
    session.execute(insert(models.Scheme), [
        {"chain_id": 1, "version": 1, "effective_from": "2024-01", "safety_weight_bp": 4000,
         "criteria": criteria, "bands": []},
    ])


@pytest.fixture
def importer(engine):
    """Run one import in its own write transaction, committed unless it fails."""

    def run(kind, data, scope=BUREAU, filename="upload.csv", **kwargs):
        kwargs.setdefault("today", TODAY)
        with open_session(engine, write=True) as session:
            result = run_import(session, scope, kind, data, filename, **kwargs)
            session.commit()
        return result

    return run


def snapshot(engine) -> dict:
    """Row count and a checksum of every row of every table: equal means unchanged."""
    out = {}
    with open_session(engine, write=False) as session:
        for table in SQLModel.metadata.sorted_tables:
            rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
            count = session.execute(select(func.count()).select_from(table)).scalar_one()
            out[table.name] = (count, digest)
    return out


def rows_of(engine, model, *columns):
    """The given columns of every row of `model`, ordered by id."""
    with open_session(engine, write=False) as session:
        query = select(*(getattr(model, c) for c in columns)).order_by(model.id)
        return [tuple(r) for r in session.execute(query)]

"""Fixtures: an app on a clean database per test, on SQLite always and on PostgreSQL when
ANLIAN_TEST_DATABASE_URL is set; clients, users and record factories."""

import functools
import os
import re
import shutil
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import models
from anlian import create_app, migrate
from anlian.db import make_engine, open_session
from anlian.services.users import hash_password
from models.uscc import make_uscc

PG_URL = os.environ.get("ANLIAN_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "correct-horse-42"


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, tmp_path_factory):
    """A migrated database per backend: a template file for SQLite, the schema on PostgreSQL."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("db") / "template.db"
        migrate.upgrade(f"sqlite:///{template}")
        return {"backend": "sqlite", "template": template}
    engine = make_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(PG_URL)
    return {"backend": "postgresql", "url": PG_URL}


def _database_url(database, tmp_path) -> str:
    if database["backend"] == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(database["template"], path)
        return f"sqlite:///{path}"
    return database["url"]


def _truncate_all(engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(database, tmp_path):
    """The app on a clean database of the current backend."""
    app = create_app(
        {
            "DATABASE_URL": _database_url(database, tmp_path),
            "TESTING": True,
            "SECRET_KEY": "test-secret",
        }
    )
    yield app
    engine = app.extensions["anlian_engine"]
    if database["backend"] == "postgresql":
        _truncate_all(engine)
    engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A write session for arranging test data; commit what you add."""
    session = open_session(app.extensions["anlian_engine"], write=True)
    yield session
    session.rollback()
    session.close()


@functools.cache
def password_hash() -> str:
    """scrypt is slow on purpose: hash the shared test password once per run."""
    return hash_password(PASSWORD)


class Factory:
    """Builders for enterprises, chains, memberships and users (committed at once)."""

    def __init__(self, session):
        self.session = session
        self.serial = 0

    def _add(self, row):
        self.session.add(row)
        self.session.commit()
        return row

    def enterprise(self, **fields) -> models.Enterprise:
        self.serial += 1
        body = f"91350582MA{self.serial:07d}"
        defaults = {
            "uscc": make_uscc(body),
            "name": f"测试企业{self.serial}",
            "industry": "footwear_apparel",
            "town": "陈埭镇",
            "headcount": 40,
        }
        return self._add(models.Enterprise(**(defaults | fields)))

    def chain(self, leader=None, **fields) -> models.Chain:
        leader = leader or self.enterprise(headcount=3000, standardization="level1")
        self.serial += 1
        defaults = {
            "name": f"测试链主{self.serial}",
            "leader_id": leader.id,
            "joined_on": date(2024, 1, 1),
        }
        return self._add(models.Chain(**(defaults | fields)))

    def membership(self, chain, enterprise, **fields) -> models.Membership:
        defaults = {
            "chain_id": chain.id,
            "enterprise_id": enterprise.id,
            "joined_on": date(2024, 6, 1),
        }
        return self._add(models.Membership(**(defaults | fields)))

    def user(self, role: str, *, chain=None, enterprise=None, username=None) -> models.User:
        self.serial += 1
        return self._add(
            models.User(
                username=username or f"{role}{self.serial}",
                password_hash=password_hash(),
                role=role,
                chain_id=chain.id if chain else None,
                enterprise_id=enterprise.id if enterprise else None,
            )
        )


@pytest.fixture
def make(db):
    return Factory(db)


@pytest.fixture
def token_for(client):
    """A bearer header for a user, obtained through the API like a client would."""

    def issue(user) -> dict:
        response = client.post(
            "/api/v1/auth/token", json={"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.json
        return {"Authorization": f"Bearer {response.json['token']}"}

    return issue


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the form"
    return match.group(1)


@pytest.fixture
def login(client):
    """Log in through the login form, CSRF token and all."""

    def log_in(user, password: str = PASSWORD, *, client=client):
        page = client.get("/login").get_data(as_text=True)
        return client.post(
            "/login",
            data={"username": user.username, "password": password, "csrf_token": csrf_token(page)},
        )

    return log_in


@pytest.fixture
def world(make):
    """Two chains, each with suppliers, one supplier serving both, SMEs and their users."""
    leader_a, leader_b = (
        make.enterprise(headcount=3000, standardization="level1") for _ in range(2)
    )
    chain_a, chain_b = make.chain(leader_a), make.chain(leader_b)
    x, y, both, outsider = (make.enterprise() for _ in range(4))
    make.membership(chain_a, x)
    make.membership(chain_b, y)
    make.membership(chain_a, both)
    make.membership(chain_b, both)
    return {
        "chain_a": chain_a,
        "chain_b": chain_b,
        "leader_a": leader_a,
        "leader_b": leader_b,
        "x": x,
        "y": y,
        "both": both,
        "outsider": outsider,
        "bureau_user": make.user("bureau"),
        "chain_a_user": make.user("chain", chain=chain_a),
        "chain_b_user": make.user("chain", chain=chain_b),
        "sme_x_user": make.user("sme", enterprise=x),
        "sme_y_user": make.user("sme", enterprise=y),
    }

"""A database that refuses writes gives a clear 503, never a traceback, and nothing partial."""

import shutil

import pytest

from anlian import create_app

from .conftest import PASSWORD


@pytest.fixture
def read_only_client(app, database, world, tmp_path):
    if database["backend"] != "sqlite":
        pytest.skip("read-only mode is simulated with SQLite's mode=ro")
    engine = app.extensions["anlian_engine"]
    engine.dispose()
    source = engine.url.database
    copy = tmp_path / "ro.db"
    shutil.copy(source, copy)
    url = f"sqlite:///file:{copy}?mode=ro&uri=true"
    frozen = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "t"})
    yield frozen.test_client()
    frozen.extensions["anlian_engine"].dispose()


def test_writes_to_a_read_only_database_answer_503(read_only_client, world):
    response = read_only_client.post(
        "/api/v1/auth/token",
        json={"username": world["bureau_user"].username, "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 503
    assert "read-only" in response.json["message"] and "Traceback" not in response.text
    assert response.headers["Retry-After"] == "60"
    page = read_only_client.get("/login")
    assert page.status_code == 200

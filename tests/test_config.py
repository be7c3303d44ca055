"""Configuration: layering, validation, and start-up failures as one clear line."""

import os
import subprocess
import sys

import pytest

from anlian import config, create_app
from anlian.config import ConfigError

ROOT = config.PROJECT_ROOT


def test_defaults_file_env_and_overrides_layer(tmp_path, monkeypatch):
    path = tmp_path / "c.toml"
    path.write_text("TOKEN_TTL_HOURS = 5\n[SCORING.weights]\naccidents = 35\nhazards = 25\n")
    monkeypatch.setenv("ANLIAN_SCORING__WEIGHTS__ACCIDENTS", "40")
    settings = config.load({"SESSION_COOKIE_SECURE": True}, path=path)
    assert settings["TOKEN_TTL_HOURS"] == 5
    assert settings["SCORING"]["weights"] == {"accidents": 40, "hazards": 25}
    assert settings["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("COLOUR = 1\n", "unknown setting COLOUR"),
        ('TOKEN_TTL_HOURS = "twelve"\n', "setting TOKEN_TTL_HOURS must be int"),
        ("SESSION_COOKIE_SECURE = 1\n", "setting SESSION_COOKIE_SECURE must be bool"),
        ('DEFAULT_LOCALE = "fr"\n', "setting DEFAULT_LOCALE must be one of"),
        ('TIMEZONE = "Mars/Olympus"\n', "unknown time zone"),
        ('ENV = "production"\n', "SECRET_KEY must be set in production"),
        ("TOKEN_TTL_HOURS = \n", "not valid TOML"),
    ],
)
def test_bad_settings_raise_one_line(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as raised:
        config.load(path=path)
    assert "\n" not in str(raised.value)


def test_bad_environment_value_is_named(monkeypatch):
    monkeypatch.setenv("ANLIAN_TOKEN_TTL_HOURS", "soon")
    with pytest.raises(ConfigError, match="TOKEN_TTL_HOURS"):
        config.load()


def test_factory_takes_test_config(tmp_path):
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "k", "TESTING": True}
    )
    assert app.testing and app.config["SECRET_KEY"] == "k"
    assert not create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}).testing


def test_relative_sqlite_path_is_under_the_project():
    assert config.resolve_database_url("sqlite:///instance/a.db") == (
        f"sqlite:///{ROOT / 'instance' / 'a.db'}"
    )


def _flask(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ANLIAN_")}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"ANLIAN_TOKEN_TTL_HOURS": "soon"}, "setting TOKEN_TTL_HOURS must be int"),
        (
            {"ANLIAN_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"},
            "cannot reach the database",
        ),
    ],
)
def test_startup_problems_exit_with_one_line(env, expected):
    result = _flask("routes", **env)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

"""The command line: migrations and users."""

from sqlalchemy import inspect, select

from anlian import create_app
from anlian.db import make_engine
from models import User


def test_db_upgrade_builds_a_fresh_database(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db", "SECRET_KEY": "k"})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    tables = set(inspect(make_engine(f"sqlite:///{tmp_path}/fresh.db")).get_table_names())
    assert {"enterprise", "accident", "score_snapshot", "audit_event", "alembic_version"} <= tables
    again = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert again.exit_code == 0


def test_user_create_with_password_from_environment(runner, world, db, monkeypatch):
    monkeypatch.setenv("ANLIAN_PASSWORD", "a-long-password-9")
    result = runner.invoke(
        args=["user", "create", "lin", "--role", "chain", "--chain-id", str(world["chain_a"].id)]
    )
    assert result.exit_code == 0, result.output
    user = db.execute(select(User).where(User.username == "lin")).scalar_one()
    assert user.role == "chain" and user.chain_id == world["chain_a"].id
    assert user.password_hash.startswith("scrypt:")


def test_user_create_names_what_is_wrong(runner, world, monkeypatch):
    monkeypatch.setenv("ANLIAN_PASSWORD", "short")
    result = runner.invoke(
        args=["user", "create", "wu", "--role", "sme", "--uscc", "91350100M000100Y43"]
    )
    assert result.exit_code != 0
    assert "password" in result.output and "uscc" in result.output
    assert "Traceback" not in result.output

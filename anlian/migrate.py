"""Alembic driven from the app's configuration: `flask --app app db upgrade`."""

from alembic import command
from alembic.config import Config

from .config import PROJECT_ROOT


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at migrations/ and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`."""
    command.upgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the difference between the models and `url`."""
    command.revision(alembic_config(url), message=message, autogenerate=True)

"""Anlian (安链): supplier work-safety scoring for the 安链护航 chain-leader scheme."""

from flask import Flask
from werkzeug.routing import IntegerConverter

from models.base import INT_MAX
from scoring import ScoringConfig

from . import api, auth, cli, config, db, errors, i18n, jobs, security, web

__all__ = ["create_app"]


class IdConverter(IntegerConverter):
    """`<int:…>` bounded by the id columns (INTEGER: 32 bits on PostgreSQL): a larger id
    matches no route (404) instead of overflowing the driver (500)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration first, then each subsystem registers itself."""
    app = Flask(
        __name__,
        instance_path=str(config.PROJECT_ROOT / "instance"),
        template_folder=str(config.PROJECT_ROOT / "templates"),
        static_folder=str(config.PROJECT_ROOT / "static"),
    )
    app.url_map.converters["int"] = IdConverter
    configure(app, test_config)
    jobs.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    web.init_app(app)
    api.init_app(app)
    cli.init_app(app)
    return app


def configure(app: Flask, test_config: dict | None) -> None:
    """Load and validate settings (raises config.ConfigError with one line)."""
    settings = config.load(test_config)
    app.config.update(settings)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = config.development_secret(config.PROJECT_ROOT / "instance")
    app.config["DEBUG"] = app.config["ENV"] == "development" and app.debug
    try:
        app.extensions["scoring_config"] = ScoringConfig.from_mapping(app.config["SCORING"])
    except ValueError as problem:
        raise config.ConfigError(f"SCORING: {problem}") from None

"""The JSON API (/api/v1): flask-smorest blueprints, one module per resource."""

from flask_smorest import Api as SmorestApi

from . import (
    assessment,
    auth,
    chains,
    enterprises,
    imports,
    jobs,
    records,
    schemes,
    scores,
    suppliers,
    trends,
    users,
)

MODULES = (auth, chains, enterprises, records, scores, schemes, suppliers, assessment, jobs)
MODULES += (trends,)
MODULES += (users, imports)


class Api(SmorestApi):
    """flask-smorest with our own error handlers (anlian.errors), registered app-wide."""

    def _register_error_handlers(self):
        pass


def init_app(app) -> None:
    """Describe the API in OpenAPI 3 at /api/v1/openapi.json and register every resource."""
    app.config.update(
        API_TITLE="Anlian API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"security": [{"bearerAuth": []}]},
    )
    # Chinese stays readable in API bodies (UTF-8 JSON, not \uXXXX escapes).
    app.json.ensure_ascii = False
    api = Api(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for module in MODULES:
        api.register_blueprint(module.blp)
    app.extensions["anlian_api"] = api

"""Errors as users see them: JSON under /api/, a page elsewhere, never a traceback."""

import logging

from flask import g, jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InternalError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


class Invalid(Exception):
    """Input that breaks a rule: `errors` maps each field to its messages (→ 422)."""

    def __init__(self, errors: dict[str, list]):
        super().__init__(errors)
        self.errors = errors


# marshmallow's and webargs' stock messages, so API clients get them in their language too.
STOCK_MESSAGES = {
    "Missing data for required field.": _l("Missing data for required field."),
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid number.": _l("Not a valid number."),
    "Not a valid string.": _l("Not a valid string."),
    "Not a valid date.": _l("Not a valid date."),
    "Not a valid boolean.": _l("Not a valid boolean."),
    "Unknown field.": _l("Unknown field."),
    "Field may not be null.": _l("Field may not be null."),
    "Invalid input type.": _l("Invalid input type."),
    "Special numeric values (nan or infinity) are not permitted.": _l(
        "Special numeric values (nan or infinity) are not permitted."
    ),
    "Number too large.": _l("Number too large."),
    "Invalid value.": _l("Invalid value."),
    "Not a valid list.": _l("Not a valid list."),
    "Invalid type.": _l("Invalid type."),
    "Not a valid utf-8 string.": _l("Not a valid utf-8 string."),
}
STATUS_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please log in."),
    403: _l("You are not allowed to do this."),
    404: _l("Not found."),
    405: _l("This method is not allowed here."),
    409: _l("Someone else changed this in the meantime; reload and try again."),
    413: _l("The file is too large."),
    422: _l("Some of the input is not valid."),
    429: _l("Too many attempts; wait a moment and try again."),
    500: _l("Something went wrong on our side; the error has been logged."),
    503: _l(
        "The database cannot take changes right now (it is read-only, full or busy); "
        "nothing was saved. The operators have been alerted; try again later."
    ),
}


def translate(message) -> str:
    """A message in the request's language: a message id, or (message id, parameters)."""
    if isinstance(message, tuple):
        msgid, params = message
        return gettext(msgid).format(**params)
    if isinstance(message, str) and message in STOCK_MESSAGES:
        return str(STOCK_MESSAGES[message])
    return gettext(message) if isinstance(message, str) else str(message)


def flatten(errors) -> dict[str, list[str]]:
    """webargs nests errors by location (json, query, files); clients want field → messages."""
    flat: dict[str, list[str]] = {}
    for location, fields in (errors or {}).items():
        if location in ("json", "query", "form", "files", "path", "headers") and isinstance(
            fields, dict
        ):
            for name, messages in fields.items():
                flat.setdefault(name, []).extend(_messages(messages))
        else:
            flat.setdefault(location, []).extend(_messages(fields))
    return flat


def _messages(value) -> list:
    if isinstance(value, list):
        return [_messages(m)[0] if isinstance(m, dict) else translate(m) for m in value]
    if isinstance(value, dict):
        return [{k: _messages(v) for k, v in value.items()}]
    return [translate(value)]


def json_error(code: int, errors=None, message=None, headers=None):
    """The API's error body: {code, status, message, errors?}."""
    body = {
        "code": code,
        "status": _status_name(code),
        "message": str(message or STATUS_MESSAGES.get(code, "")),
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    response.headers.update(headers or {})
    return response


def _status_name(code: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(code, "Error")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http(error: HTTPException):
    """HTTP errors: JSON for the API (errors flattened), a page for people."""
    if wants_json():
        data = getattr(error, "data", None) or {}
        errors = flatten(data.get("errors") or data.get("messages"))
        headers = dict(data.get("headers") or {})
        if error.code == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        return json_error(error.code, errors, data.get("message"), headers)
    message = STATUS_MESSAGES.get(error.code, error.name)
    return render_template("error.html", code=error.code, message=message), error.code


def handle_invalid(error: Invalid):
    errors = {k: _messages(v) for k, v in error.errors.items()}
    if wants_json():
        return json_error(422, errors)
    return render_template("error.html", code=422, message=STATUS_MESSAGES[422], errors=errors), 422


def handle_database_unavailable(error: OperationalError):
    """The database refused to work (read-only, disk full, locked, gone): 503, nothing saved."""
    log.error(
        "database unavailable on %s %s: %s",
        request.method,
        request.path,
        str(getattr(error, "orig", error)).splitlines()[0],
    )
    _end_transaction()
    if wants_json():
        return json_error(503, headers={"Retry-After": "60"})
    return render_template("error.html", code=503, message=STATUS_MESSAGES[503]), 503


# PostgreSQL's "cannot execute … in a read-only transaction" (a standby, or the database set
# read-only) arrives as an InternalError, not an OperationalError.
READ_ONLY_SQLSTATE = "25006"


def handle_database_internal(error: InternalError):
    if getattr(error.orig, "sqlstate", None) == READ_ONLY_SQLSTATE:
        return handle_database_unavailable(error)
    return handle_unexpected(error)


def _end_transaction() -> None:
    """A failed transaction is dead: end it, or the error page (which loads the user) fails
    too and the user gets a bare 500."""
    if (session := g.get("db_session")) is not None:
        session.rollback()


def handle_unexpected(error: Exception):
    """Anything unforeseen: log it with its traceback, show the user a plain 500."""
    if isinstance(error, HTTPException):
        return handle_http(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    _end_transaction()
    return handle_http(InternalServerError())


def init_app(app) -> None:
    """Register the handlers on the whole app (pages and API alike)."""
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Invalid, handle_invalid)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InternalError, handle_database_internal)
    app.register_error_handler(Exception, handle_unexpected)

"""The database: one engine per app, one session per request, SQLite made safe for writes.

SQLite only becomes a serious default with three settings on every connection (WAL so readers
never block the writer, a busy timeout, foreign keys on) and with write transactions that take
the write lock up front (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes
fails at once with "database is locked", whatever the busy timeout.
"""

from contextlib import contextmanager
from decimal import Decimal

import orjson
from flask import current_app, g, request
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_IMMEDIATE = "anlian_immediate"


def _json_dumps(value) -> str:
    # orjson: JSON columns (snapshot explanations) are written for every enterprise at a
    # month close, where the standard library's encoder was a fifth of the time.
    return orjson.dumps(value, default=_json_default).decode()


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`, with the SQLite connection settings and write-lock discipline."""
    json = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if not url.startswith("sqlite"):
        return create_engine(url, echo=echo, pool_pre_ping=True, **json)
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False}, **json)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "busy_timeout=10000",
        "foreign_keys=ON",
        "synchronous=NORMAL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_on_begin(conn) -> None:
    immediate = conn.get_execution_options().get(_IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def open_session(engine: Engine, *, write: bool) -> Session:
    """A session whose transaction takes SQLite's write lock up front when `write` is set."""
    session = Session(engine, expire_on_commit=False)
    if write:
        session.connection(execution_options={_IMMEDIATE: True})
    return session


@contextmanager
def session_scope(engine: Engine, *, write: bool = True):
    """A unit of work for CLI commands and jobs: commit at the end, roll back on error."""
    session = open_session(engine, write=write)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["anlian_engine"]


def get_session() -> Session:
    """The request's session; write requests (POST, PUT, PATCH, DELETE) take the write lock."""
    if "db_session" not in g:
        g.db_session = open_session(get_engine(), write=request.method in WRITE_METHODS)
    return g.db_session


def _close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app) -> None:
    """Create the engine from config and close the request session on teardown."""
    app.extensions["anlian_engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


class DatabaseUnavailable(Exception):
    """The configured database cannot be reached."""


def check_database(app) -> None:
    """Connect once, so a wrong URL or a stopped server is reported at start-up."""
    try:
        with app.extensions["anlian_engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        url = app.extensions["anlian_engine"].url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(f"cannot reach the database {url}: {reason}") from None

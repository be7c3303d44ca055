"""Online backups and restores of the configured database.

SQLite: the online backup API copies a consistent snapshot while the service runs, and a
restore copies the file back page by page through the same API (readers see the old or the
new database, never a mix). PostgreSQL: `pg_dump -Fc` and `pg_restore --clean`.
"""

import os
import sqlite3

# Fixed pg_dump/pg_restore argv lists, never a shell (bandit B404).
import subprocess  # nosec B404
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore that could not be done, in one line."""


def _sqlite_path(url) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return url.database


def backup(database_url: str, target: Path) -> Path:
    """Write a consistent copy of the database to `target` (a .db file or a pg_dump archive)."""
    url = make_url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(_sqlite_path(url), str(target))
    else:
        _run(["pg_dump", "-Fc", "--no-owner", "-f", str(target), *_pg_args(url)], url.password)
    return target


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with the backup at `source`."""
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(str(source), _sqlite_path(url))
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *_pg_args(url),
                str(source),
            ],
            url.password,
        )


def _copy_sqlite(source: str, target: str) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _pg_args(url) -> list[str]:
    args = ["-d", url.database or "postgres"]
    for flag, value in (("-h", url.host), ("-p", url.port), ("-U", url.username)):
        if value:
            args += [flag, str(value)]
    return args


def _run(command: list[str], password: str | None = None) -> None:
    env = dict(os.environ) | ({"PGPASSWORD": password} if password else {})
    try:
        # Argv list from configuration, no shell (bandit B603).
        subprocess.run(  # nosec B603
            command, check=True, capture_output=True, text=True, env=env, timeout=3600
        )
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed") from None
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or "").strip().splitlines()
        raise BackupError(f"{command[0]} failed: {detail[-1] if detail else error}") from None

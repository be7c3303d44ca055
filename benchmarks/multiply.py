"""The month-close benchmark database at 250,000 enterprises: the 25,000-enterprise data set
copied ten times with SQL `INSERT … SELECT` (generating it would take about an hour here).

    .venv/bin/python -m benchmarks.multiply      # prints the URL; built once in benchmarks/out/

Copy k (1-9) of enterprise n gets id n + k x 25,000 and a USCC whose first character is k - 1
(the originals all start with 9, so the codes stay unique). Its records (hours worked,
accidents, inspections, hazards) are copied for the months a month close of END_MONTH reads
(the scoring window, with a year's margin); other tables (snapshots, chains, users, rollup)
are not copied, so the file is for the month close only.
"""

import shutil
import sqlite3
import time

from anlian import months
from anlian.migrate import upgrade

from .common import END_MONTH, OUT, bench_database

COPIES = 10
RECORD_TABLES = ("work_hours", "accident", "inspection", "hazard")


def bench_250k(months_back: int = 24) -> str:
    """The URL of the 250,000-enterprise file, built from the 25k one on first use."""
    path = OUT / f"bench250k-7-{END_MONTH}.db"
    if not path.exists():
        source = bench_database("bench", closed_months=3).removeprefix("sqlite:///")
        partial = path.with_suffix(".partial.db")
        shutil.copy(source, partial)
        _multiply(partial, months.shift(END_MONTH, -months_back))
        partial.rename(path)
    url = f"sqlite:///{path}"
    upgrade(url)  # a file kept from an earlier schema: migrations fill what they add
    return url


def _columns(connection, table: str) -> list[str]:
    return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]


def _multiply(path, first_month: str) -> None:
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    (base,) = connection.execute("SELECT MAX(id) FROM enterprise").fetchone()
    connection.execute("BEGIN")
    for table in RECORD_TABLES:  # the originals keep only the months the close reads
        connection.execute(f"DELETE FROM {table} WHERE month < ?", (first_month,))  # noqa: S608
    columns = _columns(connection, "enterprise")
    for k in range(1, COPIES):
        renamed = {"id": f"id + {k * base}", "uscc": f"'{k - 1}' || substr(uscc, 2)"}
        values = [renamed.get(c, c) for c in columns]
        connection.execute(
            f"INSERT INTO enterprise ({', '.join(columns)}) SELECT {', '.join(values)} "  # noqa: S608
            f"FROM enterprise WHERE id <= {base}"
        )
        for table in RECORD_TABLES:
            cols = [c for c in _columns(connection, table) if c != "id"]
            values = [f"enterprise_id + {k * base}" if c == "enterprise_id" else c for c in cols]
            connection.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(values)} "  # noqa: S608
                f"FROM {table} WHERE enterprise_id <= {base}"
            )
        print(f"copy {k}/{COPIES - 1} done, {time.perf_counter() - started:.0f} s", flush=True)
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()


if __name__ == "__main__":
    print(bench_250k())

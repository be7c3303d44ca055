"""Shared benchmark plumbing: the city-scale database (built once), timing, memory."""

import http.client
import resource
import time
from contextlib import contextmanager
from pathlib import Path

from anlian import create_app
from anlian.db import session_scope
from anlian.migrate import upgrade

OUT = Path(__file__).resolve().parent / "out"
END_MONTH = "2026-10"  # fixed, so every run measures the same data


def bench_database(scale: str = "bench", seed: int = 7, closed_months: int = 0) -> str:
    """The URL of a migrated SQLite file holding the demo at `scale`, generated on first use,
    with its last `closed_months` months closed.

    `bench` is 25,000 enterprises x 36 months (about a million records); the file is kept in
    benchmarks/out/ so the costly generation happens once.
    """
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{scale}-{seed}-{END_MONTH}-closed{closed_months}.db"
    if not path.exists():
        partial = path.with_suffix(".partial.db")
        partial.unlink(missing_ok=True)
        _build(f"sqlite:///{partial}", scale, seed, closed_months)
        partial.rename(path)
    url = f"sqlite:///{path}"
    upgrade(url)  # a file kept from an earlier schema: migrations fill what they add
    return url


def _build(url: str, scale: str, seed: int, closed_months: int) -> None:
    from anlian import months
    from anlian.demo import generate
    from anlian.services import month_close, rollup

    upgrade(url)
    app = app_for(url)
    engine, config = app.extensions["anlian_engine"], app.extensions["scoring_config"]
    with app.app_context():
        with session_scope(engine) as session:
            generate(session, seed=seed, scale=scale, end_month=END_MONTH)
            rollup.rebuild_all(session)
        for k in range(closed_months - 1, -1, -1):
            with session_scope(engine) as session:
                month = months.shift(END_MONTH, -k)
                month_close.run_month_close(session, month=month, config=config)
    engine.dispose()


def app_for(url: str):
    """An app on `url` with a fixed secret (benchmarks never serve cookies to anyone)."""
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark"})


@contextmanager
def timer(results: dict, name: str):
    """Store the wall time of the block in results[name] (seconds)."""
    start = time.perf_counter()
    yield
    results[name] = time.perf_counter() - start


def best_of(repeats: int, function) -> float:
    """The fastest of `repeats` timed calls (the least disturbed by neighbours)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def request(method: str, port: int, path: str, body=None, headers=None) -> tuple[int, bytes]:
    """One request to 127.0.0.1:`port` on a fresh connection; (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()

"""Mixed load against gunicorn on loopback: score lookups, assessments, trends and writes.

    .venv/bin/python -m benchmarks.load [--database sqlite|postgresql] [--workers 2]
                                        [--clients 32] [--seconds 60]

Starts gunicorn on 127.0.0.1 over a copy of the city demo (SQLite) or a scratch PostgreSQL
database, logs in the demo users through the API, then runs `clients` threads for `seconds`,
each picking a request at random. Writes are new hazards with unique source references, so
afterwards every 201 must be a row: lost writes = sent - stored. Prints p50/p95 per kind,
errors, and the hello-world floor (GET /login's static twin) measured the same way.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from .common import END_MONTH, OUT, bench_database

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(kind: str) -> str:
    """A database URL holding the closed city demo, fresh for this run."""
    source = bench_database("city", closed_months=2)
    if kind == "sqlite":
        copy = OUT / "load.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        shutil.copy(source.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    name = f"anlian_load_{os.getpid()}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    env = os.environ | {"ANLIAN_DATABASE_URL": url}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    for command in (
        ["db", "upgrade"],
        ["demo", "--scale", "city", "--end-month", END_MONTH],
        ["score", "close", "--month", END_MONTH],
    ):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    return url


class Server:
    """gunicorn serving app:app on a free loopback port."""

    def __init__(self, url: str, workers: int):
        self.port = free_port()
        env = os.environ | {"ANLIAN_DATABASE_URL": url, "ANLIAN_SECRET_KEY": "load-test"}
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "/dev/null",
                "app:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait()

    def _wait(self) -> None:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start: " + self.process.stderr.read().decode())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Client:
    """One keep-alive HTTP connection issuing JSON requests."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, token: str | None = None, body=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = json.dumps(body).encode() if body is not None else None
        self.connection.request(method, path, body=payload, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, data


def tokens(port: int) -> dict[str, str]:
    client = Client(port)
    found = {}
    for role, password in (
        ("bureau", "bureau-demo-2026"),
        ("chain", "chain-demo-2026"),
        ("sme", "sme-demo-2026"),
    ):
        status, body = client.call(
            "POST", "/api/v1/auth/token", body={"username": role, "password": password}
        )
        assert status == 200, body
        found[role] = json.loads(body)["token"]
    return found


def workload(port: int, keys: dict, run_id: str):
    """The request mix: (kind, method, path, token name, body factory)."""
    usccs, chain_id = keys["usccs"], keys["chain_id"]
    counter = iter(range(10**9))

    def hazard():
        return {
            "found_on": END_MONTH + "-15",
            "level": "general",
            "source": "inspection",
            "description": "load test",
            "deadline": END_MONTH + "-28",
            "source_ref": f"LOAD-{run_id}-{next(counter)}",
        }

    return [
        (
            "score",
            40,
            lambda: ("GET", f"/api/v1/enterprises/{random.choice(usccs)}/score", "bureau", None),
        ),
        (
            "assessment",
            20,
            lambda: (
                "GET",
                f"/api/v1/chains/{chain_id}/assessment?period={END_MONTH}",
                "chain",
                None,
            ),
        ),
        (
            "trends",
            20,
            lambda: ("GET", f"/api/v1/trends?scope=chain:{chain_id}&group=members", "chain", None),
        ),
        (
            "write",
            20,
            lambda: (
                "POST",
                f"/api/v1/enterprises/{random.choice(usccs)}/hazards",
                "bureau",
                hazard(),
            ),
        ),
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run(port: int, keys: dict, clients: int, seconds: float) -> dict:
    run_id = uuid.uuid4().hex[:8]
    mix = workload(port, keys, run_id)
    kinds, weights = [m[2] for m in mix], [m[1] for m in mix]
    results: dict[str, list] = {m[0]: [] for m in mix}
    errors: list[str] = []
    created = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        client = Client(port)
        while time.monotonic() < deadline:
            index = random.choices(range(len(mix)), weights)[0]
            method, path, who, body = kinds[index]()
            start = time.perf_counter()
            status, data = client.call(method, path, keys["tokens"][who], body)
            elapsed = time.perf_counter() - start
            with lock:
                results[mix[index][0]].append(elapsed)
                if status >= 400:
                    errors.append(f"{status} {method} {path} {data[:120]!r}")
                elif method == "POST":
                    created[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"results": results, "errors": errors, "created": created[0], "run_id": run_id}


def stored_writes(url: str, run_id: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT COUNT(*) FROM hazard WHERE source_ref LIKE :p"), {"p": f"LOAD-{run_id}-%"}
        ).scalar_one()
    engine.dispose()
    return count


def floor(port: int, clients: int, seconds: float) -> float:
    """p95 of the cheapest page (the login form), under the same concurrency."""
    times: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        client = Client(port)
        while time.monotonic() < deadline:
            start = time.perf_counter()
            client.call("GET", "/login")
            with lock:
                times.append(time.perf_counter() - start)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return percentile(times, 0.95)


def keys_for(url: str, port: int) -> dict:
    engine = create_engine(url)
    with engine.connect() as connection:
        usccs = connection.execute(text("SELECT uscc FROM enterprise")).scalars().all()
        chain_id = connection.execute(
            text("""SELECT chain_id FROM "user" WHERE username = 'chain'""")
        ).scalar_one()
    engine.dispose()
    return {"usccs": usccs, "chain_id": chain_id, "tokens": tokens(port)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    url = prepare(args.database)
    server = Server(url, args.workers)
    try:
        keys = keys_for(url, server.port)
        hello = floor(server.port, args.clients, min(10.0, args.seconds))
        outcome = run(server.port, keys, args.clients, args.seconds)
    finally:
        server.stop()
    report(args, outcome, hello, stored_writes(url, outcome["run_id"]))


def report(args, outcome: dict, hello: float, stored: int) -> None:
    total = sum(len(v) for v in outcome["results"].values())
    print(
        f"{args.database}, {args.workers} workers, {args.clients} clients, {args.seconds:g} s: "
        f"{total:,} requests ({total / args.seconds:,.0f}/s), {len(outcome['errors'])} errors"
    )
    print(f"  floor (GET /login) p95 {hello * 1000:7.1f} ms")
    for kind, times in outcome["results"].items():
        print(
            f"  {kind:<11} n={len(times):>6,}  p50 {percentile(times, 0.5) * 1000:7.1f} ms"
            f"  p95 {percentile(times, 0.95) * 1000:7.1f} ms"
        )
    print(
        f"  writes: {outcome['created']:,} acknowledged, {stored:,} stored, "
        f"{outcome['created'] - stored} lost"
    )
    for line in outcome["errors"][:5]:
        print("  error:", line)


if __name__ == "__main__":
    main()

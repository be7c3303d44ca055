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
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from anlian.migrate import upgrade

from .common import END_MONTH, OUT, bench_database

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_ADMIN = f"{PG_SERVER}/postgres"
# The closed city demo on PostgreSQL, built once (like benchmarks/out/) and copied per run.
PG_TEMPLATE = f"anlian_load_template_{END_MONTH.replace('-', '')}"


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
    _pg_template()
    name = f"anlian_load_{os.getpid()}"
    with _pg_admin() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {PG_TEMPLATE}"))
    url = f"{PG_SERVER}/{name}"
    upgrade(url)  # a template kept from an earlier schema: migrations fill what they add
    return url


@contextmanager
def _pg_admin():
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            yield connection
    finally:
        admin.dispose()


def _pg_template() -> None:
    """Build the template database (demo, closed month) unless a finished one exists."""
    with _pg_admin() as connection:
        found = connection.execute(
            text("SELECT datallowconn FROM pg_database WHERE datname = :n"), {"n": PG_TEMPLATE}
        ).first()
    if found is not None:
        return
    building = f"{PG_TEMPLATE}_partial"
    with _pg_admin() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {building}"))
        connection.execute(text(f"CREATE DATABASE {building}"))
    env = os.environ | {"ANLIAN_DATABASE_URL": f"{PG_SERVER}/{building}"}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    for command in (
        ["db", "upgrade"],
        ["demo", "--scale", "city", "--end-month", END_MONTH],
        ["score", "close", "--month", END_MONTH],
    ):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    with _pg_admin() as connection:
        connection.execute(text(f"ALTER DATABASE {building} RENAME TO {PG_TEMPLATE}"))


def drop(url: str) -> None:
    """Remove this run's scratch database (PostgreSQL) or file copy (SQLite)."""
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.removeprefix('sqlite:///')}{suffix}").unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    with _pg_admin() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


class Server:
    """gunicorn serving app:app on a free loopback port."""

    def __init__(self, url: str, workers: int):
        self.port = free_port()
        env = os.environ | {"ANLIAN_DATABASE_URL": url, "ANLIAN_SECRET_KEY": "load-test"}
        # gunicorn's error log goes to a file: a pipe nobody reads fills up and stalls it.
        OUT.mkdir(exist_ok=True)
        self.log_path = OUT / f"gunicorn-{os.getpid()}-{self.port}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "/dev/null",
                # A worker that has not booted within --timeout is killed; on a loaded 2-core
                # machine importing the app alone can take 20-45 s.
                "--timeout",
                "120",
                "app:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        self._wait()

    def _wait(self) -> None:
        """Until a worker answers (the master listens long before a worker has booted)."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if Client(self.port).call("GET", "/login")[0] == 200:
                    return
            except (OSError, http.client.HTTPException):
                time.sleep(0.5)
        self.process.kill()
        raise RuntimeError("gunicorn did not start: " + self.log_path.read_text())

    def stop(self) -> list[str]:
        """Stop gunicorn; return the error-log lines that mention an error or traceback."""
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        lines = self.log_path.read_text(errors="replace").splitlines()
        self.log_path.unlink(missing_ok=True)
        return [line for line in lines if "Error" in line or "Traceback" in line]


class Client:
    """One keep-alive HTTP connection issuing JSON requests."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

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
            try:
                status, data = client.call(method, path, keys["tokens"][who], body)
            except (OSError, http.client.HTTPException) as error:
                # A dropped connection is an error the client sees; open a new one.
                status, data = 599, repr(error).encode()
                client.connection.close()
                client = Client(port)
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


def measure(database: str, workers: int, clients: int, seconds: float) -> dict:
    """One mixed-load run on a fresh copy of the closed city demo; the scratch copy is
    removed afterwards. Returns the outcome, the floor p95, stored writes and server log
    errors."""
    url = prepare(database)
    try:
        server = Server(url, workers)
        try:
            keys = keys_for(url, server.port)
            hello = floor(server.port, clients, min(10.0, seconds))
            outcome = run(server.port, keys, clients, seconds)
        finally:
            log_errors = server.stop()
        stored = stored_writes(url, outcome["run_id"])
    finally:
        drop(url)
    return outcome | {"hello": hello, "stored": stored, "log_errors": log_errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    outcome = measure(args.database, args.workers, args.clients, args.seconds)
    report(args, outcome, outcome["hello"], outcome["stored"])
    sys.exit(0 if ok(outcome) else 1)


def ok(outcome: dict) -> bool:
    """The requirement: no errors, no lost writes."""
    return not outcome["errors"] and outcome["created"] == outcome["stored"]


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
    for line in outcome.get("log_errors", [])[:5]:
        print("  server log:", line)


if __name__ == "__main__":
    main()

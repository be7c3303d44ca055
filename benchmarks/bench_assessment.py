"""Benchmark: a chain's assessment through the API under concurrent load, beside a hello-world
floor served by gunicorn the same way.

    .venv/bin/python -m benchmarks.bench_assessment --database sqlite:///path/to/demo.db \
        [--chain-id N] [--period YYYY-MM] [--clients 16] [--requests 800] [--workers 4] \
        [--per-page 50,5000] [--make-chain 3000]

Target (issue 5): p95 under 150 ms for the assessment of a 3,000-supplier chain for one
period on the city-scale database. The database must hold the demo (`flask demo`); it is
changed, so give it a copy. The period and the one before it are closed first when they
have no snapshots yet (scores and assessments, as the month close does), or their assessment
alone when the chain has no stored rows for them (a chain made after the close); a closed
period is then served from those stored rows, as in production after every month close. A
chain user `bench-chain-<id>` is added when missing. Both servers run as gunicorn on
127.0.0.1 with the same workers; every request opens its own connection.

Besides the latencies it prints the servers' CPU time per request (read from /proc, so less
at the mercy of neighbours on a shared machine than the wall clock) and, in-process and
single-threaded, the CPU time of one request answered from the cache (what a repeated
request costs until the data changes, services/assessment_cache.py), served from the stored
rows with the cache emptied (the first request after a write), and computed live (what
every request cost before closed periods were stored). `--query sort=trend` (repeatable)
measures other arguments too.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

# Run as a script or as a module: the project root must be importable either way.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.common import request  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-2026"
TARGET_P95_MS = 150.0

hello = Flask("hello")


@hello.get("/")
def hello_world():
    """The floor: what gunicorn and Flask cost with no work at all."""
    return "hello"


BENCH_CHAIN = "基准测试链主"
OWN = ("quality", "delivery", "price", "service")


def make_chain(session, size: int, period: str) -> int:
    """A chain of `size` suppliers (the city has no chain that large): scheme version 1,
    ratings for `period` and the month before (2% left out), admission checks (5% missing
    one). Made once; returns its id."""
    import random
    from datetime import date

    from sqlalchemy import insert

    from anlian import months
    from anlian.services.admission import DEFAULT_CONDITIONS
    from models import AdmissionCheck, Chain, Enterprise, Membership, Rating, Scheme

    found = session.execute(select(Chain.id).where(Chain.name == BENCH_CHAIN)).scalar()
    if found is not None:
        return found
    leaders = select(Chain.leader_id)
    firms = (
        session.execute(
            select(Enterprise.id)
            .where(Enterprise.id.not_in(leaders))
            .order_by(Enterprise.id)
            .limit(size + 1)
        )
        .scalars()
        .all()
    )
    chain = Chain(name=BENCH_CHAIN, leader_id=firms[0], joined_on=date(2020, 1, 1))
    session.add(chain)
    session.flush()
    rng, suppliers = random.Random(5), firms[1:]
    joined = months.first_day(months.shift(period, -12))
    session.execute(
        insert(Membership),
        [
            {
                "chain_id": chain.id,
                "enterprise_id": e,
                "tier": 1 + (e % 3 == 0),
                "joined_on": joined,
                "annual_spend_cny": rng.randrange(100, 5000) * 1000,
            }
            for e in suppliers
        ],
    )
    criteria = [{"key": "safety", "label": "安全生产", "weight_bp": 2500}] + [
        {"key": k, "label": k, "weight_bp": bp}
        for k, bp in zip(OWN, (3000, 2000, 1500, 1000), strict=True)
    ]
    bands = [
        {
            "min_score": m,
            "label": label,
            "color": c,
            "order_action": a,
            "settlement_adjustment_pct": adj,
        }
        for m, label, c, a, adj in (
            (85, "优先", "green", "preferred", 2),
            (70, "正常", "blue", "normal", 0),
            (60, "观察", "orange", "probation", -3),
            (0, "暂停", "red", "suspend_new_orders", -5),
        )
    ]
    session.add(
        Scheme(
            chain_id=chain.id,
            version=1,
            effective_from=months.shift(period, -24),
            safety_weight_bp=2500,
            criteria=criteria,
            bands=bands,
        )
    )
    session.execute(
        insert(Rating),
        [
            {
                "chain_id": chain.id,
                "enterprise_id": e,
                "period": p,
                "criterion": k,
                "score": rng.randrange(5000, 10000) / 100,
            }
            for p in (months.shift(period, -1), period)
            for e in suppliers
            for k in OWN
            if rng.random() > 0.02
        ],
    )
    session.execute(
        insert(AdmissionCheck),
        [
            {
                "chain_id": chain.id,
                "enterprise_id": e,
                "condition_key": c["key"],
                "met": rng.random() > 0.006,
            }
            for e in suppliers
            for c in DEFAULT_CONDITIONS
        ],
    )
    return chain.id


def prepare(url: str, chain_id: int | None, period: str | None, make: int = 0) -> dict:
    """Pick the chain and period, close it and the one before if needed, make sure the user
    exists."""
    from anlian import create_app, months
    from anlian.db import session_scope
    from anlian.scope import Scope
    from anlian.services import scores, users
    from anlian.services.chains import list_chains
    from anlian.services.enterprises import latest_closed_month
    from models import User

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark"})
    with app.app_context(), session_scope(app.extensions["anlian_engine"]) as session:
        period = period or latest_closed_month(session) or scores.months_with_data(session)[-1]
        if make:
            chain_id = make_chain(session, make, period)
        chains = list_chains(session, Scope.system(), on=_last_day(period))
        chain = (
            next(c for c in chains if c["id"] == chain_id)
            if chain_id
            else max(chains, key=lambda c: c["supplier_count"])
        )
        for month in (months.shift(period, -1), period):
            close(session, month, chain["id"], app.extensions["scoring_config"])
        username = f"bench-chain-{chain['id']}"
        if session.execute(select(User.id).where(User.username == username)).first() is None:
            users.create_user(
                session,
                Scope.system(),
                username=username,
                password=PASSWORD,
                role="chain",
                chain_id=chain["id"],
                uscc=None,
            )
    app.extensions["anlian_engine"].dispose()
    return {
        "chain_id": chain["id"],
        "suppliers": chain["supplier_count"],
        "period": period,
        "username": username,
    }


def close(session, month: str, chain_id: int, config) -> None:
    """Close `month` (scores and assessments) unless done; close its assessments again when
    the chain has no stored rows for it (made after the close)."""
    from anlian.services import assessment, month_close
    from models import Assessment, ScoreSnapshot

    closed = select(func.count()).where(
        ScoreSnapshot.month == month, ScoreSnapshot.kind == "closed"
    )
    stored = select(func.count()).where(Assessment.chain_id == chain_id, Assessment.period == month)
    if not session.execute(closed).scalar_one():
        print(f"closing {month} first (scores and assessments)…", flush=True)
        month_close.run_month_close(session, month=month, config=config)
    elif not session.execute(stored).scalar_one():
        print(f"closing the assessments of {month} again (the chain is new)…", flush=True)
        assessment.close_period(session, month=month, config=config)


def in_process(url: str, setup: dict, path: str, repeats: int = 7) -> dict:
    """CPU ms of one request in this process (best of `repeats`): answered from the cache,
    served from the stored rows (the cache emptied before each), and computed live as
    before (the stored path switched off, which the cache never holds)."""
    from anlian import create_app
    from anlian.services import assessment_cache, assessment_stored

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark"})
    client = app.test_client()
    body = {"username": setup["username"], "password": PASSWORD}
    token = client.post("/api/v1/auth/token", json=body).json["token"]
    headers = {"Authorization": f"Bearer {token}"}

    engine = app.extensions["anlian_engine"]

    def cpu_ms(cold: bool = False) -> float:
        best = float("inf")
        for _ in range(repeats):
            if cold:
                assessment_cache.clear(engine)
            start = time.process_time()
            response = client.get(path, headers=headers)
            best = min(best, (time.process_time() - start) * 1000)
            assert response.status_code == 200, response.status_code
        return best

    cpu_ms()  # fills the cache
    found = {"cached": cpu_ms(), "stored": cpu_ms(cold=True)}
    servable = assessment_stored.servable
    assessment_stored.servable = lambda *args: None
    try:
        found["live"] = cpu_ms(cold=True)
    finally:
        assessment_stored.servable = servable
    app.extensions["anlian_engine"].dispose()
    return found


TICK = os.sysconf("SC_CLK_TCK")


def server_cpu(process: subprocess.Popen) -> float:
    """CPU seconds used so far by a gunicorn master and its workers (from /proc)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if process.pid in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def _last_day(period: str):
    from anlian import months

    return months.last_day(period)


def serve(target: str, port: int, workers: int, url: str) -> subprocess.Popen:
    """Start gunicorn for `target` on 127.0.0.1:`port` and wait until it answers."""
    env = os.environ | {
        "ANLIAN_DATABASE_URL": url,
        "ANLIAN_SECRET_KEY": "benchmark",
        "ANLIAN_ENV": "production",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        target,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request("GET", port, "/")
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn {target} did not start on port {port}")


def load(port: int, path: str, headers: dict, *, clients: int, total: int, server=None) -> dict:
    """`total` GETs from `clients` threads at once; latencies in ms, errors, throughput, and
    the `server`'s CPU ms per request when given."""
    latencies, errors, lock = [], [], threading.Lock()
    remaining = iter(range(total))

    def client():
        for _ in iter(lambda: next(remaining, None), None):
            start = time.perf_counter()
            status, _body = request("GET", port, path, headers=headers)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                (latencies if status == 200 else errors).append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    cpu = server_cpu(server) if server else 0.0
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu = server_cpu(server) - cpu if server else float("nan")
    ordered = sorted(latencies) or [float("nan")]
    return {
        "cpu_ms": cpu * 1000 / max(len(latencies) + len(errors), 1),
        "requests": len(latencies),
        "errors": len(errors),
        "rps": len(latencies) / wall,
        "p50": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "p99": ordered[int(0.99 * (len(ordered) - 1))],
        "max": ordered[-1],
    }


def report(label: str, figures: dict) -> None:
    print(
        f"{label:<22} {figures['requests']:>6} ok {figures['errors']:>4} err "
        f"{figures['rps']:>8.1f} req/s   p50 {figures['p50']:>7.1f} ms   "
        f"p95 {figures['p95']:>7.1f} ms   p99 {figures['p99']:>7.1f} ms   "
        f"server CPU {figures['cpu_ms']:>6.2f} ms/req"
    )


def label(key: tuple) -> str:
    size, extra = key
    return f"{size}/page" + (f" {extra}" if extra else "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="sqlite:///path (holding the demo)")
    parser.add_argument("--chain-id", type=int, default=None, help="default: the largest")
    parser.add_argument("--period", default=None, help="default: the latest closed month")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--per-page",
        default="50,5000",
        help="rows per response, comma-separated to measure several (50: the API's default "
        "page; 5000: a whole 3,000-supplier chain in one response)",
    )
    parser.add_argument(
        "--query",
        action="append",
        default=[],
        metavar="ARGS",
        help="also measure with these query arguments, e.g. 'sort=trend' or 'grade=B' "
        "(repeatable; each at every --per-page)",
    )
    parser.add_argument("--port", type=int, default=18431)
    parser.add_argument(
        "--make-chain",
        type=int,
        default=0,
        metavar="N",
        help="benchmark a made-up chain of N suppliers (e.g. 3000)",
    )
    parser.add_argument(
        "--skip-in-process", action="store_true", help="skip the stored-vs-live CPU timing"
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.per_page.split(",")]
    setup = prepare(args.database, args.chain_id, args.period, args.make_chain)
    print(
        f"chain {setup['chain_id']} ({setup['suppliers']:,} current suppliers), "
        f"period {setup['period']}, {args.clients} clients, {args.workers} gunicorn workers"
    )
    base = f"/api/v1/chains/{setup['chain_id']}/assessment?period={setup['period']}"
    paths = {
        (size, extra): f"{base}&per_page={size}" + (f"&{extra}" if extra else "")
        for extra in ["", *args.query]
        for size in sizes
    }
    floor = serve("benchmarks.bench_assessment:hello", args.port + 1, args.workers, args.database)
    server = serve("app:app", args.port, args.workers, args.database)
    figures = {}
    try:
        body = json.dumps({"username": setup["username"], "password": PASSWORD})
        status, raw = request(
            "POST",
            args.port,
            "/api/v1/auth/token",
            body=body,
            headers={"Content-Type": "application/json"},
        )
        if status != 200:
            raise RuntimeError(f"could not get a token: {status} {raw[:200]!r}")
        headers = {"Authorization": f"Bearer {json.loads(raw)['token']}"}
        warm = {"clients": args.clients, "total": args.clients * 2}
        load(args.port + 1, "/", {}, **warm)
        hello_figures = load(
            args.port + 1, "/", {}, clients=args.clients, total=args.requests, server=floor
        )
        for key, path in paths.items():
            load(args.port, path, headers, **warm)
            figures[key] = load(
                args.port, path, headers, clients=args.clients, total=args.requests, server=server
            )
    finally:
        for process in (server, floor):
            process.terminate()
            process.wait(timeout=30)
    report("hello world (floor)", hello_figures)
    for key, found in figures.items():
        report(f"assessment, {label(key)}", found)
    verdicts = []
    for key, found in figures.items():
        meets = found["p95"] < TARGET_P95_MS and not found["errors"]
        verdicts.append(meets)
        print(
            f"{label(key)}: p95 {found['p95']:.1f} ms {'meets' if meets else 'misses'} the "
            f"{TARGET_P95_MS:.0f} ms target; "
            f"{hello_figures['rps'] / max(found['rps'], 1e-9):.1f}x the floor's cost per request"
        )
    if not args.skip_in_process:
        for key, path in paths.items():
            single = in_process(args.database, setup, path)
            cached, stored, live = single["cached"], single["stored"], single["live"]
            print(
                f"one request, {label(key)}, in-process CPU: {cached:.1f} ms from the cache, "
                f"{stored:.1f} ms from the stored rows, {live:.1f} ms computed live"
            )
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())

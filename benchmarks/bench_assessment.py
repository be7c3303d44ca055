"""Benchmark: a chain's assessment through the API under concurrent load, beside a hello-world
floor served by gunicorn the same way.

    .venv/bin/python -m benchmarks.bench_assessment --database sqlite:///path/to/demo.db \
        [--chain-id N] [--period YYYY-MM] [--clients 16] [--requests 800] [--workers 4]

Target (issue 5): p95 under 150 ms for the assessment of a 3,000-supplier chain for one
period on the city-scale database. The database must hold the demo (`flask demo`); the period
is closed first when it has no snapshots yet (scores and assessments, as the month close
does), and a chain user `bench-chain-<id>` is added when missing. Both servers run as
gunicorn on 127.0.0.1 with the same workers; every request opens its own connection.
"""

import argparse
import http.client
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
    """Pick the chain and period, close the period if needed, make sure the user exists."""
    from anlian import create_app
    from anlian.db import session_scope
    from anlian.scope import Scope
    from anlian.services import month_close, scores, users
    from anlian.services.chains import list_chains
    from anlian.services.enterprises import latest_closed_month
    from models import ScoreSnapshot, User

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
        closed = select(func.count()).where(
            ScoreSnapshot.month == period, ScoreSnapshot.kind == "closed"
        )
        if not session.execute(closed).scalar_one():
            print(f"closing {period} first (scores and assessments)…", flush=True)
            month_close.run_month_close(
                session, month=period, config=app.extensions["scoring_config"]
            )
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


def request(method: str, port: int, path: str, body=None, headers=None) -> tuple[int, bytes]:
    """One request on a fresh connection; (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def load(port: int, path: str, headers: dict, *, clients: int, total: int) -> dict:
    """`total` GETs from `clients` threads at once; latencies in ms, errors, throughput."""
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
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies) or [float("nan")]
    return {
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
        f"p95 {figures['p95']:>7.1f} ms   p99 {figures['p99']:>7.1f} ms"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="sqlite:///path (holding the demo)")
    parser.add_argument("--chain-id", type=int, default=None, help="default: the largest")
    parser.add_argument("--period", default=None, help="default: the latest closed month")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--per-page", type=int, default=5000, help="rows per response")
    parser.add_argument("--port", type=int, default=18431)
    parser.add_argument(
        "--make-chain",
        type=int,
        default=0,
        metavar="N",
        help="benchmark a made-up chain of N suppliers (e.g. 3000)",
    )
    args = parser.parse_args(argv)
    setup = prepare(args.database, args.chain_id, args.period, args.make_chain)
    print(
        f"chain {setup['chain_id']} ({setup['suppliers']:,} current suppliers), "
        f"period {setup['period']}, {args.clients} clients, {args.workers} gunicorn workers"
    )
    floor = serve("benchmarks.bench_assessment:hello", args.port + 1, args.workers, args.database)
    server = serve("app:app", args.port, args.workers, args.database)
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
        path = (
            f"/api/v1/chains/{setup['chain_id']}/assessment?period={setup['period']}"
            f"&per_page={args.per_page}"
        )
        warm = {"clients": args.clients, "total": args.clients * 2}
        load(args.port + 1, "/", {}, **warm)
        load(args.port, path, headers, **warm)
        hello_figures = load(args.port + 1, "/", {}, clients=args.clients, total=args.requests)
        figures = load(args.port, path, headers, clients=args.clients, total=args.requests)
    finally:
        for process in (server, floor):
            process.terminate()
            process.wait(timeout=30)
    report("hello world (floor)", hello_figures)
    report("assessment API", figures)
    verdict = "meets" if figures["p95"] < TARGET_P95_MS and not figures["errors"] else "misses"
    print(
        f"p95 {figures['p95']:.1f} ms {verdict} the {TARGET_P95_MS:.0f} ms target; "
        f"{hello_figures['rps'] / max(figures['rps'], 1e-9):.1f}x the floor's cost per request"
    )
    return 0 if verdict == "meets" else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the bureau dashboard's data and `/api/v1/trends` under 16 concurrent clients,
beside the raw SQL floor of the same aggregates.

    .venv/bin/python -m benchmarks.bench_trends --database sqlite:///path/to/demo.db \
        [--clients 16] [--requests 400] [--workers 4] [--window 12]

The database must hold the demo (`flask demo`, ideally `flask score close --all` too) at
migration 0005 or later (its stored trend totals: `flask --app app db upgrade` fills them from
the data on file; the rollup's writers and the month close keep them). Prints:
- what of the trend totals is stored (cells, enterprises, closed months whose scores are);
- the dashboard's data (all series, the effect for all chains and per chain, heatmap, colours,
  transitions, funnel) computed cold (a fresh app: empty in-process caches; the stored totals
  are read like any table) and warm, wall and CPU;
- the floor: the 36-month × chain aggregate straight from the raw record tables, and the
  same from the rollup, as bare SQL;
- `/trends` p50/p95 through gunicorn on 127.0.0.1, for repeated queries (served by the
  cache) and for distinct periods (a slice of the cached span each), and `/trends/effect`,
  each with the server's CPU per request (gunicorn's processes, from /proc).
Targets (issue 7): dashboard data under 1 s; `/trends` p95 under 200 ms.
"""

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy import select, text

# Run as a script or as a module: the project root must be importable either way.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.common import request  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-2026"
USER = "bench-bureau"
FLOOR_SQL = {
    "raw records, chain × month": """
        SELECT m.chain_id, h.month, SUM(h.hours), SUM(COALESCE(a.cases, 0)),
               SUM(COALESCE(i.enforced, 0))
        FROM membership m
        JOIN work_hours h ON h.enterprise_id = m.enterprise_id
        LEFT JOIN (SELECT enterprise_id, month, SUM(injured + deaths) AS cases
                   FROM accident GROUP BY enterprise_id, month) a
          ON a.enterprise_id = h.enterprise_id AND a.month = h.month
        LEFT JOIN (SELECT enterprise_id, month, COUNT(*) AS enforced FROM inspection
                   WHERE outcome IN ('warning', 'fine', 'suspension', 'referral')
                   GROUP BY enterprise_id, month) i
          ON i.enterprise_id = h.enterprise_id AND i.month = h.month
        GROUP BY m.chain_id, h.month""",
    "rollup, chain × month": """
        SELECT m.chain_id, r.month, SUM(r.hours), SUM(r.cases), SUM(r.enforcement_cases)
        FROM membership m JOIN monthly_rollup r ON r.enterprise_id = m.enterprise_id
        GROUP BY m.chain_id, r.month""",
    "rollup, city × month": """
        SELECT month, SUM(hours), SUM(cases), SUM(enforcement_cases), SUM(penalty_cny)
        FROM monthly_rollup GROUP BY month""",
}


def _app(url: str):
    from anlian import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark"})


def prepare(url: str) -> dict:
    """The bench user, the largest chain and the months with data."""
    from anlian.db import session_scope
    from anlian.scope import Scope
    from anlian.services import chains, trends, users
    from models import User

    app = _app(url)
    with app.app_context(), session_scope(app.extensions["anlian_engine"]) as session:
        if session.execute(select(User.id).where(User.username == USER)).first() is None:
            users.create_user(session, Scope.system(), username=USER, password=PASSWORD,
                              role="bureau", chain_id=None, uscc=None)  # fmt: skip
        listed = chains.list_chains(session, Scope.system(), on=date.today())
        span = trends.data_span(session)
        stored = stored_state(session, span)
    app.extensions["anlian_engine"].dispose()
    biggest = max(listed, key=lambda c: c["supplier_count"])
    return {"chain_id": biggest["id"], "span": span, "chains": [c["id"] for c in listed],
            "stored": stored}  # fmt: skip


def stored_state(session, span) -> str:
    """How much of the trend totals is stored: without them the cold figures are the live
    aggregates' (a database not upgraded to 0005)."""
    from sqlalchemy import func

    from anlian.services import trends_totals
    from models import EnterpriseTotals, MonthClose, MonthlyTotals

    def count(query):
        return session.execute(query).scalar_one()

    cells = count(select(func.count()).select_from(MonthlyTotals))
    firms = count(select(func.count()).select_from(EnterpriseTotals))
    closed = select(MonthClose.month).where(MonthClose.kind == "closed")
    current = select(trends_totals.S.month).where(trends_totals.current_score_months(span))
    closed_n = count(select(func.count()).select_from(closed.subquery()))
    current_n = count(select(func.count()).select_from(current.distinct().subquery()))
    return (f"stored: {cells:,} month cells, {firms:,} enterprises, scores of "
            f"{current_n} of {closed_n} closed months")  # fmt: skip


def dashboard_timings(url: str, window: int, repeats: int = 3) -> dict:
    """Cold (fresh app and cache) and warm dashboard data: best wall, median wall, CPU."""
    from anlian.db import open_session
    from anlian.scope import Scope
    from anlian.services import trends, trends_cache, trends_dashboard

    cold, warm, cpu = [], [], []
    for _ in range(repeats):
        app = _app(url)
        with app.app_context():
            for bucket in (cold, warm):
                session = open_session(app.extensions["anlian_engine"], write=False)
                trends_cache.enable(session)
                started, used = time.perf_counter(), time.process_time()
                trends_dashboard.dashboard(
                    session, Scope.system(), trends.Selection(), window=window, on=date.today()
                )
                bucket.append(time.perf_counter() - started)
                if bucket is cold:
                    cpu.append(time.process_time() - used)
                session.close()
        app.extensions["anlian_engine"].dispose()
    return {"cold": cold, "warm": warm, "cold_cpu": cpu}


def floor_timings(url: str, repeats: int = 3) -> dict:
    """Best-of wall time of each bare floor query."""
    from anlian.db import make_engine

    engine, found = make_engine(url), {}
    with engine.connect() as connection:
        for name, sql in FLOOR_SQL.items():
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                connection.execute(text(sql)).all()
                times.append(time.perf_counter() - started)
            found[name] = min(times)
    engine.dispose()
    return found


def serve(port: int, workers: int, url: str) -> subprocess.Popen:
    """gunicorn app:app on 127.0.0.1:`port`, once it answers."""
    env = os.environ | {"ANLIAN_DATABASE_URL": url, "ANLIAN_SECRET_KEY": "benchmark",
                        "ANLIAN_ENV": "production"}  # fmt: skip
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
               f"127.0.0.1:{port}", "--log-level", "warning", "app:app"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            request("GET", port, "/login")
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn did not start on port {port}")


def server_cpu(process: subprocess.Popen) -> float:
    """CPU seconds used so far by gunicorn's master and workers (Linux /proc), so a latency
    can be read beside what each request cost the server on a machine shared with others."""
    pids, seen = [process.pid], 0.0
    for pid in pids:
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seen += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError):
            continue
    return seen


def load(port: int, paths, headers: dict, *, clients: int, total: int) -> dict:
    """`total` GETs over `paths` (cycled) from `clients` threads; latencies in ms."""
    latencies, errors, lock = [], [], threading.Lock()
    queue = iter(list(itertools.islice(itertools.cycle(paths), total)))

    def client():
        for path in iter(lambda: next(queue, None), None):
            started = time.perf_counter()
            status, _ = request("GET", port, path, headers=headers)
            with lock:
                (latencies if status == 200 else errors).append(
                    (time.perf_counter() - started) * 1000
                )

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies) or [float("nan")]
    wall = time.perf_counter() - started
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return {"n": len(latencies), "errors": len(errors), "rps": len(latencies) / wall,
            "p50": statistics.median(ordered), "p95": p95}  # fmt: skip


def http_timings(url: str, setup: dict, *, clients: int, total: int, workers: int, port: int):
    """/trends repeated and with distinct periods, and /trends/effect, through gunicorn."""
    from anlian import months

    server = serve(port, workers, url)
    try:
        body = json.dumps({"username": USER, "password": PASSWORD})
        status, raw = request("POST", port, "/api/v1/auth/token", body=body,
                              headers={"Content-Type": "application/json"})  # fmt: skip
        if status != 200:
            raise RuntimeError(f"no token: {status} {raw[:200]!r}")
        headers = {"Authorization": f"Bearer {json.loads(raw)['token']}"}
        chain = setup["chain_id"]
        repeated = [f"/api/v1/trends?scope={s}&group={g}" for s in ("city", f"chain:{chain}")
                    for g in ("members", "non_members", "all")]  # fmt: skip
        span = months.span(*setup["span"])
        periods = [(a, b) for i, a in enumerate(span) for b in span[i + 1 :]]
        distinct = [f"/api/v1/trends?scope=city&group=members&from={a}&to={b}" for a, b in periods]
        effect = [f"/api/v1/trends/effect?chain={c}" for c in ["all", *setup["chains"]]]
        load(port, repeated, headers, clients=clients, total=len(repeated) * workers * 2)
        phases = {
            "/trends repeated (cached)": (repeated, total),
            "/trends distinct periods": (distinct[:total], min(total, len(distinct))),
            "/trends/effect per chain": (effect, total),
        }
        found = {}
        for name, (paths, n) in phases.items():
            used = server_cpu(server)
            found[name] = load(port, paths, headers, clients=clients, total=n)
            found[name]["cpu_ms"] = (server_cpu(server) - used) * 1000 / max(found[name]["n"], 1)
        return found
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="sqlite:///… or postgresql+psycopg://…")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--window", type=int, default=12)
    parser.add_argument("--port", type=int, default=18471)
    args = parser.parse_args(argv)
    setup = prepare(args.database)
    print(f"months {setup['span'][0]} … {setup['span'][1]}, {len(setup['chains'])} chains; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    print(setup["stored"])
    data = dashboard_timings(args.database, args.window)
    print(f"dashboard data, cold   best {min(data['cold']):.3f} s  median "
          f"{statistics.median(data['cold']):.3f} s  (CPU in process "
          f"{statistics.median(data['cold_cpu']):.3f} s)")  # fmt: skip
    print(f"dashboard data, warm   best {min(data['warm']) * 1000:.1f} ms")
    for name, seconds in floor_timings(args.database).items():
        print(f"floor: {name:<28} {seconds:.3f} s")
    found = http_timings(args.database, setup, clients=args.clients, total=args.requests,
                         workers=args.workers, port=args.port)  # fmt: skip
    for name, f in found.items():
        print(f"{name:<28} {f['n']:>5} ok {f['errors']:>3} err {f['rps']:>7.1f} req/s  "
              f"p50 {f['p50']:>7.1f} ms  p95 {f['p95']:>7.1f} ms  "
              f"server CPU {f['cpu_ms']:.1f} ms/request")  # fmt: skip
    worst = found["/trends distinct periods"]["p95"]
    print(f"/trends p95 uncached {worst:.0f} ms, cached "
          f"{found['/trends repeated (cached)']['p95']:.0f} ms (target 200 ms)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

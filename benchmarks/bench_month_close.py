"""Benchmark: one month close for every enterprise, beside the bare SQL aggregates (the floor).

    .venv/bin/python -m benchmarks.bench_month_close [--scale bench|bench250k] [--repeat 3]

Targets (issue 3): whole close within 3x of the floor, under 5 s at 25,000 enterprises on
2 cores, peak memory under 1 GB. The close runs in a transaction that is rolled back, so
repeats measure the same work and the file stays as it was. On a shared machine wall times
stretch with the load; the CPU times (this process, which includes SQLite's work) do not, so
both are reported, with the load average.
"""

import argparse
import os
import time

from anlian import months
from anlian.db import open_session
from anlian.services import aggregates, scores

from .common import END_MONTH, app_for, bench_database, peak_rss_mb

TARGET_SECONDS, TARGET_RATIO, TARGET_MB = 5.0, 3.0, 1024


def timed(repeats: int, function) -> tuple[float, float]:
    """(wall, CPU) seconds: the fastest of `repeats` calls for each."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def measure(url: str, repeat: int = 3) -> list[dict]:
    """Rows {figure, value, floor, ratio, target, cpu, floor_cpu, load} for the close at `url`.

    The close runs first, so the peak memory is the close's (the floor reads its rows in
    batches and keeps none); a warm-up run of each puts both on the same page cache."""
    app = app_for(url)
    engine, config = app.extensions["anlian_engine"], app.extensions["scoring_config"]
    month, on = END_MONTH, months.last_day(END_MONTH)
    load_before = os.getloadavg()[0]
    with app.app_context(), open_session(engine, write=True) as session:
        # The floor: the very statements load_batch runs (same arguments), rows fetched
        # straight from the DBAPI cursor, as load_batch fetches them, and nothing else.
        queries = aggregates.window_queries(as_of=month, on=on, window=config.window_months)
        connection = session.connection()

        def floor_once():
            for query in queries.values():
                cursor = connection.execute(query).cursor
                while cursor.fetchmany(aggregates.FETCH_ROWS):
                    pass

        def close():
            scores.close_month(session, month=month, config=config)
            session.flush()

        close()  # warm-up (and the first replacement of the stored close)
        whole, whole_cpu = timed(repeat, close)
        memory = peak_rss_mb()
        floor_once()
        floor, floor_cpu = timed(repeat, floor_once)
        firms = len(connection.execute(queries["enterprises"]).fetchall())
        session.rollback()
    load = f"load {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
    return [
        {
            "figure": f"month close, {firms:,} enterprises (s)",
            "value": whole,
            "floor": floor,
            "ratio": whole / floor,
            "target": f"< {TARGET_SECONDS:g} s, ratio < {TARGET_RATIO:g}",
            "cpu": whole_cpu,
            "floor_cpu": floor_cpu,
            "load": load,
        },
        {
            "figure": "month close peak memory (MB)",
            "value": memory,
            "floor": None,
            "ratio": None,
            "target": f"< {TARGET_MB} MB",
        },
    ]


def database(scale: str) -> str:
    if scale == "bench250k":
        from .multiply import bench_250k

        return bench_250k()
    return bench_database(scale, closed_months=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="bench", choices=["small", "city", "bench", "bench250k"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for row in measure(database(args.scale), args.repeat):
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] else ""
        floor = f"{row['floor']:.3f}" if row["floor"] else ""
        print(f"{row['figure']:<44} {row['value']:>9.3f} {floor:>8} {ratio:>7}  {row['target']}")
        if "cpu" in row:
            cpu = f"CPU {row['cpu']:.3f} s, floor CPU {row['floor_cpu']:.3f} s"
            print(f"{'':<44} {cpu} ({row['cpu'] / row['floor_cpu']:.2f}x), {row['load']}")


if __name__ == "__main__":
    main()

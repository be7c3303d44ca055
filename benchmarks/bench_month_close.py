"""Benchmark: one month close for every enterprise, beside the bare SQL aggregates (the floor).

    .venv/bin/python -m benchmarks.bench_month_close [--scale bench] [--repeat 3]

Targets (issue 3): whole close within 3x of the floor, under 5 s at 25,000 enterprises on
2 cores, peak memory under 1 GB. The close runs in a transaction that is rolled back, so
repeats measure the same work.
"""

import argparse

from anlian import months
from anlian.db import open_session
from anlian.services import aggregates, scores

from .common import END_MONTH, app_for, bench_database, best_of, peak_rss_mb

TARGET_SECONDS, TARGET_RATIO, TARGET_MB = 5.0, 3.0, 1024


def measure(url: str, repeat: int = 3) -> list[dict]:
    """Rows {figure, value, floor, ratio, target} for the month close at `url`."""
    app = app_for(url)
    engine, config = app.extensions["anlian_engine"], app.extensions["scoring_config"]
    month, on = END_MONTH, months.last_day(END_MONTH)
    with app.app_context(), open_session(engine, write=True) as session:
        queries = aggregates.window_queries(as_of=month, on=on, window=config.window_months)
        connection = session.connection()
        # The floor: the same five statements, rows fetched straight from the DBAPI cursor.
        floor = best_of(
            repeat, lambda: [connection.execute(q).cursor.fetchall() for q in queries.values()]
        )
        firms = len(connection.execute(queries["enterprises"]).fetchall())

        def close():
            scores.close_month(session, month=month, config=config)
            session.flush()

        whole = best_of(repeat, close)
        session.rollback()
    return [
        {
            "figure": f"month close, {firms:,} enterprises (s)",
            "value": whole,
            "floor": floor,
            "ratio": whole / floor,
            "target": f"< {TARGET_SECONDS:g} s, ratio < {TARGET_RATIO:g}",
        },
        {
            "figure": "month close peak memory (MB)",
            "value": peak_rss_mb(),
            "floor": None,
            "ratio": None,
            "target": f"< {TARGET_MB} MB",
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="bench", choices=["small", "city", "bench"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for row in measure(bench_database(args.scale), args.repeat):
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] else ""
        floor = f"{row['floor']:.3f}" if row["floor"] else ""
        print(f"{row['figure']:<44} {row['value']:>9.3f} {floor:>8} {ratio:>7}  {row['target']}")


if __name__ == "__main__":
    main()

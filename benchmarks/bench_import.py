"""Benchmark: a 100,000-row inspections CSV through `run_import`, beside a bare executemany.

    .venv/bin/python benchmarks/bench_import.py [--rows N] [--enterprises N] [--repeat N]

Every run uses a fresh SQLite file with the same enterprises and the full schema (indexes and
constraints included), so the ratio is the importer's own cost: parsing, validation, matching,
the audit event and statement handling. Each measurement is repeated and the best and median
reported, with CPU time beside wall time: on a shared machine the wall clock also measures
the neighbours.
"""

import argparse
import csv
import io
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import SQLModel

import models
from anlian.db import make_engine, open_session
from anlian.intake import run_import
from anlian.scope import Scope
from models.uscc import make_uscc

OUTCOMES = ["none", "rectify", "warning", "fine", "suspension", "referral"]
HEADER = ["统一社会信用代码", "检查日期", "处理结果", "来源编号", "执法机关", "违法行为数",
          "罚款金额(元)"]


def fresh_database(path: Path, enterprises: int):
    """A new SQLite file with the schema and `enterprises` enterprises; returns the engine."""
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    rows = [{"uscc": code, "name": f"企业{i}", "industry": "food", "town": "陈埭镇"}
            for i, code in enumerate(usccs(enterprises))]
    with open_session(engine, write=True) as session:
        session.execute(insert(models.Enterprise), rows)
        session.commit()
    return engine


def usccs(count: int) -> list[str]:
    return [make_uscc(f"91350582MA{i:07d}") for i in range(count)]


def inspection_rows(count: int, enterprises: int) -> list[list[str]]:
    """Deterministic inspection rows as they would appear in an exported register."""
    rng = random.Random(7)
    codes, start = usccs(enterprises), date(2019, 1, 1)
    rows = []
    for i in range(count):
        outcome = rng.choice(OUTCOMES)
        penalty = f"{rng.randrange(1, 500) * 100:,}.00" if outcome == "fine" else "0"
        day = start + timedelta(days=rng.randrange(2000))
        rows.append([codes[i % enterprises], day.isoformat(), outcome, f"JC-{i:07d}",
                     "应急管理局", str(rng.randrange(0, 6)), penalty])
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def time_import(engine, data: bytes) -> tuple[float, float, int]:
    """Wall and CPU seconds for run_import and commit, and the rows it inserted."""
    started, cpu = time.perf_counter(), time.process_time()
    with open_session(engine, write=True) as session:
        result = run_import(session, Scope.system(), "inspections", data, "bench.csv",
                            today=date(2026, 1, 1))
        session.commit()
    return time.perf_counter() - started, time.process_time() - cpu, result.inserted


def time_floor(engine, rows: list[list[str]], enterprises: int) -> tuple[float, float]:
    """Wall and CPU seconds for one executemany of the same rows, already typed."""
    ids = {code: i + 1 for i, code in enumerate(usccs(enterprises))}
    now = datetime.now(UTC).isoformat()
    params = [(ids[r[0]], r[3], r[1], r[1][:7], r[4], int(r[5]),
               r[2], float(r[6].replace(",", "")), now, now) for r in rows]
    connection = engine.raw_connection()
    started, cpu = time.perf_counter(), time.process_time()
    cursor = connection.cursor()
    cursor.execute("BEGIN IMMEDIATE")
    cursor.executemany(
        "INSERT INTO inspection (enterprise_id, source_ref, inspected_on, month, authority,"
        " violations, outcome, penalty_cny, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", params)
    cursor.execute("COMMIT")
    elapsed = time.perf_counter() - started, time.process_time() - cpu
    connection.close()
    return elapsed


def max_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def repeated(measure, times: int) -> list[tuple]:
    """`measure(tmp_dir, i)` run `times` times, each in a fresh directory."""
    out = []
    for i in range(times):
        with tempfile.TemporaryDirectory() as tmp:
            out.append(measure(Path(tmp), i))
    return out


def summary(label: str, runs: list[tuple], rows: int) -> tuple[float, float]:
    """Print best and median wall time, and CPU time; return the best wall and CPU rates."""
    walls, cpus = sorted(r[0] for r in runs), sorted(r[1] for r in runs)
    print(f"{label:12s} best {walls[0]:5.2f} s = {rows / walls[0]:8,.0f} rows/s   median"
          f" {statistics.median(walls):5.2f} s = {rows / statistics.median(walls):8,.0f} rows/s"
          f"   CPU {cpus[0]:5.2f} s = {rows / cpus[0]:8,.0f} rows/s")
    return rows / walls[0], rows / statistics.median(walls)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = inspection_rows(args.rows, args.enterprises)
    data = csv_bytes(rows)
    n = args.enterprises
    floor = repeated(lambda tmp, i: time_floor(fresh_database(tmp / "f.db", n), rows, n),
                     args.repeat)
    before = max_rss_mb()
    runs = repeated(lambda tmp, i: time_import(fresh_database(tmp / "i.db", n), data),
                    args.repeat)
    peak = max_rss_mb()
    assert all(r[2] == args.rows for r in runs), runs
    print(f"file: {args.rows:,} inspection rows, {len(data) / 2**20:.1f} MiB CSV (UTF-8, BOM),"
          f" {n:,} enterprises; {args.repeat} runs each")
    best, median = summary("run_import", runs, args.rows)
    floor_best, floor_median = summary("executemany", floor, args.rows)
    print(f"ratio: the import takes {floor_best / best:.1f}x the floor (best), "
          f"{floor_median / median:.1f}x (median)")
    print(f"peak RSS {peak:,.0f} MB (the process before the imports: {before:,.0f} MB)")
    ok = median >= 20_000 and peak < 500
    print("target (median >= 20,000 rows/s, < 500 MB):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

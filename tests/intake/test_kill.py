"""A process killed in the middle of a large import leaves nothing behind."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from anlian.db import open_session
from tests.data.make_corpus import USCCS

from .conftest import snapshot
from .test_roundtrip import fill_csv

ROOT = Path(__file__).resolve().parents[2]
ROWS = 50_000

CHILD = """
import os, sys, time
from datetime import date
from anlian.db import make_engine, open_session
from anlian.intake import run_import
from anlian.scope import Scope

url, path, marker = sys.argv[1:]

def progress(done, total):
    # Past half of the units means rows are being written: say so, then dawdle so the
    # parent's kill lands mid-write.
    if done > total // 2:
        open(marker, "w").close()
        time.sleep(0.5)

with open_session(make_engine(url), write=True) as session:
    run_import(session, Scope.system(), "inspections", open(path, "rb").read(), "big.csv",
               progress=progress, today=date(2025, 6, 30))
    session.commit()
print("finished")
"""


def big_file(path: Path) -> None:
    rows = [[USCCS[i % 3], f"2024-{i % 12 + 1:02d}-15", "fine", f"K-{i}", "局", "1", "100"]
            for i in range(ROWS)]
    path.write_bytes(fill_csv("inspections", rows))


def test_a_killed_import_leaves_nothing_partial(engine, tmp_path):
    source, marker = tmp_path / "big.csv", tmp_path / "writing"
    big_file(source)
    before = snapshot(engine)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(engine.url), str(source), str(marker)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL and b"finished" not in out
    engine.dispose()  # new connections: recovery sees the killed transaction's pages, ignores them
    after = snapshot(engine)
    assert after["inspection"][0] == 0 and after == before
    with open_session(engine, write=False) as session:
        assert session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"

"""Faults (issue 9): a read-only database, a full disk, a gunicorn worker killed during writes.

Each asserts what the user is told (a clear status and message, never a traceback) and that
nothing partial is stored: the rows counted before are there after, every acknowledged write
is stored, the rollup agrees with the hazards it counts, and on SQLite the integrity and
foreign-key checks pass. Each prints what the user saw, so the outcome can be reported
(`-s`).

- read-only: part of the normal suite, on SQLite (`mode=ro`: as root, file permissions do not
  stop writes) and on PostgreSQL (`default_transaction_read_only=on` for the app's
  connections: what a hot standby answers, "cannot execute … in a read-only transaction").
- disk full: part of the normal suite, SQLite only (`PRAGMA max_page_count` caps the file at
  its current size). PostgreSQL has no per-database size cap to simulate it with; filling the
  server's disk would hit every database on it, so it is not simulated there.
- a killed worker: starts gunicorn (2 workers, each imports the app), so it is marked
  `stress` and runs with RUN_STRESS=1, on both backends:

      RUN_STRESS=1 .venv/bin/pytest tests/stress -s
"""

import http.client
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import event, func, make_url, select, text

from models import AuditEvent, Hazard, Inspection, LoginAttempt, MonthlyRollup
from tests.conftest import PASSWORD, csrf_token

ROOT = Path(__file__).resolve().parent.parent.parent
MONTH = "2024-06"
COUNTED = (Hazard, Inspection, AuditEvent, MonthlyRollup, LoginAttempt)
INTERNALS = ("Traceback", 'File "', "sqlite3.", "psycopg", "OperationalError", "sqlalchemy")


def hazard(ref: str) -> dict:
    return {
        "found_on": f"{MONTH}-15",
        "level": "general",
        "source": "inspection",
        "description": "fault test",
        "deadline": f"{MONTH}-28",
        "source_ref": ref,
    }


def no_traceback(body: str) -> None:
    for marker in INTERNALS:
        assert marker not in body, f"internals reach the user: {body[:400]}"


def counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            model.__tablename__: connection.execute(
                select(func.count()).select_from(model)
            ).scalar_one()
            for model in COUNTED
        }


def stored_refs(engine, prefix: str) -> set[str]:
    with engine.connect() as connection:
        query = select(Hazard.source_ref).where(Hazard.source_ref.like(prefix + "%"))
        return set(connection.execute(query).scalars())


def consistent(engine) -> None:
    """No partial data: every rollup row's hazard count equals the hazards it counts, and on
    SQLite the file passes its integrity and foreign-key checks."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        mismatched = connection.execute(
            text(
                """SELECT r.enterprise_id, r.month, r.hazards_found, COUNT(h.id)
                   FROM monthly_rollup r LEFT JOIN hazard h
                     ON h.enterprise_id = r.enterprise_id AND h.month = r.month
                   GROUP BY r.enterprise_id, r.month, r.hazards_found
                   HAVING r.hazards_found != COUNT(h.id)"""
            )
        ).all()
        assert mismatched == [], f"rollup disagrees with the hazards: {mismatched[:5]}"


def show(label: str, seen: dict) -> None:
    print()
    for name, response in seen.items():
        body = " ".join(response.get_data(as_text=True).split())
        print(f"{label}, {name}: {response.status_code} {body[:300]}")


def sqlite_file(app) -> Path:
    return Path(make_url(app.config["DATABASE_URL"]).database)


def checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so that a read-only or size-capped connection sees it all."""
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def second_app(url: str):
    """Another app on the same data (same secret: the first app's session cookies hold)."""
    from anlian import create_app

    return create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test-secret"})


# --- a read-only database ------------------------------------------------------------------


def read_only_url(app) -> str:
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        checkpoint(sqlite_file(app))
        return f"sqlite:///file:{url.database}?mode=ro&uri=true"
    # Every transaction of the app's connections is read-only: what a hot standby answers.
    readonly = url.update_query_dict({"options": "-c default_transaction_read_only=on"})
    return readonly.render_as_string(hide_password=False)


def test_read_only_database(app, db, world, token_for, login, client):
    token = {"Authorization": token_for(world["bureau_user"])["Authorization"]}
    assert login(world["sme_x_user"]).status_code == 302
    cookie = client.get_cookie("session").value
    db.commit()
    engine = app.extensions["anlian_engine"]
    before = counts(engine)
    ro_app = second_app(read_only_url(app))
    ro = ro_app.test_client()
    ro.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the assertions read the English message
    ro.set_cookie("session", cookie)
    x = world["x"].uscc
    seen = {
        "GET hazards (API)": ro.get(f"/api/v1/enterprises/{x}/hazards", headers=token),
        "POST hazard (API)": ro.post(
            f"/api/v1/enterprises/{x}/hazards", json=hazard("RO-1"), headers=token
        ),
        "POST /api/v1/auth/token": ro.post(
            "/api/v1/auth/token",
            json={"username": world["bureau_user"].username, "password": PASSWORD},
        ),
        "GET /sme/hazards (page)": ro.get("/sme/hazards"),
    }
    form = csrf_token(seen["GET /sme/hazards (page)"].get_data(as_text=True))
    seen["POST /sme/hazards (page form)"] = ro.post(
        "/sme/hazards",
        data={"csrf_token": form, "description": "RO-2", "level": "general",
              "found_on": f"{MONTH}-15"},
    )  # fmt: skip
    ro_app.extensions["anlian_engine"].dispose()
    show("read-only", seen)
    assert seen["GET hazards (API)"].status_code == 200
    assert seen["GET /sme/hazards (page)"].status_code == 200
    for name in ("POST hazard (API)", "POST /api/v1/auth/token", "POST /sme/hazards (page form)"):
        response = seen[name]
        assert response.status_code == 503, (name, response.status_code)
        assert "read-only" in response.get_data(as_text=True), name  # says what is wrong
    assert seen["POST hazard (API)"].headers.get("Retry-After")
    for response in seen.values():
        no_traceback(response.get_data(as_text=True))
    assert counts(engine) == before
    consistent(engine)


# --- a full disk (PRAGMA max_page_count) ---------------------------------------------------


def inspections_csv(codes: list[str], rows: int) -> bytes:
    lines = ["统一社会信用代码,检查日期,处理结果,来源编号,执法机关,违法行为数,罚款金额(元)"]
    for i in range(rows):
        lines.append(f"{codes[i % len(codes)]},{MONTH}-0{1 + i % 9},warning,FULL-{i:06d},"
                     f"应急管理局,1,0")  # fmt: skip
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def test_disk_full(app, db, world, token_for):
    if app.extensions["anlian_engine"].dialect.name != "sqlite":
        pytest.skip("disk full is simulated on SQLite only (PRAGMA max_page_count)")
    headers = token_for(world["bureau_user"])
    db.commit()
    engine = app.extensions["anlian_engine"]
    before = counts(engine)
    engine.dispose()
    path = sqlite_file(app)
    checkpoint(path)
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("VACUUM")  # no free pages left to fill
        pages = connection.execute("PRAGMA page_count").fetchone()[0]

    @event.listens_for(engine, "connect")
    def full(dbapi_connection, _record):
        # The file may not grow past its current size: the disk is full.
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the assertions read the English message
    codes = [world[k].uscc for k in ("x", "y", "both", "outsider")]
    seen = {
        "POST import 3,000 inspections (API)": client.post(
            "/api/v1/imports/inspections",
            data={"file": (io.BytesIO(inspections_csv(codes, 3000)), "full.csv")},
            headers=headers,
            content_type="multipart/form-data",
        ),
    }
    refs, statuses = [f"FULL-H-{i}" for i in range(200)], []
    for i, ref in enumerate(refs):
        response = client.post(
            f"/api/v1/enterprises/{codes[i % len(codes)]}/hazards", json=hazard(ref),
            headers=headers,
        )  # fmt: skip
        statuses.append(response.status_code)
        if response.status_code != 201:
            seen[f"POST hazard #{i + 1} (API)"] = response
            break
    event.remove(engine, "connect", full)
    engine.dispose()
    show("disk full", seen)
    print(f"disk full at {pages} pages: {statuses.count(201)} written before the first refusal")
    assert statuses[-1] == 503, "the disk never filled up"
    for response in seen.values():
        assert response.status_code == 503
        assert "full" in response.get_data(as_text=True)  # says what is wrong
        no_traceback(response.get_data(as_text=True))
    after = counts(engine)
    assert after["inspection"] == before["inspection"], "a partial import was stored"
    acknowledged = {ref for ref, status in zip(refs, statuses, strict=False) if status == 201}
    assert acknowledged == stored_refs(engine, "FULL-H-")
    consistent(engine)


# --- a gunicorn worker killed during writes ------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(port: int, method: str, path: str, body=None, token=None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def _workers(master: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.stress
def test_worker_killed_during_writes(app, db, world, tmp_path):
    db.commit()
    engine = app.extensions["anlian_engine"]
    if engine.dialect.name == "sqlite":
        checkpoint(sqlite_file(app))
    port, log = _free_port(), (tmp_path / "gunicorn.log").open("wb")
    env = os.environ | {
        "ANLIAN_DATABASE_URL": app.config["DATABASE_URL"],
        "ANLIAN_SECRET_KEY": "stress",
        "ANLIAN_ENV": "production",
    }
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
               "--timeout", "120", "app:app"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    codes = [world[k].uscc for k in ("x", "y", "both", "outsider")]
    try:
        for _ in range(600):  # a worker may take 20-45 s to boot on a loaded machine
            try:
                _call(port, "GET", "/login")
                break
            except (OSError, http.client.HTTPException):
                time.sleep(0.5)
        status, body = _call(
            port,
            "POST",
            "/api/v1/auth/token",
            {"username": world["bureau_user"].username, "password": PASSWORD},
        )
        assert status == 200, body
        token = json.loads(body)["token"]
        run = f"KILL-{uuid.uuid4().hex[:6]}-"
        outcomes, lock = [], threading.Lock()
        deadline = time.monotonic() + 8
        killed_at = []

        def writer(n: int):
            i = 0
            while time.monotonic() < deadline:
                ref = f"{run}{n}-{i}"
                i += 1
                started = time.monotonic()
                try:
                    status, body = _call(
                        port, "POST", f"/api/v1/enterprises/{codes[i % len(codes)]}/hazards",
                        hazard(ref), token,
                    )  # fmt: skip
                except (OSError, http.client.HTTPException) as error:
                    status, body = None, repr(error)
                with lock:
                    outcomes.append((ref, status, body, started))

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(3)
        victim = _workers(server.pid)[0]
        os.kill(victim, signal.SIGKILL)
        killed_at.append(time.monotonic())
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    stored = stored_refs(engine, run)
    acknowledged = {ref for ref, status, _, _ in outcomes if status == 201}
    failed = [(ref, status, body) for ref, status, body, _ in outcomes if status != 201]
    after = [o for o in outcomes if o[3] > killed_at[0] + 1 and o[1] == 201]
    print(
        f"\n{engine.dialect.name}: worker {victim} SIGKILLed: {len(outcomes)} writes, "
        f"{len(acknowledged)} acknowledged, {len(failed)} failed, {len(stored)} stored, "
        f"{len(after)} acknowledged after the kill"
    )
    for ref, status, body in failed[:5]:
        print(f"  failed {ref}: {status} {body[:200]}  stored={ref in stored}")
    assert acknowledged <= stored, "an acknowledged write is missing"
    assert stored <= {o[0] for o in outcomes}
    assert after, "the service did not continue after the kill"
    # The killed worker's requests lose their connection; nothing else may fail.
    assert all(status is None or status >= 500 for _, status, _ in failed), failed[:5]
    for _, status, body in failed:
        if status is not None:
            no_traceback(body)
    consistent(engine)

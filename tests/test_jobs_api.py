"""Job runs over the API and on the bureau's page; a month close on demand."""

from sqlalchemy import func, select

from anlian import clock
from models import AuditEvent, JobRun, ScoreSnapshot
from tests.conftest import csrf_token

MONTH = "2025-06"


def count(db, table) -> int:
    db.commit()
    return db.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_bureau_user_closes_a_month_and_sees_the_run(client, db, world, token_for):
    headers = token_for(world["bureau_user"]) | {"Accept-Language": "en"}
    response = client.post("/api/v1/jobs/month-close", json={"month": MONTH}, headers=headers)
    assert response.status_code == 201, response.json
    run = response.json
    assert run["job"] == "month_close" and run["period"] == MONTH
    assert run["status"] == "succeeded" and run["counts"]["enterprises"] == 6
    assert run["triggered_by"] == world["bureau_user"].username
    assert count(db, ScoreSnapshot) == 6
    audit = db.execute(select(AuditEvent).where(AuditEvent.entity == "job_run")).scalar_one()
    assert audit.entity_id == str(run["id"]) and audit.after == {
        "job": "month_close",
        "month": MONTH,
    }
    listed = client.get("/api/v1/jobs?per_page=10", headers=headers).json
    assert listed["total"] == 1 and listed["items"][0]["id"] == run["id"]
    assert listed["page"] == 1 and listed["per_page"] == 10
    assert client.get("/api/v1/jobs?status=failed", headers=headers).json["total"] == 0


def test_bad_or_unended_months_are_422_and_write_nothing(app, client, db, world, token_for):
    headers = token_for(world["bureau_user"]) | {"Accept-Language": "en"}
    with app.app_context():
        running = clock.current_month()
    for body, message in (
        ({"month": "2025-6"}, "YYYY-MM"),
        ({"month": running}, "has not ended"),
        ({"month": "2999-01"}, "has not ended"),
        ({}, "Missing data"),
        ({"month": MONTH, "extra": 1}, "Unknown field"),
    ):
        response = client.post("/api/v1/jobs/month-close", json=body, headers=headers)
        assert response.status_code == 422, body
        assert any(message in m for m in sum(response.json["errors"].values(), [])), body
    assert count(db, JobRun) == count(db, ScoreSnapshot) == count(db, AuditEvent) == 0
    bad = client.get("/api/v1/jobs?job=cleanup", headers=headers)
    assert bad.status_code == 422 and "job" in bad.json["errors"]


def test_only_the_bureau_sees_or_runs_jobs(client, world, token_for):
    for user in ("chain_a_user", "sme_x_user"):
        headers = token_for(world[user])
        assert client.get("/api/v1/jobs", headers=headers).status_code == 403
        assert (
            client.post(
                "/api/v1/jobs/month-close", json={"month": MONTH}, headers=headers
            ).status_code
            == 403
        )
    assert client.get("/api/v1/jobs").status_code == 401


def test_the_bureau_page_lists_runs_and_closes_a_month(client, login, db, world):
    client.get("/lang/en")
    login(world["bureau_user"])
    page = client.get("/bureau/jobs/")
    assert page.status_code == 200 and "Run month close now" in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    bad = client.post("/bureau/jobs/month-close", data={"month": "2999-01", "csrf_token": token})
    assert bad.status_code == 422 and "has not ended" in bad.get_data(as_text=True)
    done = client.post(
        "/bureau/jobs/month-close",
        data={"month": MONTH, "csrf_token": token},
        follow_redirects=True,
    )
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and f"Month {MONTH} closed: 6 enterprises" in text
    assert text.count('data-testid="job-run"') == 1 and "succeeded" in text
    assert count(db, ScoreSnapshot) == 6


def test_other_roles_cannot_open_the_jobs_page(client, login, world):
    login(world["chain_a_user"])
    assert client.get("/bureau/jobs/").status_code == 403

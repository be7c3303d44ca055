"""The upload page: check first, then import; problems listed by row and column."""

import io

from sqlalchemy import func, select

from models import Rating

from .conftest import csrf_token

RATINGS = "链主编号,统一社会信用代码,考核期,考核项,得分\n"


def _upload(client, text, *, run=False, kind="ratings"):
    page = client.get("/imports/").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(page),
        "kind": kind,
        "file": (io.BytesIO(text.encode("utf-8")), "ratings.csv"),
    }
    data["run" if run else "check"] = "1"
    return client.post("/imports/", data=data, content_type="multipart/form-data")


def _ratings(db) -> int:
    db.rollback()
    return db.execute(select(func.count()).select_from(Rating)).scalar_one()


def test_chain_checks_then_imports_its_ratings(client, world, login, db):
    login(world["chain_a_user"])
    client.get("/lang/en")
    text = RATINGS + f"{world['chain_a'].id},{world['x'].uscc},2025-05,quality,88\n"
    checked = _upload(client, text)
    assert checked.status_code == 200 and "nothing written yet" in checked.get_data(as_text=True)
    assert _ratings(db) == 0
    done = _upload(client, text, run=True)
    assert done.status_code == 200 and "1 new" in done.get_data(as_text=True)
    assert _ratings(db) == 1


def test_problems_are_listed_and_nothing_is_written(client, world, login, db):
    login(world["chain_a_user"])
    text = RATINGS + f"{world['chain_b'].id},{world['y'].uscc},2025-05,quality,88\n"
    response = _upload(client, text, run=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="import-problems"' in body
    assert "链主编号" in body and _ratings(db) == 0


def test_chain_sees_only_its_kinds_and_sme_not_at_all(client, world, login):
    login(world["chain_a_user"])
    page = client.get("/imports/").get_data(as_text=True)
    assert 'value="ratings"' in page and 'value="accidents"' not in page
    assert client.get("/imports/template/accidents.csv").status_code == 404
    assert client.get("/imports/template/ratings.xlsx").data[:2] == b"PK"
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    login(world["sme_x_user"])
    assert client.get("/imports/").status_code == 403

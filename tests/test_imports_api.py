"""POST /api/v1/imports/{kind}: all-or-nothing through the API, scores refreshed after."""

import io

from sqlalchemy import func, select

from models import Hazard, MonthlyRollup, ScoreSnapshot

HEADER = "统一社会信用代码,发现日期,隐患等级,来源编号,来源,描述,整改期限\n"


def _post(client, headers, kind, text, *, dry_run=False, name="hazards.csv", lang="en"):
    data = {"file": (io.BytesIO(text.encode("utf-8-sig")), name)}
    query = "?dry_run=1" if dry_run else ""
    return client.post(
        f"/api/v1/imports/{kind}{query}",
        data=data,
        headers=headers | {"Accept-Language": lang},
        content_type="multipart/form-data",
    )


def _count(db, model):
    db.rollback()  # end the test session's snapshot so it sees what the request committed
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def test_import_writes_refreshes_rollup_and_provisional_scores(client, world, token_for, db):
    uscc = world["x"].uscc
    text = HEADER + f"{uscc},2025-05-02,一般,H-1,执法检查,消防通道堵塞,2025-05-20\n"
    headers = token_for(world["bureau_user"])
    dry = _post(client, headers, "hazards", text, dry_run=True)
    assert dry.status_code == 200 and dry.json["inserted"] == 1 and dry.json["dry_run"]
    assert _count(db, Hazard) == 0
    done = _post(client, headers, "hazards", text)
    assert (done.json["inserted"], done.json["updated"], done.json["unchanged"]) == (1, 0, 0)
    assert _count(db, Hazard) == 1 and _count(db, MonthlyRollup) == 1
    assert _count(db, ScoreSnapshot) == 1  # the provisional score of the touched firm
    again = _post(client, headers, "hazards", text)
    assert again.json["unchanged"] == 1 and again.json["inserted"] == 0


def test_bad_rows_come_back_with_row_column_and_message(client, world, token_for, db):
    text = HEADER + f"{world['x'].uscc},2025-05-02,一般,H-1,执法检查,x,2025-05-20\n"
    text += "91350100M000100Y44,06/28/11,大,H-2,执法检查,y,2025-05-20\n"
    response = _post(client, token_for(world["bureau_user"]), "hazards", text, lang="zh-CN")
    assert response.status_code == 422
    problems = {(p["row"], p["column"]) for p in response.json["errors"]}
    assert {(3, "统一社会信用代码"), (3, "发现日期"), (3, "隐患等级")} <= problems
    assert any("校验位" in p["message"] for p in response.json["errors"])
    assert _count(db, Hazard) == 0


def test_who_may_import_what(client, world, token_for):
    text = HEADER + f"{world['x'].uscc},2025-05-02,一般,H-1,执法检查,x,2025-05-20\n"
    assert _post(client, token_for(world["chain_a_user"]), "hazards", text).status_code == 403
    assert _post(client, token_for(world["sme_x_user"]), "hazards", text).status_code == 403
    assert _post(client, token_for(world["bureau_user"]), "nonsense", text).status_code == 404
    assert _post(client, {}, "hazards", text).status_code == 401


def test_templates_download(client, world, token_for):
    headers = token_for(world["chain_a_user"])
    csv = client.get("/api/v1/imports/ratings/template?format=csv", headers=headers)
    assert csv.status_code == 200 and "统一社会信用代码" in csv.data.decode("utf-8-sig")
    xlsx = client.get("/api/v1/imports/ratings/template?format=xlsx", headers=headers)
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    bad = client.get("/api/v1/imports/ratings/template?format=pdf", headers=headers)
    assert bad.status_code == 422 and "format" in bad.json["errors"]


def test_oversized_upload_is_413(app, client, world, token_for):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    text = HEADER + "x" * 2000
    response = _post(client, token_for(world["bureau_user"]), "hazards", text)
    assert response.status_code == 413 and response.json["message"]


def test_cli_import_dry_run_then_real_and_errors(runner, world, db, tmp_path):
    path = tmp_path / "hazards.csv"
    path.write_text(
        HEADER + f"{world['x'].uscc},2025-05-02,一般,H-1,执法检查,x,2025-05-20\n", encoding="gbk"
    )
    dry = runner.invoke(args=["import", "hazards", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "1 rows would be inserted" in dry.output
    assert _count(db, Hazard) == 0
    real = runner.invoke(args=["import", "hazards", str(path)])
    assert real.exit_code == 0 and "1 rows were inserted" in real.output
    assert _count(db, Hazard) == 1
    path.write_text(HEADER + "bad,2025-05-02,一般,H-9,执法检查,x,2025-05-20\n", encoding="utf-8")
    bad = runner.invoke(args=["import", "hazards", str(path)])
    assert bad.exit_code != 0 and "row 2, column 统一社会信用代码" in bad.output
    assert "nothing was imported" in bad.output and _count(db, Hazard) == 1

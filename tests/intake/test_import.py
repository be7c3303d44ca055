"""Importing each kind: what is written, idempotency, updates with audit, dry runs, scope."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from anlian.db import open_session
from anlian.intake import ImportForbidden, ImportRejected, run_import
from anlian.scope import Scope
from models import (
    Accident,
    AuditEvent,
    Enterprise,
    Hazard,
    Inspection,
    Membership,
    Rating,
    Scheme,
    WorkHours,
)
from models.uscc import make_uscc
from tests.data.make_corpus import USCCS

from .conftest import TODAY, rows_of, snapshot
from .test_reader import workbook

A, B, C = USCCS
NEW = make_uscc("91350582MA2Y00009")


def csv(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def errors(importer, kind, data, **kwargs) -> set:
    with pytest.raises(ImportRejected) as caught:
        importer(kind, data, **kwargs)
    return {(e.row, e.column, e.key) for e in caught.value.errors}


INSPECTIONS = csv(
    "uscc,inspected_on,outcome,source_ref,penalty_cny",
    f"{A},2024-03-05,fine,JC-1,\"1,000\"",
    f"{B},2024-04-01,warning,JC-2,",
    f"{A},2024-05-09,none,JC-3,0",
)


def test_inspections_are_written_with_their_month(engine, importer):
    result = importer("inspections", INSPECTIONS)
    assert (result.inserted, result.updated, result.unchanged, result.rows) == (3, 0, 0, 3)
    assert result.affected_enterprise_ids == {1, 2}
    assert rows_of(engine, Inspection, "enterprise_id", "source_ref", "month", "penalty_cny",
                   "authority") == [
        (1, "JC-1", "2024-03", Decimal("1000.00"), "应急管理局"),
        (2, "JC-2", "2024-04", Decimal("0.00"), "应急管理局"),
        (1, "JC-3", "2024-05", Decimal("0.00"), "应急管理局"),
    ]


def test_the_same_file_twice_changes_nothing(engine, importer):
    importer("inspections", INSPECTIONS)
    before = snapshot(engine)
    again = importer("inspections", INSPECTIONS)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert again.affected_enterprise_ids == set() and again.preview == []
    assert snapshot(engine) == before


def test_one_edited_row_is_one_audited_update(engine, importer):
    importer("inspections", INSPECTIONS)
    edited = INSPECTIONS.replace(b"warning,JC-2,", b"fine,JC-2,200")
    result = importer("inspections", edited, filename="again.csv")
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 2)
    assert result.preview == [{"row": 3, "action": "update",
                               "key": {"uscc": B, "source_ref": "JC-2"},
                               "before": {"outcome": "warning", "penalty_cny": "0.00"},
                               "after": {"outcome": "fine", "penalty_cny": "200"}}]
    with open_session(engine, write=False) as session:
        events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    update = [e for e in events if e.action == "import_update"]
    assert len(update) == 1
    assert (update[0].entity, update[0].entity_id, update[0].actor) == ("inspection", "2",
                                                                        "analyst")
    assert update[0].before == {"outcome": "warning", "penalty_cny": "0.00"}
    assert update[0].after == {"outcome": "fine", "penalty_cny": "200"}
    summaries = [(e.entity, e.entity_id, e.after) for e in events if e.action == "import"]
    assert summaries == [
        ("inspections", "upload.csv", {"inserted": 3, "updated": 0, "unchanged": 0}),
        ("inspections", "again.csv", {"inserted": 0, "updated": 1, "unchanged": 2}),
    ]


def test_dry_run_reports_and_writes_nothing(engine, importer):
    before = snapshot(engine)
    result = importer("inspections", INSPECTIONS, dry_run=True)
    assert (result.inserted, result.dry_run) == (3, True)
    assert [p["action"] for p in result.preview] == ["insert"] * 3
    assert result.preview[0]["key"] == {"uscc": A, "source_ref": "JC-1"}
    assert snapshot(engine) == before


def test_progress_counts_validation_then_writing(importer):
    calls = []
    importer("inspections", INSPECTIONS, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (6, 6)
    assert all(done <= total for done, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_enterprises_keyed_by_uscc_not_name(engine, importer):
    data = csv("统一社会信用代码,企业名称,行业,镇街,从业人数,标准化等级,风险等级,安全管家",
               f"{NEW},新企业,Machinery and hardware,安海镇,1229035.0,三级,红,是")
    first = importer("enterprises", data)
    assert first.inserted == 1 and len(first.affected_enterprise_ids) == 1
    renamed = importer("enterprises", csv("uscc,name,industry,town", f"{NEW},新企业有限公司,"
                                                                      "machinery,安海镇"))
    assert (renamed.updated, renamed.unchanged) == (1, 0)
    stored = rows_of(engine, Enterprise, "uscc", "name", "industry", "headcount",
                     "standardization", "risk_color", "steward")
    assert stored[-1] == (NEW, "新企业有限公司", "machinery", 1229035, "level3", "red", True)


def test_a_firm_under_two_names_in_one_file_is_a_duplicate(importer):
    data = csv("uscc,name,industry,town", f"{NEW},甲,food,安海镇",
               f"{NEW.lower()},甲公司,food,安海镇")
    assert errors(importer, "enterprises", data) == {(3, "uscc", "duplicate_row")}


def test_work_hours_and_headers_in_any_spelling(engine, importer):
    data = csv(" 统一社会信用代码 ,　月份　,HOURS,Headcount", f"{A},2024年3月,\"12,000.5\",80",
               f"{A},2024/4,9000,", f"{B},2024-04-30,0,3")
    assert importer("work_hours", data).inserted == 3
    assert rows_of(engine, WorkHours, "enterprise_id", "month", "hours", "headcount") == [
        (1, "2024-03", 12000.5, 80), (1, "2024-04", 9000.0, None), (2, "2024-04", 0.0, 3)]
    assert errors(importer, "work_hours", csv("uscc,month,hours", f"{A},2024-05,-1",
                                              f"{A},2024-05,1")) == {(2, "hours", "negative")}


def test_accidents_keep_multiline_descriptions_and_check_deaths(engine, importer):
    header = "uscc,发生日期,严重程度,source_ref,受伤人数,死亡人数,直接经济损失(元),来源,描述"
    good = csv(header, f'{A},2024-03-05,死亡,AC-1,0,1,"¥250,000",保险,"第一行\n第二行"',
               f"{B},2024-03-06,Minor injury,AC-2,2,,,,")
    assert importer("accidents", good).inserted == 2
    assert rows_of(engine, Accident, "severity", "deaths", "source", "description") == [
        ("fatal", 1, "insurance", "第一行\n第二行"), ("minor", 0, "bureau", "")]
    bad = csv(header, f"{A},2024-03-07,serious,AC-3,0,2,,,", f'{A},2024-03-07,minor,"AC\n4",0,0,,,')
    assert errors(importer, "accidents", bad) == {(2, "死亡人数", "deaths_need_fatal"),
                                                  (3, "source_ref", "line_break")}


def test_hazard_dates_in_order(engine, importer):
    header = "uscc,found_on,level,source_ref,source,deadline,rectified_on"
    good = csv(header, f"{A},2025-06-01,重大,HZ-1,自查,2025-09-30,", f"{A},2025-06-01,general,"
               f"HZ-2,steward,2025-06-10,2025-06-09")
    assert importer("hazards", good).inserted == 2
    assert rows_of(engine, Hazard, "level", "source", "deadline", "rectified_on")[0] == (
        "major", "self_check", date(2025, 9, 30), None)
    bad = csv(header, f"{A},2025-06-01,general,HZ-3,,2025-05-01,2025-05-31",
              f"{A},2025-06-01,general,HZ-4,,,2025-07-01")
    assert errors(importer, "hazards", bad) == {(2, "deadline", "not_before"),
                                                (2, "rectified_on", "not_before"),
                                                (3, "rectified_on", "future_date")}


def test_memberships(engine, importer):
    data = csv("链主编号,统一社会信用代码,加入日期,层级,退出日期,年采购额(元)",
               f"1.0,{B},2023-03-01,1,2024-12-31,\"500,000\"", f"1,{A},2024-01-01,3,,")
    result = importer("memberships", data)
    assert (result.inserted, result.updated) == (1, 1)
    assert rows_of(engine, Membership, "enterprise_id", "tier", "left_on")[0] == (
        2, 1, date(2024, 12, 31))
    bad = csv("chain_id,uscc,joined_on,tier,left_on", f"1,{A},2024-02-01,10,2024-01-01",
              f"9,{A},2024-02-01,1,")
    assert errors(importer, "memberships", bad) == {(2, "tier", "out_of_range"),
                                                    (3, "chain_id", "unknown_chain")}


RATINGS = "chain_id,uscc,period,criterion,score"


def test_ratings_follow_the_scheme(engine, importer):
    data = csv(RATINGS, f"1,{B},2025-05,quality,88.5", f"1,{B},2025-05,交付,90",
               f"2,{A},2025-05,anything,70")
    assert importer("ratings", data).inserted == 3
    assert rows_of(engine, Rating, "chain_id", "criterion", "score") == [
        (1, "quality", Decimal("88.50")), (1, "delivery", Decimal("90.00")),
        (2, "anything", Decimal("70.00"))]
    bad = csv(RATINGS, f"1,{B},2025-05,safety,50", f"1,{B},2025-05,price,50",
              f"1,{B},2025-04,quality,101", f"1,{B},2023-12,price,50")
    assert errors(importer, "ratings", bad) == {(2, "criterion", "safety_not_rated"),
                                                (3, "criterion", "not_in_scheme"),
                                                (4, "score", "out_of_range")}


def test_a_chain_imports_only_its_own_chain(engine, importer):
    chain = Scope(role="chain", user_id=None, username="buyer", chain_id=1)
    data = csv(RATINGS, f"1,{B},2025-05,quality,80", f"2,{C},2025-05,quality,80",
               f"7,{C},2025-05,quality,80", f"2,{C},2025-05,price,80")
    # Chain 2's scheme is the one that would refuse "price": the error must not say so.
    with open_session(engine, write=True) as session:
        session.execute(insert(Scheme), [{"chain_id": 2, "version": 1, "effective_from": "2024-01",
                                          "safety_weight_bp": 10000, "criteria": [], "bands": []}])
        session.commit()
    before = snapshot(engine)
    assert errors(importer, "ratings", data, scope=chain) == {(3, "chain_id", "not_your_chain"),
                                                              (4, "chain_id", "not_your_chain"),
                                                              (5, "chain_id", "not_your_chain")}
    assert snapshot(engine) == before
    assert importer("ratings", csv(RATINGS, f"1,{B},2025-05,quality,80"), scope=chain).inserted


def test_a_chain_rates_only_its_own_suppliers(engine, importer):
    # A is chain 2's supplier, not chain 1's: one such row rejects the whole file.
    chain = Scope(role="chain", user_id=None, username="buyer", chain_id=1)
    before = snapshot(engine)
    data = csv(RATINGS, f"1,{B},2025-05,quality,80", f"1,{A},2025-05,quality,80")
    assert errors(importer, "ratings", data, scope=chain) == {(3, "uscc", "not_a_supplier")}
    assert snapshot(engine) == before


@pytest.mark.parametrize(("role", "kind"), [("sme", "ratings"), ("chain", "inspections"),
                                            ("chain", "enterprises")])
def test_forbidden_roles_and_kinds(importer, role, kind):
    scope = Scope(role=role, chain_id=1 if role == "chain" else None,
                  enterprise_id=1 if role == "sme" else None)
    with pytest.raises(ImportForbidden):
        importer(kind, INSPECTIONS, scope=scope)


def test_unknown_kind(engine):
    with open_session(engine, write=True) as session, pytest.raises(ValueError):
        run_import(session, Scope.system(), "users", b"x", "x.csv", today=TODAY)


def test_every_problem_is_reported_with_the_sheet_row(importer):
    data = csv("uscc,inspected_on,outcome,source_ref,备注", "", f"{A},2024-03-05,fine,\"JC\n1\",x",
               ",,,,", f"{NEW},2024-13-01,,JC-2,", "a,b,c,d,e,f")
    assert errors(importer, "inspections", data) == {
        (1, "备注", "unknown_column"),
        (3, "source_ref", "line_break"),
        # Row 3's quoted line break keeps it one row, as Excel shows it; row 4 is blank.
        (5, "inspected_on", "not_a_date"), (5, "outcome", "required"),
        (6, "uscc", "uscc_length"), (6, "inspected_on", "not_a_date"),
        (6, "outcome", "not_in_vocabulary"), (6, "F", "extra_cells"),
    }


def test_errors_are_capped(importer):
    lines = [f"{A},2024-03-{i % 28 + 1:02d},bogus,R{i}" for i in range(1500)]
    with pytest.raises(ImportRejected) as caught:
        importer("inspections", csv("uscc,inspected_on,outcome,source_ref", *lines))
    assert len(caught.value.errors) == 1001
    assert caught.value.errors[-1].message == "and 500 more problems"


def test_numbers_beyond_the_columns_are_refused(importer):
    data = csv("uscc,inspected_on,outcome,source_ref,violations,penalty_cny",
               f"{A},2024-03-05,fine,X-1,3000000000,1",
               f"{A},2024-03-05,fine,X-2,1,\"1,000,000,000,000,000\"")
    assert errors(importer, "inspections", data) == {(2, "violations", "out_of_range"),
                                                     (3, "penalty_cny", "out_of_range")}


def test_a_named_sheet_of_a_workbook(engine, importer):
    data = workbook(("说明", [["填写说明"]]),
                    ("工时", [["统一社会信用代码", "月份", "工时"], [A, date(2024, 3, 1), 160.0]]))
    result = importer("work_hours", data, filename="hours.xlsx", sheet="工时")
    assert result.inserted == 1
    assert rows_of(engine, WorkHours, "month", "hours") == [("2024-03", 160.0)]


def test_preview_lists_inserts_and_updates_in_file_order(importer):
    importer("inspections", INSPECTIONS)
    edited = INSPECTIONS.replace(b"fine,JC-1,", b"warning,JC-1,")
    mixed = edited + f"{C},2024-06-01,none,JC-4,0\r\n".encode()
    result = importer("inspections", mixed, dry_run=True)
    assert [(p["row"], p["action"]) for p in result.preview] == [(2, "update"), (5, "insert")]
    assert result.preview[1]["after"]["source_ref"] == "JC-4"
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 2)
    assert result.affected_enterprise_ids == {1, 3}

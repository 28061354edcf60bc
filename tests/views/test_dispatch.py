"""定期调度 from a real PostGIS: finishes over time from the history, the dispatch tables, the
filing overdue list, and the 调度通报 written as Excel and PDF (read back)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy.orm import Session

from geo.io.report import report_pdf, report_xlsx
from layers import store, workflow
from layers.roles import Actor, Scope
from tests.helpers.samples import TOWNSHIP, insert_samples
from views import dispatch, edits
from views.names import load_names

pytestmark = pytest.mark.postgis
ADMIN = Actor("调度员", Scope("admin"))
OTHER = Actor("验收员", Scope("admin"))


def finish(db: Session, layer: str, ident: int, started: dt.date, done: dt.date) -> None:
    for status, on in (("repairing", started), ("done", done)):
        version = store.lock_row(db, layer, ident).version
        workflow.change_status(db, ADMIN, layer, ident, status, version, on=on)


def test_finishes_over_time_and_the_dispatch_tables(db: Session) -> None:
    objects = insert_samples(db)
    finish(db, "schools", objects["schools"].id, dt.date(2021, 9, 1), dt.date(2021, 9, 6))
    finish(db, "clinics", objects["clinics"].id, dt.date(2021, 9, 2), dt.date(2021, 9, 14))
    finish(db, "power_lines", objects["power_lines"].id, dt.date(2021, 8, 1), dt.date(2021, 8, 10))
    data = dispatch.dispatch_data(db.connection(), Scope("admin"), dt.date(2021, 9, 15), "zh")
    days = sorted(f.day for f in data["completions"])
    assert days == [dt.date(2021, 8, 10), dt.date(2021, 9, 6), dt.date(2021, 9, 14)]
    weekly = dispatch.timeline(data["completions"], "layer", data["names"], "zh", "W")
    assert int(weekly.to_numpy().sum()) == 3 and list(weekly.columns) == ["水毁电力设施", "学校", "卫生室"]
    assert str(weekly.index[1].date()) == "2021-09-06"  # weeks start on Monday
    town = data["by_township"].set_index("乡镇").loc["北舞渡镇"]
    assert (town["合计"], town["已完工"], town["近7日完工"]) == (7, 3, 1)
    dept = data["by_department"].set_index("行业部门")
    assert dept.loc["教育", "已完工"] == 1 and dept.loc["交通", "未完成"] == 1
    # 先实施后备案: finished on 10 August, unfiled 30 days later
    overdue = data["filing_overdue"]
    assert overdue["名称"].tolist() == ["北10kV沙河线"] and overdue["逾期天数"].iloc[0] == 6
    # an earlier date does not count later finishes
    earlier = dispatch.dispatch_data(db.connection(), Scope("admin"), dt.date(2021, 9, 1), "zh")
    assert len(earlier["completions"]) == 1


def test_a_township_report_counts_its_township_only(db: Session) -> None:
    insert_samples(db)
    mine = dispatch.dispatch_data(db.connection(), Scope("township", township=TOWNSHIP),
                                  dt.date(2021, 9, 15), "zh")
    assert set(mine["by_township"]["乡镇"]) == {"北舞渡镇"}
    assert int(mine["by_township"]["合计"].sum()) == 7


def test_the_report_as_excel_and_pdf(db: Session) -> None:
    objects = insert_samples(db)
    finish(db, "schools", objects["schools"].id, dt.date(2021, 9, 1), dt.date(2021, 9, 6))
    road = store.REGISTRY.get("roads").table
    db.execute(road.update().values(name="=HYPERLINK(\"http://x\")", deadline=dt.date(2021, 9, 1)))
    report = dispatch.dispatch_report(db.connection(), Scope("admin"), dt.date(2021, 9, 15), "zh",
                                      "调度员")
    assert report.title == "舞阳县水毁修复与防返贫工作调度通报" and "2021-09-15" in report.subtitle
    assert report.image_png and report.image_png.startswith(b"\x89PNG")
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    assert book.sheetnames[:3] == ["通报", "按乡镇", "按行业部门"]
    assert book["通报"]["A1"].value == report.title
    overdue = book["逾期项目及责任单位"]
    cells = [c for row in overdue.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")']
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula
    assert "县交通运输局" in [c.value for row in overdue.iter_rows() for c in row]
    pdf = report_pdf(report)
    assert pdf.startswith(b"%PDF") and b"NotoSansCJK" in pdf
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type/Page") >= 5


def test_status_choices_and_asset_references(db: Session) -> None:
    objects = insert_samples(db)
    assert edits.status_choices("roads", "not_started") == ["not_started", "opening", "opened", "assess"]
    assert edits.status_choices("schools", "not_started")[:3] == ["not_started", "repairing", "opening"]
    assert edits.find_asset(db.connection(), "X012-001") == ("roads", objects["roads"].id)
    assert edits.find_asset(db.connection(), f"schools:{objects['schools'].id}") == (
        "schools", objects["schools"].id)
    items = edits.bulk_items([{"layer": "roads", "id": 5, "name": "a"},
                              {"layer": "roads", "id": 5, "name": "a"},  # 抢通 and 修复 rows
                              {"layer": "schools", "id": 9, "name": "b"}],
                             {"roads": {5: 3}, "schools": {}})
    assert [(i.layer, i.id, i.version) for i in items] == [("roads", 5, 3)]
    assert load_names(db.connection()).township(TOWNSHIP) == "北舞渡镇"

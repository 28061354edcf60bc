"""The ledger page's logic and 动态清零 on a real PostGIS: the loop end to end on the demo county,
a household's case within a scope, and the Excel 台账 (masked, logged, formula-safe)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo import chinatime
from geo.errors import AccessDeniedError
from layers import REGISTRY, ledger
from layers.audit import exports
from layers.filter import Filter
from layers.history import history
from layers.ledger import NewProblem
from layers.roles import Actor, Scope
from layers.workflow import change_status
from tests.helpers.samples import TOWNSHIP, insert_samples
from views import clearance
from views.ledger import (
    LedgerQuery,
    actions,
    export_ledger,
    household_case,
    ledger_frame,
    problem_photos,
    problem_records,
)
from views.map import data as map_data
from views.names import load_names

pytestmark = pytest.mark.postgis

ADMIN = Actor("县乡村振兴局", Scope("admin"))
WATER = Actor("县水利局", Scope("department", department="water"))
TODAY = chinatime.today()


def _sole_cause_plant(conn: sa.Connection) -> tuple[int, str]:
    """A damaged water plant whose households' 饮水 problems it alone causes: (id, status)."""
    row = conn.execute(sa.text("""
        SELECT w.id, w.status FROM water_works w
        WHERE w.status IN ('assess', 'not_started', 'repairing') AND w.kind = 'plant'
          AND EXISTS (SELECT 1 FROM problems p WHERE p.causes = ARRAY['water_works:' || w.id]
                      AND p.state IN ('open', 'in_progress') AND p.kind = 'water')
        ORDER BY w.id LIMIT 1""")).one()
    return int(row.id), str(row.status)


def _finish(conn: sa.Connection, plant: int, status: str) -> None:
    """Walk the plant along the workflow to 已完工, as the water department would."""
    steps = ["assess", "not_started", "repairing", "done"]
    for target in steps[steps.index(status) + 1:]:
        version = conn.execute(sa.text("SELECT version FROM water_works WHERE id = :i"), {"i": plant}).scalar_one()
        change_status(conn, WATER, "water_works", plant, target, int(version), on=TODAY)


def test_the_loop_end_to_end_on_the_demo_county(demo: sa.Connection) -> None:
    """Mark a water plant 已完工 → its households' 饮水 problems are 待核实 → verify one → it is
    已销号, and the 动态清零 count of the progress page drops by one."""
    plant, status = _sole_cause_plant(demo)
    ref = f"water_works:{plant}"
    waiting = [r for r in demo.execute(sa.select(ledger.PROBLEMS_TABLE).where(
        ledger.PROBLEMS_TABLE.c.causes.contains([ref]),
        ledger.PROBLEMS_TABLE.c.state.in_(("open", "in_progress")))).all()]
    sole = [r.id for r in waiting if r.causes == [ref]]
    before = clearance.figures(demo, ADMIN.scope, Filter(), TODAY)

    _finish(demo, plant, status)
    states = dict(demo.execute(sa.select(ledger.PROBLEMS_TABLE.c.id, ledger.PROBLEMS_TABLE.c.state)
                               .where(ledger.PROBLEMS_TABLE.c.id.in_([r.id for r in waiting]))).all())
    assert sole and {states[i] for i in sole} == {"to_verify"}
    # a problem still waiting on another, unrestored cause stays, and its history says why
    for row in waiting:
        if states[row.id] != "to_verify":
            assert len(row.causes) > 1 and history(demo, "problems", row.id)[-1].field == "restored"
    moved = clearance.figures(demo, ADMIN.scope, Filter(), TODAY)
    moved_count = sum(state == "to_verify" for state in states.values())
    assert moved.open == before.open and moved.to_verify == before.to_verify + moved_count  # none closed

    first = min(sole)
    record = next(r for r in problem_records(demo, ADMIN.scope, LedgerQuery(states=("待核实",)), TODAY)
                  if r["id"] == first)
    assert "verify" in actions(record, ADMIN) and "verify" not in actions(record, WATER)
    assert "已完工" in record["done_note"] and record["done_by"] == "县水利局"
    ledger.verify(demo, ADMIN, first, int(record["version"]), "入户核实", note="自来水已通")
    after = clearance.figures(demo, ADMIN.scope, Filter(), TODAY)
    assert after.open_by_kind["water"] == before.open_by_kind["water"] - 1
    other_open = demo.execute(sa.text("""
        SELECT count(*) FROM problems WHERE household_id = :h AND kind IN
        ('education', 'medical', 'housing', 'water') AND state IN ('open', 'in_progress', 'to_verify')"""),
        {"h": record["household_id"]}).scalar_one()
    assert after.households_open == before.households_open - (0 if other_open else 1)
    # the ledger shows it closed, and the history replays to the same count
    shown = ledger_frame(demo, [r for r in problem_records(demo, ADMIN.scope, LedgerQuery(), TODAY)
                                if r["id"] == first], load_names(demo), "zh", TODAY)
    assert shown.iloc[0]["问题状态"] == "已销号" and "县乡村振兴局" in shown.iloc[0]["核实"]
    series = clearance.timeline(demo, ADMIN.scope, Filter(), TODAY, "zh")
    assert int(series.iloc[-1]["有三保障/饮水问题的户数"]) == after.households_open
    assert int(series.iloc[-1]["饮水安全"]) == after.open_by_kind["water"]


def test_clearance_counts_the_scope_only(demo: sa.Connection) -> None:
    everyone = clearance.figures(demo, ADMIN.scope, Filter(), TODAY)
    town = demo.execute(sa.text("SELECT code FROM townships ORDER BY code LIMIT 1")).scalar_one()
    one = clearance.figures(demo, Scope("township", township=town), Filter(), TODAY)
    assert 0 < one.open < everyone.open
    houses = clearance.houses_by_township(demo, ADMIN.scope, Filter(), TODAY, "zh")
    assert int(houses["C/D级危房"].sum()) == everyone.houses > 1000
    assert int(houses["未销号"].sum()) == everyone.houses_open
    table = clearance.by_township(demo, ADMIN.scope, Filter(), TODAY, "zh")
    assert int(table["未销号"].sum()) == everyone.open


def _sample_problem(db: Session) -> int:
    objects = insert_samples(db)
    return ledger.add_problem(db, ADMIN, NewProblem(objects["households"].id, "water",
                                                    causes=("W-001",), found_on=dt.date(2021, 8, 1)))


def test_a_household_case_within_its_scope(db: Session) -> None:
    pid = _sample_problem(db)
    conn = db.connection()
    case = household_case(conn, Scope("township", township=TOWNSHIP), "H-001", "zh", TODAY)
    assert case is not None and [p["id"] for p in case.problems] == [pid]
    facts = dict(case.facts)
    assert facts["户主"] == "王二妮" and "41112119800101123X" not in str(case.facts)
    assert "13800000000" not in str(case.facts)
    causes = dict(zip(case.assets["设施"], case.assets["是问题致因"], strict=True))
    plant = next(name for name in causes if "北舞渡镇水厂" in name)
    assert causes[plant] == "是" and any("沙河湾小学" in name for name in causes)  # serves the village
    assert "问题状态" in set(case.history["字段"]) and "待处理" in set(case.history["新值"])
    assert household_case(conn, Scope("township", township="411121100"), "H-001", "zh", TODAY) is None
    assert household_case(conn, Scope("department", department="water"), "H-001", "zh", TODAY) is None
    with pytest.raises(AccessDeniedError):
        problem_records(conn, Scope("department", department="water"), LedgerQuery(), TODAY)


def test_the_excel_ledger_is_masked_logged_and_formula_safe(db: Session) -> None:
    _sample_problem(db)
    hh = REGISTRY.get("households").table
    db.connection().execute(sa.update(hh).values(head_name="=HYPERLINK(\"http://x\",\"点我\")"))
    name, payload, rows = export_ledger(db.connection(), ADMIN, LedgerQuery(), TODAY)
    assert rows == 1 and name.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(payload))["问题台账"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(values) if row[0] == "问题编号")
    record = dict(zip(values[header], values[header + 1], strict=False))
    assert record["身份证号"] == "4111**********123X" and record["问题类型"] == "饮水安全"
    # shown as text, never run as a formula: the exact value in a quote-prefixed text cell (the
    # one guard, geo.io.cells: the cell stays text even after a user edits it in Excel)
    head = sheet.cell(row=header + 2, column=values[header].index("户主") + 1)
    assert head.value == "=HYPERLINK(\"http://x\",\"点我\")" and head.data_type == "s"
    assert head.quotePrefix
    assert "北舞渡镇水厂" in record["致因"] and record["状态"] == "待处理"
    logged = exports(db.connection())[0]
    assert logged["layers"] == ["problems"] and logged["personal"] is True and logged["row_count"] == 1
    assert logged["sha256"] == hashlib.sha256(payload).hexdigest()
    _, full, _ = export_ledger(db.connection(), ADMIN, LedgerQuery(), TODAY, private=True)
    assert b"41112119800101123X" in _xlsx_text(full)
    town = Actor("北舞渡镇", Scope("township", township=TOWNSHIP))
    with pytest.raises(AccessDeniedError):
        export_ledger(db.connection(), town, LedgerQuery(), TODAY, private=True)
    with pytest.raises(AccessDeniedError):
        export_ledger(db.connection(), Actor("督查", Scope("readonly")), LedgerQuery(), TODAY)
    assert len(exports(db.connection())) == 2  # refused exports are not logged: nothing left


def _xlsx_text(payload: bytes) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(payload))
    return " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row).encode()


def test_the_map_shows_a_households_open_problems(db: Session) -> None:
    _sample_problem(db)
    conn = db.connection()
    shown = map_data.household_map(conn, (), (), load_names(conn), "zh")
    props = shown["features"][0]["properties"]
    assert props["q"] == "饮水安全·待处理"
    assert "41112119800101123X" not in str(shown) and "13800000000" not in str(shown)


def test_a_verification_photo_is_read_back_with_its_checksum(db: Session) -> None:
    from PIL import Image

    pid = _sample_problem(db)
    town = Actor("北舞渡镇", Scope("township", township=TOWNSHIP))
    version = ledger.mark_done(db, town, pid, ledger.set_measure(db, town, pid, 1, "临时应急供水"))
    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), (0, 90, 200)).save(buffer, format="JPEG")
    ledger.verify(db, ADMIN, pid, version, "入户核实", photo=buffer.getvalue())
    photos = problem_photos(db.connection(), pid)
    assert len(photos) == 1 and photos[0]["intact"] and photos[0]["data"] == buffer.getvalue()
    assert (photos[0]["media_type"], photos[0]["width"], photos[0]["height"]) == ("image/jpeg", 6, 4)
    db.connection().execute(sa.update(ledger.PHOTOS).values(data=b"\xff\xd8 tampered"[:10],
                                                             size_bytes=10))
    assert problem_photos(db.connection(), pid)[0]["intact"] is False

"""The problem ledger on a real PostGIS: opening, measures, 销号 by another person, the repair loop,
bad input refused with nothing written, history rows for every change."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import Session

from geo.errors import AccessDeniedError, StaleEditError, UnknownChoiceError, ValidationError, WorkflowError
from layers import REGISTRY, ledger, store
from layers.history import TABLE as HISTORY
from layers.history import history
from layers.ledger import House, NewProblem
from layers.roles import Actor, Scope
from tests.helpers.samples import TOWNSHIP, insert_samples

pytestmark = pytest.mark.postgis

ADMIN = Actor("县管理员", Scope("admin"))
TOWN = Actor("北舞渡镇干部", Scope("township", township=TOWNSHIP))
OTHER_TOWN = Actor("舞泉镇干部", Scope("township", township="411121100"))
READONLY = Actor("督查", Scope("readonly"))
DAY = dt.date(2021, 9, 1)


def png(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def problem(db: Session, pid: int) -> Any:
    return db.connection().execute(sa.select(ledger.PROBLEMS_TABLE).where(
        ledger.PROBLEMS_TABLE.c.id == pid)).one()


def household(db: Session, hid: int) -> Any:
    table = REGISTRY.get("households").table
    return db.connection().execute(sa.select(table).where(table.c.id == hid)).one()


def history_count(db: Session) -> int:
    return int(db.connection().execute(sa.select(sa.func.count()).select_from(HISTORY)).scalar_one())


@pytest.fixture
def objects(db: Session) -> dict[str, Any]:
    return insert_samples(db)


def water_problem(db: Session, objects: dict[str, Any], **extra: Any) -> int:
    plant = objects["water_works"]
    new = NewProblem(objects["households"].id, "饮水安全", causes=(plant.code,), found_on=DAY, **extra)
    return ledger.add_problem(db, TOWN, new)


def test_a_problem_is_opened_with_its_cause_history_and_flag(db: Session, objects: dict[str, Any]) -> None:
    hid = objects["households"].id
    assert household(db, hid).risk_education is False
    pid = ledger.add_problem(db, TOWN, NewProblem(hid, "education", causes=("S-001",),
                                                  helper_unit="县教育局", found_on=DAY))
    row = problem(db, pid)
    assert row.state == "open" and row.causes == [f"schools:{objects['schools'].id}"]
    assert row.helper == "李帮扶"  # the household's helper unless another is named
    assert row.due_on == DAY + dt.timedelta(days=30)  # data/ledger.toml default_due_days
    assert [(c.field, c.new_value) for c in history(db, "problems", pid)] == [("state", "open")]
    assert household(db, hid).risk_education is True  # the ranking sees the new risk point
    assert [(c.field, c.new_value) for c in history(db, "households", hid)] == [("risk_education", "True")]
    assert household(db, hid).version == 2


def test_a_c_d_house_is_due_on_the_configured_deadline(db: Session, objects: dict[str, Any]) -> None:
    pid = ledger.add_problem(db, TOWN, NewProblem(objects["households"].id, "住房安全",
                                                  cause_note="D级危房", found_on=DAY))
    row = problem(db, pid)
    assert row.appraisal_grade == "D" and row.due_on == dt.date(2021, 11, 30)


def test_measure_done_and_verified_by_another_person(db: Session, objects: dict[str, Any]) -> None:
    pid = water_problem(db, objects)
    version = ledger.set_measure(db, TOWN, pid, 1, "临时应急供水", measure_note="送水车每日两次")
    assert problem(db, pid).state == "in_progress"
    version = ledger.mark_done(db, TOWN, pid, version, on=dt.date(2021, 9, 10), note="已通自来水")
    with pytest.raises(WorkflowError, match="another person"):
        ledger.verify(db, TOWN, pid, version, "入户核实")
    version = ledger.verify(db, ADMIN, pid, version, "电话", note="户主确认有水", on=dt.date(2021, 9, 12),
                            photo=png())
    row = problem(db, pid)
    assert (row.state, row.verified_by, row.verify_method, row.verified_on) == (
        "closed", "县管理员", "phone", dt.date(2021, 9, 12))
    fields = [c.field for c in history(db, "problems", pid)]
    assert {"state", "measure", "measure_note", "done_by", "verified_by", "verify_method", "photo"} <= set(fields)
    photo = db.connection().execute(sa.select(ledger.PHOTOS)).one()
    import hashlib
    assert photo.sha256 == hashlib.sha256(png()).hexdigest() and photo.media_type == "image/png"
    # the last open 饮水 problem closed: the household's water flag is lowered
    assert household(db, objects["households"].id).risk_water is False


def test_bad_input_is_one_sentence_and_writes_nothing(db: Session, objects: dict[str, Any]) -> None:
    pid = water_problem(db, objects)
    before = history_count(db)
    with pytest.raises(UnknownChoiceError, match="measure"):
        ledger.set_measure(db, TOWN, pid, 1, "发红包")
    with pytest.raises(WorkflowError, match="待处理 cannot go to 已销号"):
        ledger.verify(db, ADMIN, pid, 1, "入户核实")
    with pytest.raises(ValidationError, match="before the flood"):
        ledger.set_measure(db, TOWN, pid, 1, "临时救助", due_on=dt.date(2021, 7, 1))
    with pytest.raises(ValidationError, match="before the flood"):
        water_problem(db, objects, due_on=dt.date(2021, 7, 19))
    with pytest.raises(AccessDeniedError):
        ledger.set_measure(db, OTHER_TOWN, pid, 1, "临时救助")
    with pytest.raises(AccessDeniedError):
        ledger.set_measure(db, READONLY, pid, 1, "临时救助")
    with pytest.raises(ValidationError, match="cause"):
        ledger.add_problem(db, TOWN, NewProblem(objects["households"].id, "food", found_on=DAY))
    assert history_count(db) == before
    assert problem(db, pid).version == 1 and problem(db, pid).measure is None


def test_photos_that_are_not_pictures_or_too_large_are_refused(db: Session, objects: dict[str, Any],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    pid = water_problem(db, objects)
    version = ledger.mark_done(db, TOWN, pid, ledger.set_measure(db, TOWN, pid, 1, "临时救助"))
    before = history_count(db)
    with pytest.raises(ValidationError, match="not a readable picture"):
        ledger.verify(db, ADMIN, pid, version, "材料", photo=b"%PDF-1.4 not a photo")
    with pytest.raises(ValidationError, match="not a readable picture"):
        ledger.verify(db, ADMIN, pid, version, "材料", photo=png()[:40])  # truncated
    from layers import ledger_rules
    rules = ledger_rules.ledger_rules()
    monkeypatch.setattr(ledger, "ledger_rules", lambda: ledger_rules.LedgerRules(
        **{**rules.__dict__, "photo_max_bytes": 100}))
    with pytest.raises(ValidationError, match="more than"):
        ledger.verify(db, ADMIN, pid, version, "材料", photo=png((64, 64)))
    assert problem(db, pid).state == "to_verify" and history_count(db) == before
    assert db.connection().execute(sa.select(sa.func.count()).select_from(ledger.PHOTOS)).scalar() == 0


def test_a_stale_change_names_who_changed_it(db: Session, objects: dict[str, Any]) -> None:
    pid = water_problem(db, objects)
    ledger.set_measure(db, TOWN, pid, 1, "临时救助")
    with pytest.raises(StaleEditError, match="北舞渡镇干部"):
        ledger.mark_done(db, ADMIN, pid, 1)


def test_the_water_plant_finished_moves_its_problems_to_verify(db: Session, objects: dict[str, Any]) -> None:
    plant = objects["water_works"]
    pid = water_problem(db, objects)
    other = ledger.add_problem(db, TOWN, NewProblem(objects["households"].id, "water",
                                                    causes=(plant.code, "X012-001"), found_on=DAY))
    version = store.set_status(db, "water_works", plant.id, "repairing", 1, "水利局", today=DAY)
    assert problem(db, pid).state == "open"  # repairing restores nothing
    store.set_status(db, "water_works", plant.id, "done", version, "水利局",
                     today=dt.date(2021, 9, 20))
    row = problem(db, pid)
    assert row.state == "to_verify" and row.done_by == "水利局" and "北舞渡镇水厂" in row.done_note
    assert row.done_on == dt.date(2021, 9, 20) and row.measure == "asset_repair"
    assert "修复闭环" in (history(db, "problems", pid)[-1].note or "")
    # a problem with a second cause still unrestored (the road) waits, and says so
    waiting = problem(db, other)
    assert waiting.state == "open"
    assert "X012-001" not in [c.new_value for c in history(db, "problems", other)]
    assert history(db, "problems", other)[-1].field == "restored"
    road = objects["roads"]
    store.set_status(db, "roads", road.id, "opened", 1, "交通局")
    assert problem(db, other).state == "to_verify" and "已抢通" in problem(db, other).done_note
    # the one who finished the repair reported it done, so someone else verifies
    with pytest.raises(WorkflowError):
        ledger.verify(db, Actor("水利局", Scope("admin")), pid, row.version, "入户核实")


def test_send_back_needs_a_reason_and_reopens_the_flag(db: Session, objects: dict[str, Any]) -> None:
    pid = water_problem(db, objects)
    version = ledger.mark_done(db, TOWN, pid, ledger.set_measure(db, TOWN, pid, 1, "临时救助"))
    with pytest.raises(ValidationError, match="reason"):
        ledger.send_back(db, ADMIN, pid, version, "处理中", "")
    version = ledger.send_back(db, ADMIN, pid, version, "处理中", "入户核实仍无自来水")
    row = problem(db, pid)
    assert row.state == "in_progress" and row.done_by is None and row.state_reason == "入户核实仍无自来水"
    version = ledger.mark_unfounded(db, ADMIN, pid, version, "该户已搬迁至县城，无饮水问题")
    assert problem(db, pid).state == "unfounded"
    assert household(db, objects["households"].id).risk_water is False
    ledger.send_back(db, ADMIN, pid, version, "待处理", "复查发现仍有困难")
    assert household(db, objects["households"].id).risk_water is True


def test_a_house_is_done_only_when_its_works_are_finished(db: Session, objects: dict[str, Any]) -> None:
    pid = ledger.add_problem(db, TOWN, NewProblem(
        objects["households"].id, "housing", cause_note="D级危房", measure="危房改造", found_on=DAY,
        house=House("D", dt.date(2021, 8, 2), in_plan=True, renovation="重建")))
    with pytest.raises(WorkflowError, match="finish date"):
        ledger.mark_done(db, TOWN, pid, 1)
    with pytest.raises(ValidationError, match="before they started"):
        ledger.set_house(db, TOWN, pid, 1, House("D", in_plan=True, renovation="rebuild",
                                                 works_started_on=dt.date(2021, 9, 10),
                                                 works_finished_on=dt.date(2021, 9, 1)))
    version = ledger.set_house(db, TOWN, pid, 1, House(
        "D", dt.date(2021, 8, 2), in_plan=True, renovation="rebuild",
        works_started_on=dt.date(2021, 8, 20), works_finished_on=dt.date(2021, 9, 14), subsidy_yuan=35000))
    ledger.mark_done(db, TOWN, pid, version, on=dt.date(2021, 9, 14))
    row = problem(db, pid)
    assert row.state == "to_verify" and float(row.subsidy_yuan) == 35000
    assert {"works_finished_on", "subsidy_yuan"} <= {c.field for c in history(db, "problems", pid)}


def test_the_database_refuses_a_verifier_who_reported_it_done(db: Session, objects: dict[str, Any]) -> None:
    pid = water_problem(db, objects)
    nested = db.begin_nested()
    with pytest.raises(sa.exc.IntegrityError, match="ck_problems_verifier"):
        db.connection().execute(sa.update(ledger.PROBLEMS_TABLE).where(ledger.PROBLEMS_TABLE.c.id == pid)
                                .values(done_by="甲", verified_by="甲"))
    nested.rollback()



def test_two_people_closing_the_same_problem_at_once(fresh_database: Any) -> None:
    """Real concurrent transactions: both read version N, one locks and closes it, the other waits
    on the row lock, then is refused with the winner's name; nothing is overwritten."""
    import threading
    import time

    url = fresh_database()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with Session(engine) as session:
        objects = insert_samples(session)
        pid = water_problem(session, objects)
        version = ledger.mark_done(session, TOWN, pid, ledger.set_measure(session, TOWN, pid, 1, "临时救助"))
        session.commit()
    both_read = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def close(name: str, delay: float, hold: float) -> None:
        actor = Actor(name, Scope("admin"))
        with engine.connect() as conn:
            both_read.wait()  # each holds version `version` now
            time.sleep(delay)
            try:
                with conn.begin():
                    ledger.verify(conn, actor, pid, version, "入户核实")
                    time.sleep(hold)  # keep the row locked while the other tries
                outcome[name] = "won"
            except StaleEditError as refused:
                outcome[name] = str(refused)

    first = threading.Thread(target=close, args=("甲", 0.0, 0.8))
    second = threading.Thread(target=close, args=("乙", 0.3, 0.0))  # 甲 takes the lock first
    first.start()
    second.start()
    first.join(10)
    second.join(10)
    assert outcome["甲"] == "won"
    assert "was changed by 甲" in outcome["乙"] and "已销号" in outcome["乙"]
    with engine.connect() as conn:
        row = conn.execute(sa.select(ledger.PROBLEMS_TABLE).where(ledger.PROBLEMS_TABLE.c.id == pid)).one()
        closes = conn.execute(sa.select(sa.func.count()).select_from(HISTORY).where(
            HISTORY.c.table_name == "problems", HISTORY.c.record_id == pid,
            HISTORY.c.field == "state", HISTORY.c.new_value == "closed")).scalar_one()
    engine.dispose()
    assert row.verified_by == "甲" and row.version == version + 1 and closes == 1

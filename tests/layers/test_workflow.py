"""The status workflow on a real PostGIS: transitions from data/status_workflow.toml, who may change
what (even through a crafted call), accepting by another account, one history row per change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.errors import AccessDeniedError, ConfigError, StaleEditError, ValidationError, WorkflowError
from layers import store, workflow
from layers.history import history
from layers.roles import Actor, Scope
from tests.helpers.samples import TOWNSHIP, insert_samples

pytestmark = pytest.mark.postgis

ADMIN_A = Actor("县管理员甲", Scope("admin"))
ADMIN_B = Actor("县管理员乙", Scope("admin"))
TRANSPORT = Actor("交通局", Scope("department", department="transport"))
WATER = Actor("水利局", Scope("department", department="water"))
BEIWUDU = Actor("北舞渡镇", Scope("township", township=TOWNSHIP))
WUQUAN = Actor("舞泉镇", Scope("township", township="411121100"))
READER = Actor("督查", Scope("readonly"))
DAY = dt.date(2021, 9, 20)


def state(db: Session, layer: str, ident: int) -> Any:
    table = store.REGISTRY.get(layer).table
    return db.execute(sa.select(table).where(table.c.id == ident)).one()


def move(db: Session, actor: Actor, layer: str, ident: int, new: str, **kw: Any) -> int:
    return workflow.change_status(db, actor, layer, ident, new, state(db, layer, ident).version, **kw)


def test_a_road_goes_forward_one_stage_or_a_documented_skip(db: Session) -> None:
    road = insert_samples(db, only={"roads"})["roads"]
    with pytest.raises(WorkflowError, match=r"未开工 cannot go to 已完工.*allowed next: 抢通中、已抢通"):
        move(db, TRANSPORT, "roads", road.id, "done")
    move(db, TRANSPORT, "roads", road.id, "已抢通", on=DAY)  # the same-day skip is listed
    row = state(db, "roads", road.id)
    assert (row.status, row.passable, row.started_on) == ("opened", "open", DAY)
    with pytest.raises(WorkflowError, match="allowed next"):
        move(db, TRANSPORT, "roads", road.id, "accepted")


def test_a_facility_skips_the_reopening_stages(db: Session) -> None:
    school = insert_samples(db, only={"schools"})["schools"]
    move(db, BEIWUDU, "schools", school.id, "repairing", on=DAY - dt.timedelta(days=4))
    move(db, BEIWUDU, "schools", school.id, "done", on=DAY)
    assert state(db, "schools", school.id).finished_on == DAY  # 已完工 records the finish date


def test_moving_back_needs_a_reason(db: Session) -> None:
    clinic = insert_samples(db, only={"clinics"})["clinics"]
    move(db, ADMIN_A, "clinics", clinic.id, "repairing")
    with pytest.raises(WorkflowError, match="needs a reason"):
        move(db, ADMIN_A, "clinics", clinic.id, "not_started")
    move(db, ADMIN_A, "clinics", clinic.id, "not_started", note="资金未到位，暂停施工")
    last = history(db, "clinics", clinic.id)[-1]
    assert (last.old_value, last.new_value, last.note) == ("repairing", "not_started", "资金未到位，暂停施工")


def test_the_account_that_finished_cannot_accept(db: Session) -> None:
    water = insert_samples(db, only={"water_works"})["water_works"]
    move(db, WATER, "water_works", water.id, "repairing")
    move(db, WATER, "water_works", water.id, "done")
    with pytest.raises(WorkflowError, match="another account must accept"):
        move(db, WATER, "water_works", water.id, "accepted")
    with pytest.raises(AccessDeniedError, match="may accept"):  # a township may not accept
        move(db, BEIWUDU, "water_works", water.id, "accepted")
    move(db, ADMIN_B, "water_works", water.id, "accepted")
    assert state(db, "water_works", water.id).status == "accepted"


def test_a_department_cannot_change_another_departments_asset_even_calling_directly(
        db: Session) -> None:
    objects = insert_samples(db, only={"roads", "water_works"})
    road, plant = objects["roads"], objects["water_works"]
    before = state(db, "water_works", plant.id)
    for actor in (TRANSPORT, WUQUAN, READER):  # another sector, another township, read-only
        with pytest.raises(AccessDeniedError, match="may not change"):
            workflow.change_status(db, actor, "water_works", plant.id, "repairing", before.version)
        with pytest.raises(AccessDeniedError):
            workflow.edit_fields(db, actor, "water_works", plant.id, {"cost_wan": 1}, before.version)
    assert state(db, "water_works", plant.id).version == before.version
    assert history(db, "water_works", plant.id) == []
    move(db, TRANSPORT, "roads", road.id, "opening")  # its own layer, anywhere in the county
    move(db, BEIWUDU, "water_works", plant.id, "repairing")  # its own township, any layer


def test_every_change_leaves_exactly_one_history_row(db: Session) -> None:
    objects = insert_samples(db, only={"roads", "power_lines"})
    road, line = objects["roads"], objects["power_lines"]
    move(db, TRANSPORT, "roads", road.id, "opening", note="便道施工")
    rows = history(db, "roads", road.id)
    assert len(rows) == 1
    assert (rows[0].field, rows[0].old_value, rows[0].new_value, rows[0].changed_by) == (
        "status", "not_started", "opening", "交通局")
    version = state(db, "roads", road.id).version
    workflow.edit_fields(db, TRANSPORT, "roads", road.id,
                         {"cost_wan": 20, "deadline": dt.date(2021, 11, 30)}, version)
    assert [r.field for r in history(db, "roads", road.id)] == ["status", "cost_wan", "deadline"]
    version = state(db, "roads", road.id).version
    workflow.edit_fields(db, TRANSPORT, "roads", road.id, {"cost_wan": 20}, version)  # unchanged
    assert len(history(db, "roads", road.id)) == 3
    # a refused change (stale) leaves none
    with pytest.raises(StaleEditError):
        workflow.change_status(db, TRANSPORT, "roads", road.id, "opened", version)
    assert len(history(db, "roads", road.id)) == 3
    # the store itself records too: no path around the history
    store.set_status(db, "power_lines", line.id, "repairing", 1, "脚本")
    assert [(r.field, r.changed_by) for r in history(db, "power_lines", line.id)] == [("status", "脚本")]


def test_power_filing_needs_date_and_number_and_is_tracked(db: Session) -> None:
    line = insert_samples(db, only={"power_lines"})["power_lines"]
    power = Actor("电力局", Scope("department", department="power"))
    version = state(db, "power_lines", line.id).version
    with pytest.raises(ValidationError, match="document number"):
        workflow.change_filing(db, power, line.id, "已备案", version, filed_on=DAY)
    version = workflow.change_filing(db, power, line.id, "已备案", version, filed_on=DAY,
                                     document="舞电备〔2021〕7号")
    row = state(db, "power_lines", line.id)
    assert (row.filing, row.filed_on, row.filing_doc, row.version) == ("filed", DAY, "舞电备〔2021〕7号", version)
    fields = [r.field for r in history(db, "power_lines", line.id)]
    assert fields == ["filing", "filed_on", "filing_doc"]
    with pytest.raises(AccessDeniedError):
        workflow.change_filing(db, TRANSPORT, line.id, "未备案", version, note="退回重新备案")


def test_future_dates_are_refused(db: Session) -> None:
    road = insert_samples(db, only={"roads"})["roads"]
    with pytest.raises(ValidationError, match="in the future"):
        move(db, TRANSPORT, "roads", road.id, "opening", on=dt.date.today() + dt.timedelta(days=3))


def test_bulk_change_checks_each_row_against_its_version(db: Session, db_conn: sa.Connection) -> None:
    objects = insert_samples(db)
    items = [workflow.BulkItem(name, objects[name].id, 1, name)
             for name in ("roads", "water_works", "schools", "clinics")]
    store.set_status(db, "clinics", objects["clinics"].id, "repairing", 1, "别人")  # now stale
    result = workflow.bulk_change_status(db_conn, TRANSPORT, items, "repairing")
    assert [i.layer for i in result.changed] == []  # roads: no skip to 修复中; others: not its own
    result = workflow.bulk_change_status(db_conn, ADMIN_A, items, "repairing", note="批量开工")
    assert sorted(i.layer for i in result.changed) == ["schools", "water_works"]
    reasons = dict((i.layer, why) for i, why in result.refused)
    assert set(reasons) == {"roads", "clinics"}
    assert "allowed next" in reasons["roads"] and "was changed by 别人" in reasons["clinics"]
    assert result.sentence() == "2 changed, 2 refused"
    assert len(history(db_conn, "schools", objects["schools"].id)) == 1


def test_the_workflow_file_is_checked() -> None:
    rules = workflow.workflow()
    assert rules.kind_of("roads").name == "road" and "admin" in rules.accept_roles
    with pytest.raises(ConfigError, match="unknown stage 'finished'"):
        workflow.parse_workflow({
            "settings": {"accept_roles": ["admin"], "backward_note_min": 2},
            "kinds": {"all": {"layers": ["roads"], "transitions": [
                {"from": "none", "to": "finished", "why": "x"}]}},
            "filing": {"due_days": 30, "layers": ["power_lines"], "transitions": []}})
    with pytest.raises(ConfigError, match="exactly one kind"):
        workflow.parse_workflow({
            "settings": {"accept_roles": ["admin"], "backward_note_min": 2},
            "kinds": {"road": {"layers": ["roads"], "transitions": []}},
            "filing": {"due_days": 30, "layers": ["power_lines"], "transitions": []}})

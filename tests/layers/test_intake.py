"""应纳尽纳 on a real PostGIS: a household found at risk, a category change — each with its reason,
date and history, and each seen at once by the repair queue and the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.errors import AccessDeniedError, StaleEditError, ValidationError
from layers import REGISTRY, intake, ledger
from layers.history import history
from layers.intake import NewHousehold
from layers.roles import Actor, Scope
from tests.helpers.samples import TOWNSHIP, VILLAGE, insert_samples
from views.queue import rank_queue

pytestmark = pytest.mark.postgis

TOWN = Actor("北舞渡镇干部", Scope("township", township=TOWNSHIP))
DAY = dt.date(2021, 9, 3)


def plant_row(db: Session) -> Any:
    rows = [r for r in rank_queue(db.connection()).rows if r.layer == "water_works"]
    assert len(rows) == 1
    return rows[0]


def test_a_household_found_at_risk_enters_the_queue_and_the_ledger(db: Session) -> None:
    insert_samples(db)
    before = plant_row(db)
    hid = intake.add_household(db, TOWN, NewHousehold(
        village="沙河湾村", head_name="新户主", members=3, category="监测对象", monitor_kind="突发严重困难户",
        reason="村干部入户排查发现房屋倒塌", risks=("饮水安全", "住房安全"), situation="房屋倒塌，井被淹",
        on=DAY, lon=113.651, lat=33.602, house_grade="D", flood_damage="严重受灾"))
    after = plant_row(db)
    # the water plant serving the village now leaves one more (monitored) household without water
    assert after.households == before.households + 1
    assert after.monitored_households == before.monitored_households + 1
    assert after.weighted_households > before.weighted_households
    row = db.connection().execute(sa.select(REGISTRY.get("households").table)
                                  .where(REGISTRY.get("households").table.c.id == hid)).one()
    assert row.code == f"{VILLAGE}0001" and row.risk_water and row.risk_housing
    problems = db.connection().execute(sa.select(ledger.PROBLEMS_TABLE).where(
        ledger.PROBLEMS_TABLE.c.household_id == hid).order_by("kind")).all()
    assert [(p.kind, p.state, p.found_on) for p in problems] == [("housing", "open", DAY), ("water", "open", DAY)]
    assert problems[0].due_on == dt.date(2021, 11, 30) and problems[0].appraisal_grade == "D"
    included = history(db, "households", hid)[0]
    assert (included.field, included.new_value, included.effective_on) == ("category", "monitored", DAY)
    assert "入户排查" in (included.note or "")


def test_a_category_change_is_recorded_and_reranks(db: Session) -> None:
    objects = insert_samples(db)
    hh = REGISTRY.get("households").table
    db.connection().execute(sa.update(hh).values(category="general", monitor_kind=None))
    before = plant_row(db)
    version = intake.change_category(db, TOWN, objects["households"].id, 1, "monitored", "sudden",
                                     "房屋倒塌，家庭收入骤降", on=DAY)
    assert version == 2
    after = plant_row(db)
    assert after.monitored_households == before.monitored_households + 1
    assert after.weighted_households > before.weighted_households
    changes = {c.field: c for c in history(db, "households", objects["households"].id)}
    assert (changes["category"].old_value, changes["category"].new_value) == ("general", "monitored")
    assert changes["monitor_kind"].new_value == "sudden" and changes["category"].effective_on == DAY
    assert "房屋倒塌" in (changes["category"].note or "")
    with pytest.raises(StaleEditError, match="北舞渡镇干部"):  # an old version is refused
        intake.change_category(db, TOWN, objects["households"].id, 1, "tuopin", None, "复核后调整为脱贫户")


def test_bad_intake_is_refused_with_nothing_written(db: Session) -> None:
    insert_samples(db)
    hh = REGISTRY.get("households").table
    count = db.connection().execute(sa.select(sa.func.count()).select_from(hh)).scalar_one()
    good = NewHousehold(village=VILLAGE, head_name="某户", members=2, category="general", reason="入户排查发现")
    with pytest.raises(ValidationError, match="monitoring kind"):
        intake.add_household(db, TOWN, replace(good, category="监测对象"))
    with pytest.raises(ValidationError, match="outside the village"):
        intake.add_household(db, TOWN, replace(good, lon=114.5, lat=34.0))
    with pytest.raises(ValidationError, match="why"):
        intake.add_household(db, TOWN, replace(good, reason=""))
    with pytest.raises(AccessDeniedError):
        intake.add_household(db, Actor("舞泉", Scope("township", township="411121100")), good)
    assert db.connection().execute(sa.select(sa.func.count()).select_from(hh)).scalar_one() == count

"""The crew what-if of the repair list (``tracker rank --crews N`` and the 修复清单 page).

N crews work the county's schedule in queue order (geo/rank/schedule.py); this module turns the
result into what people read: the day-by-day curve of households whose basic services are back,
and the day each key-group household (脱贫户、监测对象、低保、特困) is fully restored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from geo.errors import ValidationError
from geo.rank.core import RankResult
from geo.rank.rules import Rules
from geo.rank.schedule import Schedule, simulate
from layers.vocabularies import CATEGORY
from views.i18n import t
from views.queue import rank_queue

MAX_CREWS = 500


@dataclass
class CrewPlan:
    result: RankResult
    schedule: Schedule


def check_crews(crews: int) -> int:
    if not 1 <= crews <= MAX_CREWS:
        raise ValidationError(f"the number of crews must be from 1 to {MAX_CREWS}, not {crews}.")
    return crews


def crew_schedule(conn: sa.Connection, crews: int, rules: Rules | str | None = None) -> CrewPlan:
    """Rank the whole county and let ``crews`` crews work the queue in order."""
    result = rank_queue(conn, rules=rules)
    return crew_plan(result, crews)


def crew_plan(result: RankResult, crews: int) -> CrewPlan:
    if result.plan is None:
        raise ValueError("the ranking result carries no plan to simulate")
    return CrewPlan(result, simulate(result.plan, result.order, check_crews(crews)))


def summary(crew: CrewPlan, lang: str) -> str:
    s = crew.schedule
    key = _key_days(crew)
    last_key = int(key.max()) if len(key) else 0
    return t("crew_summary", lang, crews=s.crews, affected=s.affected, day=s.day_all_back(),
             keys=len(key), key_day=last_key, hh_days=f"{s.household_days:,.0f}", last=s.last_day)


def curve_frame(crew: CrewPlan, lang: str) -> pd.DataFrame:
    """One row per day on which something finishes (the curve is a step between them)."""
    s = crew.schedule
    rows = [[d.day, d.tasks_done, s.affected - d.households_without, d.households_without,
             d.key_without, d.loss_left] for d in s.days]
    columns = [t(f"crew_{c}", lang) for c in ("day", "tasks_done", "back", "without", "key_without",
                                              "loss_left")]
    return pd.DataFrame(rows, columns=columns)


def key_village_frame(crew: CrewPlan, lang: str) -> pd.DataFrame:
    """Per village: key-group households missing a basic service now, and the day the last of
    them has every basic service back."""
    plan = crew.result.plan
    assert plan is not None
    people, restored = plan.people, crew.schedule.restored_day
    waiting = people.key & (restored > 0)
    frame = pd.DataFrame({"village": people.hh_village[waiting], "day": restored[waiting]})
    grouped = frame.groupby("village")["day"].agg(["count", "max", "median"]).reset_index()
    names = people.village_names
    township = dict(zip(people.villages["code"].astype(str),
                        people.villages["township_code"].astype(str), strict=True))
    twp_names = dict(zip(plan.inputs.townships["code"].astype(str),
                         plan.inputs.townships["name"].astype(str), strict=True))
    out = pd.DataFrame({
        t("col_township", lang): [twp_names.get(township.get(v, ""), "") for v in grouped["village"]],
        t("col_village", lang): [names.get(v, v) for v in grouped["village"]],
        t("crew_key_households", lang): grouped["count"].astype(int),
        t("crew_median_day", lang): grouped["median"].round(0).astype(int),
        t("crew_last_day", lang): grouped["max"].astype(int),
    })
    return out.sort_values([t("crew_last_day", lang), t("col_village", lang)]).reset_index(drop=True)


def key_households(crew: CrewPlan) -> list[dict[str, Any]]:
    """Each key-group household missing a basic service now, with the day it is fully restored
    (codes and categories only: no names, ID numbers or places)."""
    plan = crew.result.plan
    assert plan is not None
    people, restored = plan.people, crew.schedule.restored_day
    rows = np.flatnonzero(people.key & (restored > 0))
    codes = people.frame["code"].astype(str).to_numpy()
    category = people.frame["category"].astype(str).to_numpy()
    return [{"household": codes[i], "village_code": str(people.hh_village[i]),
             "village": people.village_names.get(str(people.hh_village[i]), ""),
             "category": category[i], "category_zh": CATEGORY.label(category[i]),
             "day": int(restored[i])} for i in rows.tolist()]


def schedule_json(crew: CrewPlan) -> dict[str, Any]:
    """The what-if as the public JSON (see README)."""
    s, plan = crew.schedule, crew.result.plan
    assert plan is not None
    return {
        "crews": s.crews,
        "households_affected": s.affected,
        "household_days": s.household_days,
        "day_all_back": s.day_all_back(),
        "last_day": s.last_day,
        "curve": [{"day": d.day, "tasks_done": d.tasks_done,
                   "households_back": s.affected - d.households_without,
                   "households_without": d.households_without,
                   "key_households_without": d.key_without, "loss_left": d.loss_left}
                  for d in s.days],
        "tasks": [{"layer": plan.tasks[task].info.name, "id": int(plan.tasks[task].rec["id"]),
                   "code": plan.tasks[task].code, "task": plan.tasks[task].task_zh, "crew": crew_no + 1,
                   "first_day": first, "last_day": last}
                  for task, crew_no, first, last in s.task_days],
        "key_households": key_households(crew),
    }


def _key_days(crew: CrewPlan) -> np.ndarray:
    plan = crew.result.plan
    assert plan is not None
    restored = crew.schedule.restored_day
    return restored[plan.people.key & (restored > 0)]

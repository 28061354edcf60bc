"""Everything the schedule is computed on: the tasks, who loses what, and the restoration models.

``build_plan`` turns ``RankInputs`` into a ``Plan``: one ``Task`` per 抢通 or 修复 of a damaged,
unfinished asset; the road model (passage, geo/rank/passage.py) holding every pending 抢通; the
cover model (geo/rank/cover.py) holding every other task whose function is lost now; and, for the
tasks whose service is already back (a reopened road's 修复, a temporarily restored facility),
the fixed figures of what they keep. The greedy sequence (geo/rank/sequence.py) and the crew
what-if (geo/rank/schedule.py) each work on their own copy of the models' state.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from geo.rank.cover import CoverModel
from geo.rank.exposure import (
    NO_GEOMETRY,
    Outage,
    People,
    beneficiary_outages,
    feeder_outages,
    has_geometry,
    served_outages,
    unit_of,
)
from geo.rank.gain import Gain, Unit
from geo.rank.passage import RoadModel, RoadSettings
from geo.rank.rules import Rules

TASK_ZH = {"open": "抢通", "repair": "修复"}
USE_ZH = {"living": "生活", "production": "生产", "flood": "防洪"}
LATEST = "9999-12-31"


@dataclass(frozen=True)
class LayerInfo:
    """The ranking profile of a layer, as plain values (mirrors layers.base.RankProfile)."""

    name: str
    zh: str
    exposure: str  # road_graph / served / feeder / beneficiaries
    service: str
    use: str = "living"
    use_column: str | None = None
    services: tuple[tuple[str, str], ...] = ()
    service_column: str | None = None
    tasks: tuple[str, ...] = ("repair",)


@dataclass(frozen=True)
class Override:
    """The county office's 重点/一般 for an asset, recorded with its reason (layers/overrides.py)."""

    importance: str  # 重点 / 一般
    reason: str
    set_by: str
    set_at: str  # ISO date


@dataclass
class RankInputs:
    villages: pd.DataFrame  # code, name, township_code, severely_hit, households, lon, lat (centre)
    households: pd.DataFrame  # code, village_code, category, risk_* flags, lon, lat
    townships: pd.DataFrame  # code, name, seat_lon, seat_lat
    layers: list[tuple[LayerInfo, pd.DataFrame]]  # every feature, damaged or not, in layer order
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # status/severity/filing → zh
    overrides: dict[tuple[str, int], Override] = field(default_factory=dict)  # (layer, id) → decision


@dataclass
class Task:
    """One 抢通 or 修复 of one damaged asset."""

    id: int
    info: LayerInfo
    layer_order: int
    rec: dict[Any, Any]  # the asset's record
    row: int  # position in its layer's frame
    kind: str  # open / repair_after_open / repair (the rules' task sections)
    service: str
    use: str  # living / production / flood
    urgent: bool
    # road: a pending 抢通 (the road model); cover: function lost (the cover model); static: its
    # figures do not depend on the picks — service already back (what it keeps), or nothing
    # known that it gives back
    model: str
    override: Override | None = None
    after: int | None = None  # a road's 修复 waits for its own 抢通
    kept: Gain | None = None  # static tasks whose service is back: what they keep
    lost: int = 0  # households losing the service because of it now (who lost what)
    outage: Outage | None = None
    supply: bool = False  # 临时应急供水 in place

    @property
    def code(self) -> str:
        return str(self.rec["code"])

    @property
    def task_zh(self) -> str:
        return TASK_ZH["open" if self.kind == "open" else "repair"]


TaskTable = Sequence[Task] | Mapping[int, Task]  # task id → task: a plan's list, or a table


class Relying(Protocol):
    def relying(self, row: int) -> list[tuple[Unit, float]]:
        """Villages whose best route runs over road frame row ``row``, with their loss now."""


@dataclass
class Unrankable:
    task_layer: LayerInfo
    rec: dict[Any, Any]
    problem: str
    row: int = -1  # position in its layer's frame


@dataclass
class Plan:
    people: People
    tasks: list[Task]
    unrankable: list[Unrankable]
    road: RoadModel
    cover: CoverModel
    rules: Rules
    inputs: RankInputs

    def task_of(self) -> dict[tuple[str, int, str], int]:
        """(layer, asset id, 抢通/修复) → task id."""
        return {(t.info.name, int(t.rec["id"]), t.task_zh): t.id for t in self.tasks}


def road_settings(rules: Rules) -> RoadSettings:
    return RoadSettings(rules.impassable, rules.detour_half_m, rules.snap_decimals, rules.snap_max_m,
                        rules.county_seat_township)


def build_plan(inputs: RankInputs, rules: Rules) -> Plan:
    people = People.build(inputs.households, inputs.villages, rules)
    tasks: list[Task] = []
    unrankable: list[Unrankable] = []
    outages: dict[int, Outage] = {}
    roads: tuple[pd.DataFrame, dict[int, int], set[int]] | None = None
    count = itertools.count()
    for order, (info, frame) in enumerate(inputs.layers):
        frame = frame.reset_index(drop=True)
        made, problems, found = layer_tasks(info, order, frame, people, rules, inputs.overrides,
                                            lambda _row, _k: next(count))
        tasks += made
        unrankable += problems
        outages.update(found)
        if info.exposure == "road_graph":
            opening = {t.row: t.id for t in made if t.model == "road"}
            roads = (frame, opening, {t.row for t in made})
    weight = rules.service_weights.get("passage", 1.0)
    road = RoadModel.build(roads[0], people, inputs.townships, road_settings(rules), roads[1],
                           roads[2], weight) if roads else RoadModel([], {})
    lost = {t.id: outages[t.id] for t in tasks if t.model == "cover"}
    cover = CoverModel.build(lost, people, rules.service_weights, rules.welfare_post_weight)
    for task in tasks:
        held = road.group_of if task.model == "road" else cover.task_units
        settle(task, task.id in held, people, road, rules)
    return Plan(people, tasks, unrankable, road, cover, rules, inputs)


def settle(task: Task, held: bool, people: People, road: Relying, rules: Rules) -> None:
    """Once the models are built: who loses what by ``task`` (``held``: a model holds it)."""
    if task.model != "static" and not held:
        # no household is known to lose anything by it (a PV station without beneficiaries):
        # it stays in the list, giving nothing back that the data shows
        task.model, task.kept = "static", Gain(task.service)
        return
    _who_lost_what(task, people, road, rules)


def layer_tasks(info: LayerInfo, order: int, frame: pd.DataFrame, people: People, rules: Rules,
                overrides: dict[tuple[str, int], Override], number: Callable[[int, int], int],
                only: list[int] | None = None) -> tuple[list[Task], list[Unrankable], dict[int, Outage]]:
    """The tasks of a layer's damaged, unfinished rows (of the rows ``only``, when given), each
    numbered by ``number(row, position of the task in the layer's tasks)``, in row order."""
    kinds = task_kinds(info)
    open_statuses = set().union(*(rules.tasks[k].statuses for k in kinds))
    statuses = frame["status"].tolist()
    rows = [i for i in (range(len(frame)) if only is None else only) if statuses[i] in open_statuses]
    records = frame.iloc[rows].to_dict("records")
    geoms = frame["geom"].to_numpy()
    services = _services(info, frame)
    found = _outages(info, frame, people, [i for i in rows if has_geometry(geoms[i])], services,
                     rules)
    tasks: list[Task] = []
    problems: list[Unrankable] = []
    outages: dict[int, Outage] = {}
    for i, rec in zip(rows, records, strict=True):
        outage = found.get(i)
        problem = NO_GEOMETRY if not has_geometry(geoms[i]) else outage.problem if outage else None
        if problem:
            problems.append(Unrankable(info, rec, problem, i))
            continue
        status = str(rec["status"])
        for k, (task_name, kind) in enumerate(zip(info.tasks, kinds, strict=True)):
            if status not in rules.tasks[kind].statuses:
                continue
            task = _task(number(i, k), info, order, rec, i, kind, services[i], rules,
                         overrides.get((info.name, int(rec["id"]))), outage)
            if task_name == "repair" and tasks and tasks[-1].row == i and tasks[-1].kind == "open":
                task.after = tasks[-1].id
            if outage is not None:
                outages[task.id] = outage
            tasks.append(task)
    return tasks, problems, outages


def task_kinds(info: LayerInfo) -> list[str]:
    """Rule section of each task: a 修复 that follows a 抢通 has its own urgency rules."""
    return ["open" if t == "open" else "repair_after_open" if "open" in info.tasks else "repair"
            for t in info.tasks]


def _task(task_id: int, info: LayerInfo, order: int, rec: dict[Any, Any], row: int, kind: str,
          service: str, rules: Rules, override: Override | None, outage: Outage | None) -> Task:
    status = str(rec["status"])
    supply = outage is not None and outage.level < 1.0
    urgent = status in rules.tasks[kind].emergency and not (supply and rules.emergency_supply_long_term)
    use = rec.get(info.use_column) if info.use_column else None
    if not (isinstance(use, str) and use in USE_ZH):
        use = info.use
    if kind == "open":
        model = "road"
    elif info.exposure != "road_graph" and status in rules.tasks["repair"].emergency:
        model = "cover"  # function lost until it is done (the rules' 应急 statuses of a 修复)
    else:
        model = "static"
    return Task(task_id, info, order, rec, row, kind, service, use, urgent, model, override,
                outage=outage, supply=supply)


def _services(info: LayerInfo, frame: pd.DataFrame) -> list[str]:
    """What each feature provides: the layer's service, or by ``service_column`` (water works)."""
    if not info.service_column or info.service_column not in frame.columns:
        return [info.service] * len(frame)
    mapping = dict(info.services)
    return [mapping.get(v, info.service) if isinstance(v, str) else info.service
            for v in frame[info.service_column].tolist()]


def _outages(info: LayerInfo, frame: pd.DataFrame, people: People, rows: list[int],
             services: list[str], rules: Rules) -> dict[int, Outage]:
    if info.exposure == "road_graph":
        return {}
    if info.exposure == "served":
        return served_outages(frame, people, rows, services, rules.emergency_supply_loss)
    if info.exposure == "feeder":
        return feeder_outages(frame, people, rows, info.service)
    return beneficiary_outages(frame, people, rows, info.service)


def _who_lost_what(task: Task, people: People, road: Relying, rules: Rules) -> None:
    """``task.lost``: households losing the service because of it now; for static tasks also
    what they keep (``task.kept``)."""
    weight = rules.service_weights[task.service]
    if task.info.exposure == "road_graph":
        relying = road.relying(task.row)
        task.lost = sum(unit.count for unit, loss in relying if loss > 0) if task.model == "road" else 0
        if task.model == "static":
            task.kept = Gain(task.service, protect=True)
            for unit, _ in relying:
                task.kept.add_unit(unit, 1.0, 0.0)
        return
    outage = task.outage
    if outage is None:
        return
    households = outage.households if outage.households is not None else \
        people.in_villages(outage.villages)
    task.lost = len(households) if task.model == "cover" else 0
    if task.model == "static":
        unit = unit_of(people, task.service, households, outage.villages, weight, outage.posts,
                       rules.welfare_post_weight)
        task.kept = Gain(task.service, protect=True)
        task.kept.add_unit(unit, 1.0, 0.0)


def iso_date(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def severity_index(rules: Rules, value: object) -> int:
    return rules.severity_order.index(value) if value in rules.severity_order else \
        len(rules.severity_order)

"""The crew what-if: N crews work the tasks in queue order; day by day, who has basic services back.

Each task lasts its own estimate (``est_days``) when entered, else the rule of data/rank_rules.toml
[durations]: (base + per_km x length) x severity factor x share of the work left, rounded up to
whole days. Tasks go, in queue order, to the crew free first. As tasks finish, the restoration
models (a fresh copy of the plan's) say whose losses shrink; a household is restored when none of
its basic services is lost any more. Household-days without service sum, over the days, every
household's largest basic-service loss share (a detour or temporary water counts its share): the
number a schedule should make small.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from geo.crs import project_geoms
from geo.rank.gain import Change
from geo.rank.plan import Plan, Task

LINE_TYPES = (1, 5)  # shapely type ids of LineString and MultiLineString


@dataclass
class Day:
    day: int
    tasks_done: int
    households_without: int  # households still missing some basic service
    loss_left: float  # sum of each household's largest basic-service loss share
    key_without: int  # of them in the key groups


@dataclass
class Schedule:
    crews: int
    days: list[Day]  # day 0 (now), then each day a task finishes (the curve is a step curve)
    household_days: float  # households x days without basic service, partial losses by share
    affected: int  # households missing some basic service now
    restored_day: np.ndarray  # per household: day fully restored (0: nothing lost now)
    task_days: list[tuple[int, int, int, int]]  # (task id, crew, first day, last day)

    @property
    def last_day(self) -> int:
        return self.days[-1].day if self.days else 0

    def day_all_back(self) -> int:
        """The first day on which no household misses a basic service."""
        return next((d.day for d in self.days if d.households_without == 0), self.last_day)


def durations(plan: Plan) -> list[int]:
    """Whole days per task id (its own estimate, else the rules' duration rule)."""
    km = _lengths_km(plan)
    return [_days(plan, task, km.get(task.id, 0.0)) for task in plan.tasks]


def _days(plan: Plan, task: Task, km: float) -> int:
    rule, rec = plan.rules.durations, task.rec
    own = rec.get("est_days")
    if isinstance(own, int | float) and math.isfinite(own) and own > 0:
        return max(1, math.ceil(own - 1e-9))
    layer = task.info.name
    opening = task.kind == "open"
    base = (rule.open_days if opening else rule.repair_days).get(layer, 0.0)
    per_km = (rule.open_per_km if opening else rule.repair_per_km).get(layer, 0.0)
    severity = rule.severity.get(str(rec.get("severity")), 1.0)
    status = str(rec["status"])
    # a 修复 after a 抢通 has not begun while the 抢通 is under way: all of it is left
    begun = not (task.kind == "repair_after_open" and status in plan.rules.tasks["open"].statuses)
    left = rule.left.get(status, 1.0) if begun else 1.0
    return max(1, math.ceil((base + per_km * km) * severity * left - 1e-9))


def _lengths_km(plan: Plan) -> dict[int, float]:
    """Length of each line task in km: a road's recorded length_m, else its geometry in EPSG:4547."""
    out: dict[int, float] = {}
    by_layer: dict[str, list[Task]] = {}
    for task in plan.tasks:
        by_layer.setdefault(task.info.name, []).append(task)
    for tasks in by_layer.values():
        geoms = np.array([t.rec.get("geom") for t in tasks], dtype=object)
        lines = np.isin(shapely.get_type_id(geoms), LINE_TYPES)
        metres = np.zeros(len(tasks))
        if lines.any():
            metres[lines] = shapely.length(np.asarray(project_geoms(geoms[lines])))
        for task, m in zip(tasks, metres.tolist(), strict=True):
            recorded = task.rec.get("length_m")
            if isinstance(recorded, int | float) and math.isfinite(recorded) and recorded >= 0:
                m = float(recorded)
            out[task.id] = m / 1000.0
    return out


def assign(order: Sequence[int], days: Sequence[int], crews: int) -> list[tuple[int, int, int, int]]:
    """Tasks in queue order to the crew free first: (task, crew, first day, last day)."""
    free = [(0, c) for c in range(crews)]
    out = []
    for t in order:
        start, crew = heapq.heappop(free)
        end = start + days[t]
        out.append((t, crew, start + 1, end))
        heapq.heappush(free, (end, crew))
    return out


def simulate(plan: Plan, order: Sequence[int], crews: int,
             days: Sequence[int] | None = None) -> Schedule:
    """Work ``order`` (task ids, every task once) with ``crews`` crews, day by day."""
    if crews < 1:
        raise ValueError("crews must be at least 1")
    lengths = list(days) if days is not None else durations(plan)
    planned = assign(order, lengths, crews)
    road, cover = plan.road.copy(), plan.cover.copy()
    losses = _Losses(plan, [*road.current(), *cover.current()])
    finishing: dict[int, list[int]] = {}
    for t, _, _, end in planned:
        finishing.setdefault(end, []).append(t)
    tasks, done, before = plan.tasks, 0, 0
    out = [losses.day(0, 0)]
    total = 0.0
    for day in sorted(finishing):
        total += losses.total * (day - before)  # the days' loss, before this evening's tasks end
        for t in finishing[day]:
            if tasks[t].model == "road":
                losses.apply(road.complete([t]), day)
            elif tasks[t].model == "cover":
                losses.apply(cover.complete([t]), day)
            done += 1
        out.append(losses.day(day, done))
        before = day
    return Schedule(crews, out, round(total, 2), losses.affected, losses.restored, planned)


class _Losses:
    """Each household's loss share per basic service, and the largest of them."""

    def __init__(self, plan: Plan, now: list[Change]) -> None:
        self.columns = {s: i for i, s in enumerate(sorted(plan.rules.basic_services))}
        n = len(plan.people.frame)
        self.key = plan.people.key
        self.loss = np.zeros((n, max(1, len(self.columns))), dtype=np.float32)
        for change in now:
            col = self.columns.get(change.service)
            if col is not None:
                self.loss[change.households, col] = np.maximum(self.loss[change.households, col],
                                                               change.level)
        self.worst = self.loss.max(axis=1)
        self.total = float(self.worst.sum())
        self.restored = np.where(self.worst > 0, -1, 0).astype(np.int32)
        self.affected = self.without = int((self.worst > 0).sum())
        self.key_without = int(((self.worst > 0) & self.key).sum())

    def apply(self, changes: list[Change], day: int) -> None:
        for change in changes:
            col = self.columns.get(change.service)
            if col is None or len(change.households) == 0:
                continue
            idx = change.households
            self.loss[idx, col] = change.level
            worst = self.loss[idx].max(axis=1)
            self.total += float(worst.sum() - self.worst[idx].sum())
            self.worst[idx] = worst
            back = np.unique(idx[(worst == 0) & (self.restored[idx] < 0)])
            self.restored[back] = day
            self.without -= len(back)
            self.key_without -= int(self.key[back].sum())

    def day(self, day: int, done: int) -> Day:
        return Day(day, done, self.without, round(max(self.total, 0.0), 2), self.key_without)

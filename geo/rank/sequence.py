"""The greedy schedule: each next pick is the one that gives the most back, the picks above done.

Candidates are single tasks and bundles (tasks that only together give something back: segments in
series to a cut-off village, an intake and the plant it feeds). Each is keyed lexicographically:
应急 → use → 重点 → marginal restoration per task (more first) → severity → deadline → layer order
→ code → 抢通 before 修复. After a pick only the picked tasks' own group is re-evaluated — their
road component, their feeder tree or water system — since nothing else can have changed; a heap
with one version number per group drops the keys of re-evaluated groups.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from typing import Any

from geo.rank.cover import CoverModel
from geo.rank.gain import Gain
from geo.rank.passage import RoadModel
from geo.rank.plan import LATEST, Plan, Task, TaskTable, iso_date, severity_index
from geo.rank.rules import Rules

OVERRIDE = "县防返贫办指定"


@dataclass
class Pick:
    """One step of the schedule: a task or a bundle, and what it gives back."""

    tasks: tuple[int, ...]
    gain: Gain
    importance: str
    key_reasons: list[str]
    measure: float  # what the pick gives back per task in it (the key inside a tier)


def sequence(plan: Plan) -> list[Pick]:
    """Every task of the plan, in schedule order (bundles as one pick)."""
    return _Greedy(plan).run()


class _Greedy:
    def __init__(self, plan: Plan) -> None:
        self.plan, self.rules = plan, plan.rules
        self.road: RoadModel = plan.road.copy()
        self.cover: CoverModel = plan.cover.copy()
        self.done = [False] * len(plan.tasks)
        self.waiting: dict[int, list[int]] = {}
        self.heap: list[tuple[Any, ...]] = []
        self.version: dict[tuple[str, int], int] = {}
        self.counter = itertools.count()

    def run(self) -> list[Pick]:
        for task in self.plan.tasks:
            if task.after is not None:
                self.waiting.setdefault(task.after, []).append(task.id)
            elif task.model == "static":
                self.push(("static", task.id))
        for group in range(len(self.road.parts)):
            self.push(("road", group))
        for group in self.cover.group_tasks:
            self.push(("cover", group))
        picks: list[Pick] = []
        while self.heap:
            _, _, group, version, pick = heapq.heappop(self.heap)
            if self.version[group] != version or any(self.done[t] for t in pick.tasks):
                continue
            picks.append(pick)
            self.take(group, pick)
        return picks

    def take(self, group: tuple[str, int], pick: Pick) -> None:
        for t in pick.tasks:
            self.done[t] = True
        if group[0] == "road":
            self.road.complete(pick.tasks)
        elif group[0] == "cover":
            self.cover.complete(pick.tasks)
        if group[0] != "static":
            self.push(group)
        for t in pick.tasks:
            for later in self.waiting.pop(t, []):
                self.push(("static", later))

    def push(self, group: tuple[str, int]) -> None:
        """(Re-)evaluate every candidate of one group and key it."""
        version = self.version.get(group, 0) + 1
        self.version[group] = version
        kind, g = group
        found: list[tuple[tuple[int, ...], Gain]]
        if kind == "static":
            found = [((g,), self.plan.tasks[g].kept or Gain(self.plan.tasks[g].service, protect=True))]
        else:
            model = self.road if kind == "road" else self.cover
            found = [(c, model.gain(c)) for c in model.candidates(g)]
        for tasks, gain in found:
            if kind == "cover":  # a bundle of facilities in the tie-break order (roads: path order)
                tasks = tuple(sorted(tasks, key=lambda t: tie_key(self.plan.tasks[t], self.rules)))
            pick = judge(self.plan.tasks, tasks, gain, self.rules)
            heapq.heappush(self.heap, (sort_key(self.plan.tasks, pick, self.rules),
                                       next(self.counter), group, version, pick))


def judge(tasks: TaskTable, chosen: tuple[int, ...], gain: Gain, rules: Rules) -> Pick:
    """Importance and measure of a candidate: the office's decision where recorded, else the rule."""
    reasons = key_reasons(gain, rules)
    decided = [o for o in (tasks[t].override for t in chosen) if o is not None]
    if decided and (len(decided) == len(chosen) or any(d.importance == "重点" for d in decided)):
        importance = "重点" if any(d.importance == "重点" for d in decided) else "一般"
        reasons = [OVERRIDE]
    else:
        importance = "重点" if reasons else "一般"
    return Pick(chosen, gain, importance, reasons, gain.value / len(chosen))


def key_reasons(gain: Gain, rules: Rules) -> list[str]:
    """Which of the rules' 重点 thresholds the basic services a task gives back reach."""
    rule = rules.importance
    if gain.service not in rules.basic_services:
        return []
    tests = (
        ("孤岛村", rule.cut_off_villages_min, len(gain.reconnected)),
        ("重点群体", rule.key_households_min, gain.key),
        ("监测对象", rule.monitored_min, gain.monitored),
        ("重灾村", rule.severely_hit_min, gain.severe),
    )
    return [name for name, least, found in tests if least and found >= least - 1e-9]


def sort_key(tasks: TaskTable, pick: Pick, rules: Rules) -> tuple[Any, ...]:
    """The lexicographic key; a bundle takes each part from its most pressing member."""
    members = [tasks[t] for t in pick.tasks]
    ties = [tie_key(t, rules) for t in members]
    return (
        min(0 if t.urgent else 1 for t in members),
        min(rules.use_order.index(t.use) for t in members),
        0 if pick.importance == "重点" else 1,
        -round(pick.measure, 6),
        *(min(parts) for parts in zip(*ties, strict=True)),
    )


def tie_key(task: Task, rules: Rules) -> tuple[Any, ...]:
    """Severity (worse first) → deadline (earlier first) → layer order → code → 抢通 first."""
    return (severity_index(rules, task.rec.get("severity")),
            iso_date(task.rec.get("deadline")) or LATEST, task.layer_order, task.code,
            0 if task.kind == "open" else 1)

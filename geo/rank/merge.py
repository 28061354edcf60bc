"""The greedy schedule (geo/rank/sequence.py) as a merge of per-group schedules.

A pick changes only its own group — a road component, a cover group, a static task — so each
group's picks come in an order of their own, whatever the other groups do: its best candidate,
then its best once that one is done, and so on. The county's schedule is then those per-group
orders merged by always taking the smallest head, the heap's tie-break reproduced: between equal
keys the group (re-)evaluated earlier comes first, and a 修复 waiting on its 抢通 enters once that
is picked. The live ranking (geo/rank/live.py) keeps the per-group orders, so an edit recomputes
only its group's and merges again. The tests check the merge against ``sequence`` row for row.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geo.rank.core import QueueRow
from geo.rank.gain import Gain
from geo.rank.plan import Task, TaskTable
from geo.rank.rules import Rules
from geo.rank.sequence import Pick, judge, sort_key, tie_key

GroupKey = tuple[str, int]  # ("static", task) / ("road", component label) / ("cover", root task)


@dataclass(frozen=True)
class Step:
    """One pick of a group's own order, with its key and its rows (ranks not yet set)."""

    key: tuple[Any, ...]
    pick: Pick
    rows: list[QueueRow]


def group_steps(kind: str, candidates: Callable[[], list[tuple[int, ...]]],
                gain: Callable[[tuple[int, ...]], Gain], complete: Callable[[tuple[int, ...]], Any],
                tasks: TaskTable, rules: Rules,
                write: Callable[[Pick], list[QueueRow]]) -> list[Step]:
    """A road component's or cover group's picks in order, as the greedy makes them: after each
    pick every candidate is evaluated again (a gain the model kept keeps its key); between equal
    keys the one listed first wins (the heap's counter). ``complete`` changes the model: give it
    a copy."""
    steps: list[Step] = []
    judged: dict[tuple[int, ...], tuple[Gain, tuple[Any, ...], Pick]] = {}
    while True:
        best: tuple[tuple[Any, ...], Pick] | None = None
        for found in candidates():
            given = gain(found)
            seen = judged.get(found)
            if seen is None or seen[0] is not given:  # a kept gain keeps its key and pick
                tied = tuple(sorted(found, key=lambda t: tie_key(tasks[t], rules))) \
                    if kind == "cover" else found  # a bundle of facilities in the tie-break order
                pick = judge(tasks, tied, given, rules)
                seen = judged[found] = (given, sort_key(tasks, pick, rules), pick)
            if best is None or seen[1] < best[0]:
                best = (seen[1], seen[2])
        if best is None:
            return steps
        steps.append(Step(best[0], best[1], write(best[1])))
        complete(best[1].tasks)


def static_step(task: Task, tasks: TaskTable, rules: Rules,
                write: Callable[[Pick], list[QueueRow]]) -> Step:
    """A task whose figures do not depend on the picks: one step."""
    pick = judge(tasks, (task.id,), task.kept or Gain(task.service, protect=True), rules)
    return Step(sort_key(tasks, pick, rules), pick, write(pick))


def merge(steps: Mapping[GroupKey, Sequence[Step]], first: Iterable[GroupKey],
          waiting: Mapping[int, Sequence[int]]) -> list[Step]:
    """Every step in the greedy's order. ``first``: the groups in the order the greedy first
    evaluates them; ``waiting``: task → static tasks that enter once it is picked (in order)."""
    heap: list[tuple[Any, ...]] = []
    pushes = itertools.count()

    def push(group: GroupKey, at: int) -> None:
        own = steps.get(group, ())
        if at < len(own):  # (key, push number) is unique: the comparison stops there
            heapq.heappush(heap, (own[at].key, next(pushes), group, at))

    for group in first:
        push(group, 0)
    out: list[Step] = []
    while heap:
        _, _, group, at = heapq.heappop(heap)
        step = steps[group][at]
        out.append(step)
        if group[0] != "static":
            push(group, at + 1)
        for t in step.pick.tasks:
            for later in waiting.get(t, ()):
                push(("static", later), 0)
    return out

"""Services that reach households through assets in series: the cover model.

A village's drinking water comes through its intake, its plant and its network; its power through
every feeder segment between it and the substation; a PV beneficiary's income through its station.
While any of those assets is down the service is lost, so finishing one of them gives something
back only when none of the others holding the same households is still pending: a feeder segment
below another damaged one restores nothing until the upper one is fixed. When several tasks hold
the same households at the same share, only all of them together give it back: a bundle.

State is kept per group — the tasks linked by shared households (one feeder tree, one township's
water system, one PV station) — so finishing a task touches only its own group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from geo.rank.exposure import Outage, People, unit_of
from geo.rank.gain import Change, Gain, Unit


class CoverModel:
    """Units of households, each with the pending tasks covering it and the share each holds."""

    def __init__(self, units: list[Unit], covers: list[dict[int, float]]) -> None:
        self.units = units
        self.covers = covers  # per unit: task → share of the service lost while it is pending
        self.task_units: dict[int, list[int]] = {}
        for u, cover in enumerate(covers):
            for t in cover:
                self.task_units.setdefault(t, []).append(u)
        self.pending: set[int] = set(self.task_units)
        self.loss = [max(c.values(), default=0.0) for c in covers]
        self.group_of, self.group_tasks = _groups(self.task_units, covers)

    @classmethod
    def build(cls, outages: Mapping[int, Outage], people: People, service_weights: Mapping[str, float],
              post_weight: float) -> CoverModel:
        """Units from the outages of the tasks whose function is lost now (task id → outage)."""
        covers: dict[tuple[str, str, object], dict[int, float]] = {}
        for t, out in outages.items():
            keys: Iterable[tuple[str, str, object]]
            if out.households is not None:
                keys = ((out.service, "h", int(h)) for h in out.households.tolist())
            else:
                keys = ((out.service, "v", v) for v in out.villages)
            for key in keys:
                covers.setdefault(key, {})[t] = out.level
            if out.posts:
                covers[(out.service, "p", t)] = {t: 1.0}
        groups: dict[tuple[str, tuple[tuple[int, float], ...]], list[tuple[str, object]]] = {}
        for (service, kind, what), cover in covers.items():
            groups.setdefault((service, tuple(sorted(cover.items()))), []).append((kind, what))
        units, unit_covers = [], []
        for (service, shares), members in groups.items():
            units.append(_unit(service, members, people, service_weights[service], post_weight,
                               outages))
            unit_covers.append(dict(shares))
        return cls(units, unit_covers)

    def copy(self) -> CoverModel:
        """The same model with its own state (units and groups are shared, read-only)."""
        other = object.__new__(CoverModel)
        other.units, other.covers, other.task_units = self.units, self.covers, self.task_units
        other.group_of, other.group_tasks = self.group_of, self.group_tasks
        other.pending, other.loss = set(self.pending), list(self.loss)
        return other

    def candidates(self, group: int) -> list[tuple[int, ...]]:
        """Each pending task alone, and every set that only together gives a unit back."""
        pending = [t for t in self.group_tasks[group] if t in self.pending]
        out: dict[frozenset[int], tuple[int, ...]] = {frozenset([t]): (t,) for t in pending}
        seen: set[int] = set()
        for t in pending:
            for u in self.task_units[t]:
                if u in seen or self.loss[u] <= 0:
                    continue
                seen.add(u)
                holding = sorted(x for x, share in self.covers[u].items()
                                 if x in self.pending and share >= self.loss[u])
                if len(holding) > 1:
                    out.setdefault(frozenset(holding), tuple(holding))
        return list(out.values())

    def gain(self, tasks: tuple[int, ...]) -> Gain:
        chosen = set(tasks)
        gain = Gain(self.units[self.task_units[tasks[0]][0]].service)
        for u in sorted({u for t in tasks for u in self.task_units[t]}):
            before = self.loss[u]
            after = self._loss_without(u, chosen)
            if before - after > 1e-12:
                gain.add_unit(self.units[u], before - after, after)
            if after > 0:
                gain.blocked_by.update(x for x, share in self.covers[u].items()
                                       if x in self.pending and x not in chosen and share >= after)
        return gain

    def complete(self, tasks: Iterable[int]) -> list[Change]:
        done = set(tasks) & self.pending
        self.pending -= done
        changes = []
        for u in sorted({u for t in done for u in self.task_units[t]}):
            now = self._loss_without(u, set())
            if now != self.loss[u]:
                self.loss[u] = now
                unit = self.units[u]
                changes.append(Change(unit.households, unit.service, now))
        return changes

    def current(self) -> list[Change]:
        """Every unit's loss now (the crew what-if starts from these)."""
        return [Change(unit.households, unit.service, loss)
                for unit, loss in zip(self.units, self.loss, strict=True) if loss > 0]

    def _loss_without(self, u: int, chosen: set[int]) -> float:
        return max((share for t, share in self.covers[u].items()
                    if t in self.pending and t not in chosen), default=0.0)


def _unit(service: str, members: list[tuple[str, object]], people: People, service_weight: float,
          post_weight: float, outages: Mapping[int, Outage]) -> Unit:
    villages = sorted(str(w) for k, w in members if k == "v")
    parts = [people.by_village.get(v, np.empty(0, np.int64)) for v in villages]
    parts.append(np.asarray([w for k, w in members if k == "h"], dtype=np.int64))
    households = np.unique(np.concatenate(parts))
    posts = sum(outages[w].posts for k, w in members if k == "p" and isinstance(w, int))
    named = villages or sorted(people.villages_of(households))
    return unit_of(people, service, households, named, service_weight, posts, post_weight)


def _groups(task_units: Mapping[int, list[int]],
            covers: list[dict[int, float]]) -> tuple[dict[int, int], dict[int, list[int]]]:
    """Tasks linked by a shared unit form one group (union-find over the tasks)."""
    parent = {t: t for t in task_units}

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for cover in covers:
        first, *rest = cover
        for t in rest:
            ra, rb = find(first), find(t)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    group_of = {t: find(t) for t in task_units}
    members: dict[int, list[int]] = {}
    for t in sorted(group_of):
        members.setdefault(group_of[t], []).append(t)
    return group_of, members

"""The county's ranking kept in memory between edits: its inputs, its rules, its result, and the
state that lets an edit recompute only what it touches.

A status change touches one asset; households, villages, townships and every other asset stay as
they were. The kept state (``LiveState``) holds every task, the road model per component of the
road graph, the cover model per group, and each group's own order of picks (geo/rank/merge.py).
An edit re-reads the asset's row and rebuilds its tasks; for a road, the component of the road
graph it lies in (the graph's components do not depend on any status, so a status never merges or
splits them); for a facility, the cover group(s) its outage shares households with. Only those
groups are scheduled again; the county's order is the merge of every group's order. The result
is the one a full read-and-rank gives, row for row: the tests check it after random sequences of
edits.

Tasks are numbered here by (layer, row, task) — a handle that keeps its place when other assets
gain or lose tasks — and renumbered 0.. in that order for ``RankResult.order``, as ``rank``
numbers them. A new or deleted asset, a changed road geometry, a changed power-line tree (code,
parent, villages fed), or a column whose type the new value changes rebuild the whole state
instead. Road data where one road's parts lie in two unlinked components of the graph keeps no
state at all (the greedy's groups would depend on each other): every edit there ranks afresh.

No database here: the caller re-reads the row (``geo.rank.inputs.read_asset``).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geo.rank.core import CannotRank, QueueRow, RankResult, Writer, cannot, rank, township_names
from geo.rank.cover import CoverModel
from geo.rank.exposure import Outage, People, codes_list
from geo.rank.gain import Unit
from geo.rank.merge import GroupKey, Step, group_steps, merge, static_step
from geo.rank.passage import RoadGraph
from geo.rank.plan import LayerInfo, RankInputs, Task, layer_tasks, road_settings, settle
from geo.rank.road_component import RoadComponent
from geo.rank.rules import Rules
from geo.rank.sequence import Pick

ROW_SHIFT, LAYER_SHIFT = 2, 42  # a handle: layer order, row, task (抢通 0 / 修复 1)
FEEDER_TREE = ("code", "parent_code", "villages_fed")  # what other segments' outages read
CoverKey = tuple[str, str, object]


def handle(order: int, row: int, k: int) -> int:
    return (order << LAYER_SHIFT) | (row << ROW_SHIFT) | k


@dataclass
class LiveState:
    """What an edit needs to recompute only its part. Shared read-only between snapshots: an
    edit copies the tables it changes."""

    people: People
    tasks: dict[int, Task]  # handle → task
    problems: dict[tuple[int, int], CannotRank]  # (layer order, row) → why it cannot be ranked
    road_layer: int  # layer order of the road graph (-1: none)
    graph: RoadGraph | None
    row_labels: dict[int, list[int]]  # road frame row → components its edges lie in
    passable: np.ndarray  # per edge of the graph
    parts: dict[int, RoadComponent]  # component label → its model (damaged components only)
    relied: dict[int, dict[int, list[int]]]  # label → road row → villages relying on it
    road_of: dict[int, int]  # pending 抢通 → its component
    covers: dict[int, CoverModel]  # cover group (its first task) → the model holding it
    cover_root: dict[int, int]  # cover task → its group
    cover_keys: dict[CoverKey, frozenset[int]]  # households/villages → cover tasks losing them
    steps: dict[GroupKey, list[Step]]  # each group's own order

    def relying(self, row: int) -> list[tuple[Unit, float]]:
        """As ``RoadModel.relying``: villages whose best route runs over road row ``row``."""
        out: list[tuple[Unit, float]] = []
        for c in self.row_labels.get(row, ()):
            part = self.parts.get(c)
            if part is not None:
                out += [(part.units[v], part.vloss[v]) for v in self.relied[c].get(row, ())]
        return out


@dataclass(frozen=True)
class LiveRanking:
    """One consistent snapshot: shared read-only between sessions; an edit makes a new one.
    ``result.plan`` is None (the crew what-if ranks afresh); ``state`` None: edits rank afresh."""

    inputs: RankInputs
    rules: Rules
    result: RankResult
    state: LiveState | None = None

    @classmethod
    def build(cls, inputs: RankInputs, rules: Rules) -> LiveRanking:
        state = build_state(inputs, rules)
        if state is None:
            return cls(inputs, rules, rank(inputs, rules))
        return cls(inputs, rules, result_of(state, inputs, rules), state)

    def with_assets(self, changed: list[tuple[str, int, pd.DataFrame]]) -> LiveRanking:
        """The ranking after each ``(layer, asset id, fresh)``: the asset's row became ``fresh``
        (as ``read_asset`` reads it; empty when the asset was deleted). Scheduled once."""
        ranked = {info.name: n for n, (info, _) in enumerate(self.inputs.layers)}
        changed = [c for c in changed if c[0] in ranked]
        if not changed:
            return self  # not a ranked layer: nothing in the ranking depends on it
        layers = list(self.inputs.layers)
        touched: list[tuple[int, int]] = []
        whole = self.state is None
        for layer, asset_id, fresh in changed:
            info, frame = layers[ranked[layer]]
            new = replace_row(frame, asset_id, fresh)
            row = patchable(info, frame, new, asset_id)
            whole = whole or row is None
            touched.append((ranked[layer], row if row is not None else -1))
            layers[ranked[layer]] = (info, new)
        inputs = dataclasses.replace(self.inputs, layers=layers)
        if whole or self.state is None:
            return LiveRanking.build(inputs, self.rules)
        state = patch(self.state, inputs, self.rules, touched)
        return LiveRanking(inputs, self.rules, result_of(state, inputs, self.rules), state)


def replace_row(frame: pd.DataFrame, asset_id: int, fresh: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (ordered by id) with the row of ``asset_id`` replaced by ``fresh``'s, added in
    id order when new, dropped when ``fresh`` is empty. ``frame`` itself is left untouched: other
    sessions may be reading it."""
    kept = frame[frame["id"] != asset_id]
    if fresh.empty:
        return kept.reset_index(drop=True)
    position = int((kept["id"] < asset_id).sum())
    parts = [kept.iloc[:position], fresh[list(frame.columns)], kept.iloc[position:]]
    joined = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    # concat may widen a dtype (an all-NULL column meeting a value); the full read infers the
    # column from its values alone, so infer the same way
    return joined.infer_objects()


def patchable(info: LayerInfo, old: pd.DataFrame, new: pd.DataFrame, asset_id: int) -> int | None:
    """The asset's row when the edit can be patched in, else None: the asset is new or gone, a
    column changed type, or what other assets' figures read changed (a road's geometry: the
    graph; a power line's place in its feeder tree)."""
    found = np.flatnonzero(old["id"].to_numpy() == asset_id)
    if len(found) != 1 or len(new) != len(old) or not old.dtypes.equals(new.dtypes):
        return None
    row = int(found[0])
    if info.exposure == "road_graph":
        a, b = old["geom"].iloc[row], new["geom"].iloc[row]
        same = (a is None and b is None) or (isinstance(a, shapely.Geometry) and isinstance(
            b, shapely.Geometry) and bool(shapely.equals_exact(a, b, 0.0)))
        return row if same else None
    if info.exposure == "feeder":
        for column in FEEDER_TREE:
            if column in old.columns and _value(old[column].iloc[row]) != _value(new[column].iloc[row]):
                return None
    return row


def _value(cell: object) -> object:
    return cell if isinstance(cell, str) or cell is None else tuple(codes_list(cell))


def build_state(inputs: RankInputs, rules: Rules) -> LiveState | None:
    """Every task and model of the county, each group scheduled on its own; None when a road row
    lies in two components of the road graph (its groups would not be independent)."""
    people = People.build(inputs.households, inputs.villages, rules)
    state = LiveState(people, {}, {}, -1, None, {}, np.empty(0, dtype=bool), {}, {}, {}, {}, {},
                      {}, {})
    made: list[Task] = []
    for order, (info, frame) in enumerate(inputs.layers):
        made += _add_tasks(state, inputs, rules, order, None)
        if info.exposure == "road_graph":
            state.road_layer = order
            state.graph = RoadGraph.build(frame.reset_index(drop=True), people, inputs.townships,
                                          road_settings(rules))
            state.row_labels = _row_labels(state.graph)
            state.passable = state.graph.net.passable
            if any(len(labels) > 1 for labels in state.row_labels.values()):
                return None  # a road across unlinked pieces: its groups are not independent
    if state.graph is not None:
        _build_roads(state, inputs, rules,
                     state.graph.wanted({t.row for t in made if t.layer_order == state.road_layer}))
    _build_covers(state, rules, [t.id for t in made if t.model == "cover"])
    _settle(state, rules, made)
    _schedule(state, inputs, rules, made, set(state.parts), set(state.covers))
    return state


def patch(old: LiveState, inputs: RankInputs, rules: Rules,
          touched: list[tuple[int, int]]) -> LiveState:
    """``old`` with the touched assets (layer order, row) re-read: their tasks, and the road
    components and cover groups they are part of, rebuilt and scheduled again."""
    state = dataclasses.replace(old, tasks=dict(old.tasks), problems=dict(old.problems),
                                parts=dict(old.parts), relied=dict(old.relied),
                                road_of=dict(old.road_of), covers=dict(old.covers),
                                cover_root=dict(old.cover_root), steps=dict(old.steps))
    made: list[Task] = []
    roots: set[int] = set()
    labels: set[int] = set()
    for order, row in touched:
        removed = _drop_rows(state, order, [row])
        roots |= {state.cover_root[t.id] for t in removed if t.id in state.cover_root}
        _unkey(state, [t for t in removed if t.id in state.cover_root])
        added = _add_tasks(state, inputs, rules, order, [row])
        made += added
        if order == state.road_layer and _moves_graph(state, inputs, rules, row, removed, added):
            labels |= set(state.row_labels.get(row, ()))
    if labels:
        made = [t for t in made if t.layer_order != state.road_layer or t.kind != "open"] + \
            _rebuild_roads(state, inputs, rules, labels)
    made = [t for t in made if state.tasks.get(t.id) is t]  # an asset edited twice: the last
    fresh = [t.id for t in made if t.model == "cover"]
    for t in fresh:
        roots |= _hit_groups(state, state.tasks[t].outage)
    members = {m for r in roots for m in state.covers[r].group_tasks[r]
               if m in state.tasks and state.tasks[m].model == "cover"}
    for r in roots:
        del state.covers[r]
        state.steps.pop(("cover", r), None)
    _build_covers(state, rules, sorted(members | set(fresh)), keyed=fresh)
    _settle(state, rules, made)
    built = {state.cover_root[t] for t in members | set(fresh) if t in state.cover_root}
    _schedule(state, inputs, rules, made, {c for c in labels if c in state.parts}, built)
    return state


def _moves_graph(state: LiveState, inputs: RankInputs, rules: Rules, row: int, removed: list[Task],
                 added: list[Task]) -> bool:
    """Whether a road row's edit changes its component: its segments' passability, or a pending
    抢通 (the component's own candidates) before or after. A permanent repair's progress on an
    opened road (已抢通 → 修复中 → 已完工 → 已验收) changes none of them: only its own task."""
    if any(t.kind == "open" for t in removed + added):
        return True
    assert state.graph is not None
    status = inputs.layers[state.road_layer][1]["status"].iloc[row]
    edges = state.graph.net.edge_row == row
    return bool((state.passable[edges] != (status not in road_settings(rules).impassable)).any())


def _add_tasks(state: LiveState, inputs: RankInputs, rules: Rules, order: int,
               rows: list[int] | None) -> list[Task]:
    """Tasks and problems of a layer's rows (all when None) into the state; the tasks made."""
    info, frame = inputs.layers[order]
    frame = frame.reset_index(drop=True)
    made, problems, _ = layer_tasks(info, order, frame, state.people, rules, inputs.overrides,
                                    lambda row, k: handle(order, row, k), rows)
    writer = _writer(state, inputs, rules)
    for found in problems:
        state.problems[(order, found.row)] = cannot(found, writer)
    for task in made:
        state.tasks[task.id] = task
    return made


def _drop_rows(state: LiveState, order: int, rows: list[int]) -> list[Task]:
    """Remove the rows' tasks, problems and static steps; the tasks removed."""
    removed = []
    for row in rows:
        state.problems.pop((order, row), None)
        for k in range(2):
            task = state.tasks.pop(handle(order, row, k), None)
            if task is not None:
                removed.append(task)
                state.steps.pop(("static", task.id), None)
    return removed


def _row_labels(graph: RoadGraph) -> dict[int, list[int]]:
    out: dict[int, set[int]] = {}
    for row, c in zip(graph.net.edge_row.tolist(), graph.edge_comp.tolist(), strict=True):
        out.setdefault(int(row), set()).add(int(c))
    return {row: sorted(cs) for row, cs in out.items()}


def _build_roads(state: LiveState, inputs: RankInputs, rules: Rules, labels: list[int]) -> None:
    """Road components of ``labels`` into the state (no road row lies in two: checked at build)."""
    assert state.graph is not None
    opening = {t.row: t.id for t in state.tasks.values()
               if t.layer_order == state.road_layer and t.model == "road"}
    weight = rules.service_weights.get("passage", 1.0)
    for c in labels:
        edges = np.flatnonzero(state.graph.edge_comp == c)
        part, relied = state.graph.component(edges, state.passable, state.people, opening,
                                             rules.detour_half_m, weight)
        state.parts[c], state.relied[c] = part, relied
        state.road_of.update((t, c) for t in part.task_edges)


def _rebuild_roads(state: LiveState, inputs: RankInputs, rules: Rules,
                   labels: set[int]) -> list[Task]:
    """The components ``labels`` again from the rows' statuses now: every 抢通 in them is made
    again (the households it cuts off depend on the others); the tasks made."""
    assert state.graph is not None
    net, road = state.graph.net, state.road_layer
    frame = inputs.layers[road][1]
    inside = np.isin(state.graph.edge_comp, sorted(labels))
    rows = sorted(set(net.edge_row[inside].tolist()))
    impassable = road_settings(rules).impassable
    status = frame["status"].to_numpy()
    state.passable = state.passable.copy()
    state.passable[inside] = [status[r] not in impassable for r in net.edge_row[inside].tolist()]
    info = inputs.layers[road][0]
    made = [t for t in layer_tasks(info, road, frame.reset_index(drop=True), state.people, rules,
                                   inputs.overrides, lambda row, k: handle(road, row, k), rows)[0]
            if t.kind == "open"]  # a 修复's figures do not depend on the statuses: it is kept
    for row in rows:
        if state.tasks.pop(handle(road, row, 0), None) is not None:
            state.steps.pop(("static", handle(road, row, 0)), None)
    state.tasks.update((t.id, t) for t in made)
    for c in labels:
        state.parts.pop(c, None)
        state.relied.pop(c, None)
        state.steps.pop(("road", c), None)
    state.road_of = {t: c for t, c in state.road_of.items() if c not in labels}
    damaged = {t.row for t in state.tasks.values() if t.layer_order == road}
    wanted = [c for c in sorted(labels) if any(c in state.row_labels[r] for r in damaged
                                               if r in state.row_labels)]
    _build_roads(state, inputs, rules, wanted)
    return made


def _keys(task: int, outage: Outage) -> list[CoverKey]:
    """The households or villages a cover task's outage takes the service from (as CoverModel
    keys them; welfare posts are the task's own)."""
    if outage.households is not None:
        return [(outage.service, "h", int(h)) for h in outage.households.tolist()]
    return [(outage.service, "v", v) for v in outage.villages]


def _hit_groups(state: LiveState, outage: Outage | None) -> set[int]:
    """Cover groups already holding some of these households (a new task joins them)."""
    if outage is None:
        return set()
    return {state.cover_root[t] for key in _keys(-1, outage) for t in state.cover_keys.get(key, ())
            if t in state.cover_root and t in state.tasks}


def _unkey(state: LiveState, removed: list[Task]) -> None:
    state.cover_keys = dict(state.cover_keys)
    for task in removed:
        assert task.outage is not None
        for key in _keys(task.id, task.outage):
            state.cover_keys[key] = state.cover_keys[key] - {task.id}
        state.cover_root.pop(task.id, None)


def _build_covers(state: LiveState, rules: Rules, members: list[int],
                  keyed: list[int] | None = None) -> None:
    """One cover model over ``members`` (whole groups), its groups into the state; ``keyed``:
    the members not yet in the key index (all when None)."""
    lost = {t: state.tasks[t].outage for t in members}
    model = CoverModel.build({t: o for t, o in lost.items() if o is not None}, state.people,
                             rules.service_weights, rules.welfare_post_weight)
    for root in model.group_tasks:
        state.covers[root] = model
    state.cover_root.update(model.group_of)
    if keyed is not None:
        state.cover_keys = dict(state.cover_keys)
    index = state.cover_keys
    for t in members if keyed is None else keyed:
        outage = lost[t]
        for key in _keys(t, outage) if outage is not None else ():
            index[key] = index.get(key, frozenset()) | {t}


def _settle(state: LiveState, rules: Rules, made: list[Task]) -> None:
    for task in made:
        held = task.id in state.road_of if task.model == "road" else \
            task.model == "cover" and task.id in state.cover_root and \
            task.id in state.covers[state.cover_root[task.id]].task_units
        settle(task, held, state.people, state, rules)


def _schedule(state: LiveState, inputs: RankInputs, rules: Rules, made: list[Task],
              labels: set[int], roots: set[int]) -> None:
    """Each group's own order: the new static tasks, the road components ``labels``, the cover
    groups ``roots``."""
    writer = _writer(state, inputs, rules)

    def write(pick: Pick) -> list[QueueRow]:
        return [writer.row(state.tasks[t], pick) for t in pick.tasks]

    for task in made:
        if task.model == "static":
            state.steps[("static", task.id)] = [static_step(task, state.tasks, rules, write)]
    for c in labels:
        part = state.parts[c].copy()
        state.steps[("road", c)] = group_steps("road", part.candidates, part.gain, part.complete,
                                               state.tasks, rules, write)
    copies: dict[int, CoverModel] = {}
    for r in sorted(roots):
        model = state.covers[r]
        cover = copies.setdefault(id(model), model.copy())
        state.steps[("cover", r)] = group_steps("cover", functools.partial(cover.candidates, r),
                                                cover.gain, cover.complete, state.tasks, rules,
                                                write)


def _writer(state: LiveState, inputs: RankInputs, rules: Rules) -> Writer:
    return Writer(state.tasks, rules, inputs.labels, state.people.village_names,
                  township_names(inputs))


def result_of(state: LiveState, inputs: RankInputs, rules: Rules) -> RankResult:
    """The county's schedule: every group's order merged, numbered as ``rank`` numbers it."""
    handles = sorted(state.tasks)
    ids = {t: n for n, t in enumerate(handles)}
    statics: list[GroupKey] = []
    waiting: dict[int, list[int]] = {}
    for t in handles:
        task = state.tasks[t]
        if task.after is not None:
            waiting.setdefault(task.after, []).append(t)
        elif task.model == "static":
            statics.append(("static", t))
    first: list[GroupKey] = [*statics, *(("road", c) for c in sorted(state.parts)),
                             *(("cover", r) for r in sorted(state.covers))]
    rows: list[QueueRow] = []
    order: list[int] = []
    for step in merge(state.steps, first, waiting):
        for t, template in zip(step.pick.tasks, step.rows, strict=True):
            row = object.__new__(QueueRow)  # a copy: the kept row stays for the next merge
            row.__dict__.update(template.__dict__)
            row.rank = row.county_rank = len(rows) + 1
            rows.append(row)
            order.append(ids[t])
    return RankResult(rows, [state.problems[k] for k in sorted(state.problems)], None, order)

"""Two orders the schedule is compared against (benchmarks/bench_rank.py and the README):

- ``old_sort_order``: the queue as it was before issue 11 — a single lexicographic sort over each
  task's standalone exposure: 应急 → use → 重点 (any 监测户, a 重灾村, a cut-off village or a
  "lifeline" facility type) → weighted households (temporary water supply halving the weight,
  every household within 300 m of a damaged road counted) → severity → deadline → layer → code →
  抢通 before 修复. A frozen copy of that path, kept here only to measure against; the product no
  longer contains it.
- ``largest_first_order``: the naive order — most households losing a service first, no tiers.

Both return task ids of a ``geo.rank.plan.Plan``, so ``geo.rank.schedule.simulate`` can work them.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import shapely

from geo.crs import project_geoms, project_xy
from geo.rank.exposure import People, codes_list, has_geometry
from geo.rank.passage import Network, components
from geo.rank.plan import (
    LATEST,
    Plan,
    RankInputs,
    iso_date,
    road_settings,
    severity_index,
    task_kinds,
)
from geo.rank.rules import Rules

NEARBY_M = 300.0  # the old rule: every household within 300 m of a damaged road is affected
SUPPLY_FACTOR = 0.5  # the old rule: temporary supply halves the weight
LIFELINE = {"water_works": ("plant", "intake"), "power_lines": True, "schools": True, "clinics": True}
_MAINLAND = -1


def largest_first_order(plan: Plan) -> list[int]:
    """Most households losing their service because of the task first (then code, 抢通 first)."""
    return sorted(range(len(plan.tasks)), key=lambda t: (-plan.tasks[t].lost, plan.tasks[t].code,
                                                         plan.tasks[t].kind != "open"))


def old_sort_order(plan: Plan) -> list[int]:
    """The pre-issue-11 queue over the plan's tasks (task ids, best first)."""
    by_key = plan.task_of()
    found = [by_key[k] for k in old_sort(plan.inputs, plan.rules) if k in by_key]
    seen = set(found)
    return found + [t for t in range(len(plan.tasks)) if t not in seen]


def old_sort(inputs: RankInputs, rules: Rules) -> list[tuple[str, int, str]]:
    """The pre-issue-11 queue from the inputs alone: (layer, asset id, 抢通/修复), best first."""
    people = People.build(inputs.households, inputs.villages, rules)
    keyed: list[tuple[tuple[Any, ...], tuple[str, int, str]]] = []
    for order, (info, frame) in enumerate(inputs.layers):
        frame = frame.reset_index(drop=True)
        kinds = task_kinds(info)
        statuses = set().union(*(rules.tasks[k].statuses for k in kinds))
        geoms = frame["geom"].to_numpy()
        rows = [i for i, s in enumerate(frame["status"].tolist())
                if s in statuses and has_geometry(geoms[i])]
        exposure = _exposures(info.exposure, frame, people, inputs.townships, rows, rules)
        records = dict(zip(rows, frame.iloc[rows].to_dict("records"), strict=True))
        for i, (households, cut, severe) in exposure.items():
            if not len(households) and not cut and info.exposure != "road_graph":
                continue  # no village: could not be ranked
            rec = records[i]
            supply = rec.get("emergency_supply") is True
            weighted = float(people.weights[households].sum()) * (SUPPLY_FACTOR if supply else 1.0)
            monitored = int(people.monitored[households].sum())
            key = bool(cut) or bool(severe) or monitored >= 1 or _lifeline(info.name, rec)
            use = rec.get(info.use_column) if info.use_column else None
            use = use if isinstance(use, str) and use in rules.use_order else info.use
            for task_name, kind in zip(info.tasks, kinds, strict=True):
                status = rec["status"]
                if status not in rules.tasks[kind].statuses:
                    continue
                urgent = status in rules.tasks[kind].emergency and not (
                    supply and rules.emergency_supply_long_term)
                keyed.append(((
                    0 if urgent else 1, rules.use_order.index(use), 0 if key else 1,
                    -round(weighted, 6), severity_index(rules, rec.get("severity")),
                    iso_date(rec.get("deadline")) or LATEST, order, str(rec["code"]),
                    0 if kind == "open" else 1),
                    (info.name, int(rec["id"]), "抢通" if task_name == "open" else "修复")))
    keyed.sort(key=lambda pair: pair[0])
    return [k for _, k in keyed]


def _lifeline(layer: str, rec: dict[Any, Any]) -> bool:
    kinds = LIFELINE.get(layer, False)
    return kinds is True or (isinstance(kinds, tuple) and rec.get("kind") in kinds)


def _exposures(kind: str, frame: pd.DataFrame, people: People, townships: pd.DataFrame,
               rows: list[int], rules: Rules) -> dict[int, tuple[np.ndarray, int, int]]:
    """Per damaged row: (households affected, villages cut off, 重灾村 among its villages)."""
    if kind == "road_graph":
        return _roads(frame, people, townships, rows, rules)
    column = {"served": "villages_served", "feeder": "villages_fed", "beneficiaries": "beneficiaries"}[kind]
    out = {}
    values = frame[column].tolist()
    tree = _Tree(frame) if kind == "feeder" else None
    known = people.village_codes
    for i in rows:
        if kind == "beneficiaries":
            households = np.array([people.by_code[c] for c in codes_list(values[i]) if c in people.by_code],
                                  dtype=np.int64)
            villages = people.villages_of(households)
        else:
            villages = tree.downstream(i) if tree is not None else set(codes_list(values[i]))
            villages &= known
            households = people.in_villages(villages)
        out[i] = (households, 0, len(villages & people.severely_hit))
    return out


class _Tree:
    """The feeder tree of a power-line frame: villages at and below a segment."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.children: dict[str, list[int]] = {}
        for j, parent in enumerate(frame["parent_code"].tolist()):
            if isinstance(parent, str) and parent:
                self.children.setdefault(parent, []).append(j)
        self.codes = frame["code"].astype(str).tolist()
        self.fed = frame["villages_fed"].tolist()

    def downstream(self, i: int) -> set[str]:
        seen, stack, out = {i}, [i], set()
        while stack:
            j = stack.pop()
            out.update(codes_list(self.fed[j]))
            for c in self.children.get(self.codes[j], []):
                if c not in seen:
                    seen.add(c)
                    stack.append(c)
        return out


def _roads(roads: pd.DataFrame, people: People, townships: pd.DataFrame, rows: list[int],
           rules: Rules) -> dict[int, tuple[np.ndarray, int, int]]:
    net = Network.build(roads, road_settings(rules))
    cut = _cut_off_by_row(net, people, townships, rules)
    near = _nearby(roads, people, rows)
    codes = people.villages["code"].astype(str).to_numpy()
    out = {}
    for i in rows:
        villages = set(codes[list(cut.get(i, ()))])
        households = np.union1d(people.in_villages(villages), near.get(i, np.empty(0, np.int64)))
        all_villages = villages | people.villages_of(near.get(i, np.empty(0, np.int64)))
        out[i] = (households.astype(np.int64), len(villages), len(all_villages & people.severely_hit))
    return out


def _cut_off_by_row(net: Network, people: People, townships: pd.DataFrame,
                    rules: Rules) -> dict[int, set[int]]:
    """The old crediting: every damaged segment on some simple path from a cut-off village's
    piece to the mainland (block-cut tree of the piece graph)."""
    flags, node, comp_pass, mainland = _cut_flags(net, people, townships, rules)
    graph = nx.Graph()
    a, b = comp_pass[net.u], comp_pass[net.v]
    for e in np.flatnonzero(~net.passable & (a != b)).tolist():
        x, y = (_MAINLAND if int(p) in mainland else int(p) for p in (a[e], b[e]))
        if x != y:
            graph.add_edge(x, y)
            graph[x][y].setdefault("edges", []).append(e)
    if not flags.any() or _MAINLAND not in graph:
        return {}
    blocks = [list(edges) for edges in nx.biconnected_component_edges(graph)]
    cuts = set(nx.articulation_points(graph))
    tree = nx.Graph()
    block_of: dict[int, int] = {}
    for i, edges in enumerate(blocks):
        tree.add_node(("B", i))
        for x in {x for edge in edges for x in edge}:
            if x in cuts:
                tree.add_edge(("B", i), ("C", x))
            else:
                block_of[x] = i

    def tree_node(x: int) -> tuple[str, int]:
        return ("C", x) if x in cuts else ("B", block_of[x])

    root = tree_node(_MAINLAND)
    parent = dict(nx.bfs_predecessors(tree, root))
    needs: dict[int, set[int]] = {}
    for v in np.flatnonzero(flags).tolist():
        piece = int(comp_pass[node[v]])
        if piece in mainland or piece not in graph:
            continue
        step: tuple[str, int] | None = tree_node(piece)
        while step is not None:
            if step[0] == "B":
                needs.setdefault(step[1], set()).add(v)
            step = parent.get(step) if step != root else None
    out: dict[int, set[int]] = {}
    for i, villages in needs.items():
        for x, y in blocks[i]:
            for e in graph[x][y]["edges"]:
                out.setdefault(int(net.edge_row[e]), set()).update(villages)
    return out


def _cut_flags(net: Network, people: People, townships: pd.DataFrame,
               rules: Rules) -> tuple[np.ndarray, np.ndarray, np.ndarray, set[int]]:
    """Per village: cut off?, its node; per node: passable piece; the pieces holding a seat."""
    settings = road_settings(rules)
    n = len(net.node_xy)
    comp_all = components(n, net.u, net.v)
    comp_pass = components(n, net.u[net.passable], net.v[net.passable])
    vil = people.villages
    node = net.snap(vil["lon"].to_numpy(float), vil["lat"].to_numpy(float), settings.snap_max_m)
    seat_of = dict(zip(townships["code"].astype(str), net.snap(
        townships["seat_lon"].to_numpy(float), townships["seat_lat"].to_numpy(float),
        settings.snap_max_m).tolist(), strict=True))
    county = seat_of.get(settings.county_seat_township, -1)
    seat = np.array([seat_of.get(str(t), -1) for t in vil["township_code"]], dtype=np.int64)

    def linked(comp: np.ndarray) -> np.ndarray:
        mine = np.where(node >= 0, comp[np.maximum(node, 0)], -2)
        to_seat = (seat >= 0) & (mine == np.where(seat >= 0, comp[np.maximum(seat, 0)], -3))
        return to_seat | ((node >= 0) & (mine == (comp[county] if county >= 0 else -3)))

    flags = (node >= 0) & linked(comp_all) & ~linked(comp_pass)
    return flags, node, comp_pass, {int(comp_pass[s]) for s in seat_of.values() if s >= 0}


def _nearby(roads: pd.DataFrame, people: People, rows: list[int]) -> dict[int, np.ndarray]:
    """Households within 300 m of each damaged segment (one STRtree query)."""
    hh = people.frame
    lon, lat = hh["lon"].to_numpy(float), hh["lat"].to_numpy(float)
    good = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if not rows or not len(good):
        return {}
    tree = shapely.STRtree(np.asarray(shapely.points(np.column_stack(project_xy(lon[good], lat[good])))))
    geoms = roads["geom"].to_numpy()[rows]
    ok = [k for k, g in enumerate(geoms) if has_geometry(g)]
    lines = np.asarray(project_geoms(geoms[ok]))
    pairs = tree.query(lines, predicate="dwithin", distance=NEARBY_M)
    out: dict[int, list[int]] = {}
    for line, h in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
        out.setdefault(rows[ok[line]], []).append(int(good[h]))
    return {r: np.unique(np.asarray(v, dtype=np.int64)) for r, v in out.items()}

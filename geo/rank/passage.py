"""Passage: every village's route to its township seat or the county seat over the road graph.

Nodes are segment endpoints rounded to ``snap_decimals``; an edge per line part, ``length`` in
metres (EPSG:4547). A segment is impassable while its 抢通 task exists. A village (its centre
snapped to the nearest node) has passage when the full graph links it to its township seat or the
county seat; its loss is 1 when the passable graph links it to neither (cut off, 孤岛村), else
grows with the extra distance of its detour: extra / (extra + detour_half_m).

The state is kept per connected component of the full graph (one county tile holds one), with
the distances from each seat in it (geo/rank/road_component.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geo.crs import project_geoms, project_xy
from geo.rank.exposure import People, has_geometry, unit_of
from geo.rank.gain import Change, Gain, Unit
from geo.rank.road_component import INF, RoadComponent


@dataclass(frozen=True)
class RoadSettings:
    impassable: frozenset[str]
    detour_half_m: float
    snap_decimals: int
    snap_max_m: float
    county_seat_township: str


def components(n_nodes: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected-component label per node (union-find with path halving)."""
    parent = list(range(n_nodes))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in zip(u.tolist(), v.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.fromiter((find(a) for a in range(n_nodes)), dtype=np.int64, count=n_nodes)


@dataclass
class Network:
    """The road graph: one edge per line part, ``edge_row`` maps it back to the frame row."""

    node_xy: np.ndarray  # metric coordinates of the nodes
    u: np.ndarray
    v: np.ndarray
    edge_row: np.ndarray
    length: np.ndarray  # metres per edge
    passable: np.ndarray  # per edge
    tree: shapely.STRtree

    @classmethod
    def build(cls, roads: pd.DataFrame, settings: RoadSettings) -> Network:
        geoms = roads["geom"].to_numpy()
        ok = np.array([has_geometry(g) and g.geom_type in ("LineString", "MultiLineString")
                       for g in geoms], dtype=bool)
        rows = np.flatnonzero(ok)
        parts, index = shapely.get_parts(geoms[ok], return_index=True)
        edge_row = rows[index]
        ends = np.vstack([shapely.get_coordinates(shapely.get_point(parts, 0)),
                          shapely.get_coordinates(shapely.get_point(parts, -1))])
        keys, inverse = np.unique(np.round(ends, settings.snap_decimals), axis=0,
                                  return_inverse=True)
        inverse = inverse.reshape(-1)
        n = len(parts)
        status = roads["status"].to_numpy()[edge_row]
        passable = np.array([s not in settings.impassable for s in status], dtype=bool)
        length = shapely.length(np.asarray(project_geoms(parts))) if n else np.empty(0)
        node_xy = np.column_stack(project_xy(keys[:, 0], keys[:, 1])) if len(keys) else np.empty((0, 2))
        tree = shapely.STRtree(np.asarray(shapely.points(node_xy))) if len(keys) else shapely.STRtree([])
        return cls(node_xy, inverse[:n], inverse[n:], edge_row, np.asarray(length, dtype=float),
                   passable, tree)

    def snap(self, lon: np.ndarray, lat: np.ndarray, max_m: float) -> np.ndarray:
        """Nearest node of each point within ``max_m`` metres; -1 when none (or no coordinates)."""
        out = np.full(len(lon), -1, dtype=np.int64)
        good = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
        if len(good) == 0 or len(self.node_xy) == 0:
            return out
        points = shapely.points(np.column_stack(project_xy(lon[good], lat[good])))
        found = self.tree.query_nearest(points, max_distance=max_m, all_matches=False)
        out[good[found[0]]] = found[1]
        return out


def cut_off_villages(roads: pd.DataFrame, people: People, townships: pd.DataFrame,
                     settings: RoadSettings) -> set[str]:
    """Codes of every village cut off by impassable roads, by plain connectivity (union-find):
    an independent check of the road model, and what the SQL cross-check recomputes."""
    net = Network.build(roads, settings)
    n_nodes = len(net.node_xy)
    vil = people.villages
    node = net.snap(vil["lon"].to_numpy(float), vil["lat"].to_numpy(float), settings.snap_max_m)
    seat, county = _seat_nodes(net, vil, townships, settings)

    def linked(comp: np.ndarray) -> np.ndarray:
        mine = np.where(node >= 0, comp[np.maximum(node, 0)], -2)
        to_seat = (seat >= 0) & (mine == np.where(seat >= 0, comp[np.maximum(seat, 0)], -3))
        county_comp = comp[county] if county >= 0 else -3
        return to_seat | ((node >= 0) & (mine == county_comp))

    full = components(n_nodes, net.u, net.v)
    now = components(n_nodes, net.u[net.passable], net.v[net.passable])
    flags = (node >= 0) & linked(full) & ~linked(now)
    return set(vil["code"].astype(str).to_numpy()[flags])


def _seat_nodes(net: Network, villages: pd.DataFrame, townships: pd.DataFrame,
                settings: RoadSettings) -> tuple[np.ndarray, int]:
    """Each village's township-seat node (-1: none) and the county seat's node."""
    seat_of = dict(zip(townships["code"].astype(str),
                       net.snap(townships["seat_lon"].to_numpy(float),
                                townships["seat_lat"].to_numpy(float), settings.snap_max_m).tolist(),
                       strict=True))
    seat = np.array([seat_of.get(str(t), -1) for t in villages["township_code"]], dtype=np.int64)
    return seat, int(seat_of.get(settings.county_seat_township, -1))


@dataclass
class RoadGraph:
    """The full road graph with the villages and seats snapped onto it: what the road model's
    components are built from. It does not depend on any status, so the live ranking keeps it and
    rebuilds only the component an edit touches (geo/rank/live.py)."""

    net: Network
    comp: np.ndarray  # component label per node
    edge_comp: np.ndarray  # component label per edge
    vnode: np.ndarray  # village → node (-1: none)
    vil_comp: np.ndarray  # village → component label (-1: none)
    seat: np.ndarray  # village → its township seat's node (-1: none)
    county: int  # the county seat's node
    codes: list[str]  # village codes

    @classmethod
    def build(cls, roads: pd.DataFrame, people: People, townships: pd.DataFrame,
              settings: RoadSettings) -> RoadGraph:
        net = Network.build(roads, settings)
        full = components(len(net.node_xy), net.u, net.v)
        vil = people.villages
        vnode = net.snap(vil["lon"].to_numpy(float), vil["lat"].to_numpy(float), settings.snap_max_m)
        seat, county = _seat_nodes(net, vil, townships, settings)
        edge_comp = full[net.u] if len(net.u) else np.empty(0, dtype=np.int64)
        vil_comp = np.where(vnode >= 0, full[np.maximum(vnode, 0)], -1) if len(full) else \
            np.full(len(vnode), -1, dtype=np.int64)
        return cls(net, full, edge_comp, vnode, vil_comp, seat, county,
                   vil["code"].astype(str).tolist())

    def wanted(self, damaged: set[int]) -> list[int]:
        """Labels of the components holding a damaged row, in label order."""
        return sorted({int(c) for c, row in zip(self.edge_comp.tolist(), self.net.edge_row.tolist(),
                                                strict=True) if row in damaged})

    def labels_of(self, row: int) -> list[int]:
        """Labels of the components a frame row's edges lie in."""
        return sorted({int(c) for c in self.edge_comp[self.net.edge_row == row].tolist()})

    def component(self, edges: np.ndarray, passable: np.ndarray, people: People,
                  open_task: Mapping[int, int], half_m: float,
                  weight: float) -> tuple[RoadComponent, dict[int, list[int]]]:
        """The component made of ``edges`` (one label's) with its villages, and frame row →
        its villages whose best route runs over that row."""
        net = self.net
        nodes = np.unique(np.r_[net.u[edges], net.v[edges]])
        local = {int(n): i for i, n in enumerate(nodes.tolist())}
        members = np.flatnonzero(self.vil_comp == self.comp[nodes[0]])
        trees: dict[tuple[int, ...], int] = {}
        village_tree = []
        for i in members.tolist():
            sources = tuple(sorted({local[s] for s in (int(self.seat[i]), self.county) if s in local}))
            village_tree.append(trees.setdefault(sources, len(trees)) if sources else -1)
        ends = [(local[int(a)], local[int(b)], float(w)) for a, b, w in
                zip(net.u[edges].tolist(), net.v[edges].tolist(), net.length[edges].tolist(),
                    strict=True)]
        rows = net.edge_row[edges].tolist()
        part = RoadComponent(ends, [open_task.get(r, -1) for r in rows], passable[edges].tolist(),
                             list(trees), half_m)
        for i, tree in zip(members.tolist(), village_tree, strict=True):
            node = local[int(self.vnode[i])]
            if tree >= 0 and part.base[tree][node] < INF:
                households = people.by_village.get(self.codes[i], np.empty(0, np.int64))
                part.add_village(node, tree, unit_of(people, "passage", households, [self.codes[i]],
                                                     weight))
        part.find_chains()
        relied: dict[int, list[int]] = {}
        for e, villages in part.relied_on().items():
            relied.setdefault(int(rows[e]), []).extend(villages)
        return part, relied


class RoadModel:
    """Every road component with pending reopenings or damaged segments, and which holds what."""

    def __init__(self, parts: list[RoadComponent], relied: dict[int, list[tuple[int, int]]]) -> None:
        self.parts = parts
        self.relied = relied  # frame row → (component, village) whose best route runs over it
        self.group_of = {t: c for c, part in enumerate(parts) for t in part.task_edges}

    @classmethod
    def build(cls, roads: pd.DataFrame, people: People, townships: pd.DataFrame,
              settings: RoadSettings, open_task: Mapping[int, int], damaged: set[int],
              weight: float) -> RoadModel:
        """``open_task``: frame row → id of its pending 抢通; ``damaged``: rows with any task."""
        graph = RoadGraph.build(roads, people, townships, settings)
        if not len(graph.net.u) or not damaged:
            return cls([], {})
        wanted = graph.wanted(damaged)
        by_comp = _split(graph.edge_comp, wanted)
        parts: list[RoadComponent] = []
        relied: dict[int, list[tuple[int, int]]] = {}
        for c in wanted:
            part, found = graph.component(by_comp[c], graph.net.passable, people, open_task,
                                          settings.detour_half_m, weight)
            for row, villages in found.items():
                relied.setdefault(row, []).extend((len(parts), v) for v in villages)
            parts.append(part)
        return cls(parts, relied)

    def copy(self) -> RoadModel:
        return RoadModel([p.copy() for p in self.parts], self.relied)

    def candidates(self, group: int) -> list[tuple[int, ...]]:
        return self.parts[group].candidates()

    def gain(self, tasks: tuple[int, ...]) -> Gain:
        return self.parts[self.group_of[tasks[0]]].gain(tasks)

    def complete(self, tasks: Iterable[int]) -> list[Change]:
        by_part: dict[int, list[int]] = {}
        for t in tasks:
            by_part.setdefault(self.group_of[t], []).append(t)
        return [c for g, ts in by_part.items() for c in self.parts[g].complete(ts)]

    def current(self) -> list[Change]:
        return [c for part in self.parts for c in part.current()]

    def relying(self, row: int) -> list[tuple[Unit, float]]:
        """Villages whose best route runs over frame row ``row``, with their passage loss now."""
        return [(self.parts[c].units[v], self.parts[c].vloss[v]) for c, v in self.relied.get(row, ())]


def _split(labels: np.ndarray, wanted: list[int]) -> dict[int, np.ndarray]:
    """Positions of each wanted label, in one sort (many components: a large region)."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    out = {}
    for c in wanted:
        lo, hi = np.searchsorted(sorted_labels, c, "left"), np.searchsorted(sorted_labels, c, "right")
        out[c] = order[lo:hi]
    return out

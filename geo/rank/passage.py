"""Road exposure: villages cut off (孤岛村) by impassable segments, and households near damage.

The rule is explained in geo/rank/exposure.py. Everything here is one pass over the whole network —
one union-find for the full graph, one for the passable graph, one for the islands, one spatial
query for nearby households — never a pass per asset.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
import shapely

from geo.crs import project_geoms, project_xy
from geo.rank.exposure import (
    NO_GEOMETRY,
    Exposure,
    People,
    has_geometry,
    unrankable,
)

_MAINLAND = -1  # the node standing for every passable piece that holds a seat


@dataclass(frozen=True)
class RoadSettings:
    impassable: frozenset[str]
    nearby_m: float
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
        node_xy = np.column_stack(project_xy(keys[:, 0], keys[:, 1])) if len(keys) else np.empty((0, 2))
        tree = shapely.STRtree(np.asarray(shapely.points(node_xy))) if len(keys) else shapely.STRtree([])
        return cls(node_xy, inverse[:n], inverse[n:], edge_row, passable, tree)

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


def road_exposures(roads: pd.DataFrame, people: People, townships: pd.DataFrame,
                   rows: list[int], settings: RoadSettings) -> dict[int, Exposure]:
    """Exposure of the damaged road rows ``rows`` (positions in ``roads``)."""
    out: dict[int, Exposure] = {i: unrankable(NO_GEOMETRY) for i in rows
                                if not has_geometry(roads["geom"].to_numpy()[i])}
    todo = [i for i in rows if i not in out]
    if not todo:
        return out
    net = Network.build(roads, settings)
    cut = _cut_off_by_row(net, people, townships, settings)
    near = _nearby(roads, people, todo, settings.nearby_m)
    village_col = people.villages["code"].astype(str).to_numpy()
    for i in todo:
        cut_villages = tuple(sorted(village_col[list(cut.get(i, ()))]))
        positions = np.union1d(people.in_villages(cut_villages), near.get(i, np.empty(0, np.int64)))
        villages = set(cut_villages) | people.villages_of(near.get(i, np.empty(0, np.int64)))
        out[i] = Exposure(positions.astype(np.int64), tuple(sorted(villages)), cut_off=cut_villages,
                          nearby=len(near.get(i, ())))
    return out


def cut_off_villages(roads: pd.DataFrame, people: People, townships: pd.DataFrame,
                     settings: RoadSettings) -> set[str]:
    """Codes of every village cut off by impassable roads (for checks and the map)."""
    net = Network.build(roads, settings)
    flags = _cut_flags(net, people, townships, settings)[0]
    return set(people.villages["code"].astype(str).to_numpy()[flags])


def _cut_flags(net: Network, people: People, townships: pd.DataFrame,
               settings: RoadSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per village: cut off?, its node; per node: passable component; plus the seat nodes."""
    n_nodes = len(net.node_xy)
    comp_all = components(n_nodes, net.u, net.v)
    comp_pass = components(n_nodes, net.u[net.passable], net.v[net.passable])
    vil = people.villages
    node = net.snap(vil["lon"].to_numpy(float), vil["lat"].to_numpy(float), settings.snap_max_m)
    seat_of = dict(zip(townships["code"].astype(str),
                       net.snap(townships["seat_lon"].to_numpy(float),
                                townships["seat_lat"].to_numpy(float), settings.snap_max_m),
                       strict=True))
    county = seat_of.get(settings.county_seat_township, -1)
    seat = np.array([seat_of.get(str(t), -1) for t in vil["township_code"]], dtype=np.int64)

    def linked(comp: np.ndarray) -> np.ndarray:
        mine = np.where(node >= 0, comp[np.maximum(node, 0)], -2)
        to_seat = (seat >= 0) & (mine == np.where(seat >= 0, comp[np.maximum(seat, 0)], -3))
        county_comp = comp[county] if county >= 0 else -3
        return to_seat | ((node >= 0) & (mine == county_comp))

    flags = (node >= 0) & linked(comp_all) & ~linked(comp_pass)
    seats = np.array([s for s in seat_of.values() if s >= 0], dtype=np.int64)
    return flags, node, comp_pass, seats


def _cut_off_by_row(net: Network, people: People, townships: pd.DataFrame,
                    settings: RoadSettings) -> dict[int, set[int]]:
    """Frame row of a damaged segment → positions (in people.villages) of villages it cuts off.

    A damaged segment is credited with a cut-off village when it lies on some simple path from the
    village's piece to the mainland in the graph of pieces (passable components, the mainland
    merged into one node) joined by damaged segments. Those are exactly the segments of the
    biconnected blocks met on the way from the village to the mainland in the block-cut tree:
    a damaged dead-end spur beyond the village, or a loop inside one piece, is not credited.
    """
    flags, node, comp_pass, seats = _cut_flags(net, people, townships, settings)
    if not flags.any():
        return {}
    mainland = set(comp_pass[seats].tolist())
    a, b = comp_pass[net.u], comp_pass[net.v]
    graph = nx.Graph()
    for e in np.flatnonzero(~net.passable & (a != b)).tolist():
        x, y = (_MAINLAND if int(p) in mainland else int(p) for p in (a[e], b[e]))
        if x == y:
            continue  # a damaged segment between two pieces of the mainland
        if graph.has_edge(x, y):
            graph[x][y]["edges"].append(e)
        else:
            graph.add_edge(x, y, edges=[e])
    if _MAINLAND not in graph:
        return {}
    blocks = [list(edges) for edges in nx.biconnected_component_edges(graph)]
    cuts = set(nx.articulation_points(graph))
    tree = nx.Graph()
    block_of: dict[int, int] = {}
    for i, edges in enumerate(blocks):
        tree.add_node(("B", i))
        for n in {n for edge in edges for n in edge}:
            if n in cuts:
                tree.add_edge(("B", i), ("C", n))
            else:
                block_of[n] = i

    def tree_node(n: int) -> tuple[str, int]:
        return ("C", n) if n in cuts else ("B", block_of[n])

    root = tree_node(_MAINLAND)
    parent = dict(nx.bfs_predecessors(tree, root))
    needs: dict[int, set[int]] = {}  # block → villages that need it
    for v in np.flatnonzero(flags).tolist():
        piece = int(comp_pass[node[v]])
        if piece in mainland or piece not in graph:
            continue  # cut off yet beside another township's seat: not attributed
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


def _nearby(roads: pd.DataFrame, people: People, rows: list[int],
            distance_m: float) -> dict[int, np.ndarray]:
    """Households within ``distance_m`` metres of each damaged segment (one STRtree query)."""
    hh = people.frame
    if len(hh) == 0 or distance_m <= 0 or "lon" not in hh.columns:
        return {}
    lon, lat = hh["lon"].to_numpy(float), hh["lat"].to_numpy(float)
    good = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    tree = shapely.STRtree(np.asarray(shapely.points(np.column_stack(project_xy(lon[good], lat[good])))))
    lines = np.asarray(project_geoms(roads["geom"].to_numpy()[rows]))
    pairs = tree.query(lines, predicate="dwithin", distance=distance_m)
    out: dict[int, np.ndarray] = {}
    if pairs.shape[1] == 0:
        return out
    order = np.argsort(pairs[0], kind="stable")
    line_idx, hh_idx = pairs[0][order], good[pairs[1][order]]
    starts = np.flatnonzero(np.r_[True, line_idx[1:] != line_idx[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], len(line_idx)], strict=True):
        out[rows[int(line_idx[s])]] = np.unique(hh_idx[s:e])
    return out

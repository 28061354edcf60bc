"""The road graph: which village centres are linked, by which class of road (metres).

Nodes are the village centres (a township seat is the centre of its seat village) plus the four
ends of the G240 / S330 corridors on the county boundary. Candidate links are Delaunay edges that
stay inside the county. X county roads are the shortest paths from each township seat to the county
seat; a minimum spanning tree (cheaper inside a township) gives the Y/C roads that reach every
village; a few short extra links make loops, as real village roads do.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely
from shapely.ops import nearest_points

from geo.demo.boundaries import Frame

CROSS_TOWNSHIP_COST = 2.5
EXTRA_LINK_SHARE = 0.12
CORRIDORS = {"G240": (0.0, 1.0), "S330": (1.0, 0.0)}  # direction of travel (east, north)


@dataclass
class Link:
    a: int
    b: int
    road_class: str  # national / provincial / county / township / village
    route: str  # G240, S330, X001 …, Y001 …, C001 …


@dataclass
class RoadNet:
    nodes: np.ndarray  # (n, 2) metres
    links: list[Link]  # ordered along their routes
    graph: nx.Graph  # node indices, weight = length in metres


def build_roadnet(frame: Frame, rng: np.random.Generator) -> RoadNet:
    nodes = frame.vil_xy.copy()
    twp = frame.vil_twp.copy()
    seat_nodes = _seat_nodes(frame)
    county_seat = seat_nodes[0]
    cand = _candidates(nodes, frame.county)
    full = nx.Graph()
    for a, b in cand:
        full.add_edge(a, b, weight=_dist(nodes, a, b))
    routes: dict[tuple[int, int], tuple[str, str]] = {}
    nodes, twp = _corridors(frame, nodes, twp, full, county_seat, routes)
    _county_roads(full, seat_nodes, routes)
    _local_roads(full, nodes, twp, seat_nodes, rng, routes)
    links = [Link(a, b, cls, route) for (a, b), (cls, route) in routes.items()]
    links.sort(key=lambda lk: lk.route)  # stable: links keep their order along the route
    graph = nx.Graph()
    for lk in links:
        graph.add_edge(lk.a, lk.b, weight=_dist(nodes, lk.a, lk.b))
    return RoadNet(nodes=nodes, links=links, graph=graph)


def _seat_nodes(frame: Frame) -> list[int]:
    """The first village of each township is its seat village (frame builds them so)."""
    firsts = np.flatnonzero(np.r_[True, frame.vil_twp[1:] != frame.vil_twp[:-1]])
    return [int(i) for i in firsts]


def _dist(nodes: np.ndarray, a: int, b: int) -> float:
    return float(np.hypot(*(nodes[a] - nodes[b])))


def _candidates(nodes: np.ndarray, county: shapely.Polygon) -> list[tuple[int, int]]:
    """Delaunay edges between nodes whose straight line stays inside the county."""
    edges = shapely.get_parts(shapely.delaunay_triangles(shapely.multipoints(nodes), only_edges=True))
    coords = shapely.get_coordinates(edges).reshape(-1, 2, 2)
    index = {(round(x, 3), round(y, 3)): i for i, (x, y) in enumerate(nodes.tolist())}
    inner = county
    shapely.prepare(inner)
    keep = shapely.contains(inner, edges)
    out = []
    for (p, q), ok in zip(coords.tolist(), keep.tolist(), strict=True):
        a = index[(round(p[0], 3), round(p[1], 3))]
        b = index[(round(q[0], 3), round(q[1], 3))]
        if ok:
            out.append((min(a, b), max(a, b)))
    linked = {v for e in out for v in e}
    for v in range(len(nodes)):  # a village in a narrow lobe: link it to its nearest reachable one
        if v in linked:
            continue
        for w in np.argsort(np.hypot(*(nodes - nodes[v]).T), kind="stable")[1:40].tolist():
            if inner.contains(shapely.LineString([nodes[v], nodes[w]])):
                out.append((min(v, w), max(v, w)))
                break
    return sorted(set(out))


def _add(routes: dict[tuple[int, int], tuple[str, str]], a: int, b: int, cls: str, route: str) -> None:
    """Record a link once; the first (higher) class to claim it keeps it."""
    if (a, b) not in routes and (b, a) not in routes:
        routes[(a, b)] = (cls, route)


def _corridors(
    frame: Frame, nodes: np.ndarray, twp: np.ndarray, full: nx.Graph, seat: int,
    routes: dict[tuple[int, int], tuple[str, str]],
) -> tuple[np.ndarray, np.ndarray]:
    """G240 (north–south) and S330 (east–west) through the county seat, boundary to boundary."""
    nodes_list = nodes.tolist()
    twp_list = twp.tolist()
    for code, (dx, dy) in CORRIDORS.items():
        cls = "national" if code[0] == "G" else "provincial"
        halves = []
        for sign in (-1.0, 1.0):
            halves.append(_walk(full, np.array(nodes_list), seat, np.array([dx, dy]) * sign))
        chain = halves[0][::-1] + halves[1][1:]
        # the corridor leaves the county beyond the last village on each side
        ends = []
        for tip in (chain[0], chain[-1]):
            edge_pt = nearest_points(frame.county.exterior, shapely.Point(nodes_list[tip]))[0]
            inward = np.array(nodes_list[tip]) - np.array([edge_pt.x, edge_pt.y])
            inward = inward / max(np.hypot(*inward), 1e-9) * 5.0
            nodes_list.append([edge_pt.x + inward[0], edge_pt.y + inward[1]])
            twp_list.append(twp_list[tip])
            ends.append(len(nodes_list) - 1)
        chain = [ends[0], *chain, ends[1]]
        for a, b in itertools.pairwise(chain):
            _add(routes, a, b, cls, code)
    return np.array(nodes_list), np.array(twp_list)


def _walk(full: nx.Graph, nodes: np.ndarray, start: int, direction: np.ndarray) -> list[int]:
    """Greedy walk along Delaunay links that keep heading in ``direction``."""
    path = [start]
    origin = nodes[start]
    while True:
        here = path[-1]
        best, best_score = -1, 0.3
        for nb in sorted(full.neighbors(here)):
            if nb in path:
                continue
            step = nodes[nb] - nodes[here]
            length = float(np.hypot(*step))
            ahead = float(step @ direction) / length
            lateral = abs(float((nodes[nb] - origin) @ np.array([-direction[1], direction[0]])))
            score = ahead - lateral / 8000.0
            if score > best_score:
                best, best_score = nb, score
        if best < 0:
            return path
        path.append(best)


def _county_roads(
    full: nx.Graph, seats: list[int], routes: dict[tuple[int, int], tuple[str, str]]
) -> None:
    """X roads: shortest paths from each township seat to the county seat."""
    for k, seat in enumerate(seats[1:], start=1):
        path = nx.shortest_path(full, seat, seats[0], weight="weight")
        for a, b in itertools.pairwise(path):
            _add(routes, a, b, "county", f"X{k:03d}")


def _local_roads(
    full: nx.Graph, nodes: np.ndarray, twp: np.ndarray, seats: list[int],
    rng: np.random.Generator, routes: dict[tuple[int, int], tuple[str, str]],
) -> None:
    """Y/C roads: a spanning tree that prefers links inside a township, plus short loops."""
    cost = nx.Graph()
    for a, b, data in full.edges(data=True):
        same = twp[a] == twp[b]
        cost.add_edge(a, b, weight=data["weight"] * (1.0 if same else CROSS_TOWNSHIP_COST))
    tree = sorted((min(a, b), max(a, b)) for a, b in nx.minimum_spanning_edges(cost, data=False))
    seat_set = dict.fromkeys(seats)
    counters = {"Y": 0, "C": 0}
    for a, b in tree:
        trunk = a in seat_set or b in seat_set or twp[a] != twp[b] or rng.random() < 0.25
        _add_local(routes, a, b, "Y" if trunk else "C", counters)
    rest = sorted((min(a, b), max(a, b)) for a, b in full.edges())
    for a, b in rest:
        if full[a][b]["weight"] < 2500 and rng.random() < EXTRA_LINK_SHARE:
            _add_local(routes, a, b, "C", counters)


def _add_local(
    routes: dict[tuple[int, int], tuple[str, str]], a: int, b: int, letter: str,
    counters: dict[str, int],
) -> None:
    if (a, b) in routes or (b, a) in routes:
        return
    counters[letter] += 1
    cls = "township" if letter == "Y" else "village"
    routes[(a, b)] = (cls, f"{letter}{counters[letter]:03d}")

"""Water works (plants, intakes, networks, pumps, dykes) and the 10 kV feeder trees (metres)."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import shapely
from shapely.ops import substring

from geo.demo.assets import Assets, nearest_villages, offset_inside, township_villages
from geo.demo.boundaries import Frame
from geo.demo.hazard import Hazard
from geo.demo.roadnet import RoadNet

SUBSTATIONS = 5
BRANCHES = 4
DYKE_PIECE_M = 3000.0
POWER_SHIFT_M = 12.0  # feeders run beside the roads, not on them


def build_water(frame: Frame, net: RoadNet, hazard: Hazard, rng: np.random.Generator) -> Assets:
    out = Assets()
    for i, twp in enumerate(frame.townships):
        vils = township_villages(frame, i)
        seat = vils[0]
        plant = offset_inside(frame, seat, rng, 300.0, 700.0)
        out.add(plant, i, vils, 60.0, name=f"{twp.name}集中供水厂", kind="plant", use="living")
        _intake(out, frame, hazard, i, vils, plant, rng)
        _networks(out, frame, net, i, vils, rng)
        for k in range(int(rng.integers(2, 5))):
            v = vils[int(rng.integers(0, len(vils)))]
            p = offset_inside(frame, v, rng, 200.0, 600.0)
            served = nearest_villages(frame, np.array([p.x, p.y]), 3)
            out.add(p, i, served, 25.0, 0.1, name=f"{frame.vil_name[v]}{k + 1}号灌溉泵站",
                    kind="pump", use="production")
    _dykes(out, frame, hazard)
    return out


def _intake(
    out: Assets, frame: Frame, hazard: Hazard, i: int, vils: list[int], plant: shapely.Point,
    rng: np.random.Generator,
) -> None:
    name = frame.townships[i].name
    river, course = min(hazard.rivers.items(), key=lambda kv: kv[1].distance(plant))
    bank = course.interpolate(course.project(plant))
    if course.distance(plant) < 5000 and frame.twp_geom[i].contains(bank):
        out.add(bank, i, vils, 40.0, 0.2, name=f"{name}{river}取水口", kind="intake", use="living")
    for k in range(int(rng.integers(1, 3))):
        well = offset_inside(frame, vils[0], rng, 500.0, 1200.0)
        out.add(well, i, vils, 15.0, name=f"{name}{k + 1}号水源井", kind="intake", use="living")


def _networks(
    out: Assets, frame: Frame, net: RoadNet, i: int, vils: list[int], rng: np.random.Generator
) -> None:
    """Pipes follow the roads from the seat to each branch of villages (grouped by bearing)."""
    seat = vils[0]
    dist, paths = nx.single_source_dijkstra(net.graph, seat, weight="weight")
    rest = [v for v in vils[1:] if v in paths]
    bearing = np.array([np.arctan2(*(frame.vil_xy[v] - frame.vil_xy[seat])[::-1]) for v in rest])
    turn = rng.uniform(-np.pi, np.pi)
    branch = ((bearing - turn) % (2 * np.pi) // (2 * np.pi / BRANCHES)).astype(int)
    for b in range(BRANCHES):
        members = [v for v, k in zip(rest, branch.tolist(), strict=True) if k == b]
        if not members:
            continue
        far = max(members, key=lambda v: dist[v])
        path = paths[far]
        served = sorted(dict.fromkeys([seat, *members, *(p for p in path if p in set(vils))]))
        line = shapely.LineString(net.nodes[path])
        out.add(line, i, served, 8.0 * line.length / 1000, name=f"{frame.townships[i].name}{b + 1}号供水管网",
                kind="network", use="living")


def _dykes(out: Assets, frame: Frame, hazard: Hazard) -> None:
    """Dykes on both banks of 澧河 (and 沙河), cut into pieces of about 3 km."""
    for river in ("澧河", "沙河"):
        course = hazard.rivers[river]
        for side, label in ((250.0, "左堤"), (-250.0, "右堤")):
            bank = shapely.intersection(shapely.offset_curve(course, side), frame.county.buffer(-30))
            for part in shapely.get_parts(bank):
                if not isinstance(part, shapely.LineString) or part.length < 500:
                    continue
                n = max(1, round(part.length / DYKE_PIECE_M))
                for k in range(n):
                    piece = substring(part, part.length * k / n, part.length * (k + 1) / n)
                    mid = piece.interpolate(0.5, normalized=True)
                    twp = int(np.argmax(shapely.contains(frame.twp_geom, mid))) if any(
                        shapely.contains(frame.twp_geom, mid)) else 0
                    served = nearest_villages(frame, np.array([mid.x, mid.y]), 4)
                    km = round(course.project(mid) / 1000)
                    out.add(piece, twp, served, 30.0 * piece.length / 1000, 0.15,
                            name=f"{river}{label}K{km}段", kind="dyke", use="flood")


def build_power(frame: Frame, net: RoadNet, rng: np.random.Generator) -> Assets:
    """Feeder trees: each village hangs on the road-shortest path from its nearest substation."""
    seats = [township_villages(frame, i)[0] for i in range(len(frame.townships))]
    subs = _spread(frame, seats, SUBSTATIONS)
    n_vil = len(frame.vil_name)
    _, paths = nx.multi_source_dijkstra(net.graph, subs, weight="weight")
    parent: dict[int, int] = {}
    for v in range(n_vil):
        path = paths[v]
        for a, b in itertools.pairwise(path):
            parent.setdefault(b, a)
    children: dict[int, list[int]] = {}
    for v in sorted(parent):
        children.setdefault(parent[v], []).append(v)
    out = Assets()
    for s in subs:
        sub_name = f"{frame.townships[int(frame.vil_twp[s])].name.rstrip('镇乡')}变"
        for k, child in enumerate(children.get(s, []), start=1):
            feeder = f"{sub_name}{100 + k}线"
            start = len(out)
            _feeder(out, frame, net, children, s, child, -1, feeder, sub_name, rng)
            if k == 1:  # the substation's own village hangs on its first feeder
                out.served[start] = sorted([s, *out.served[start]])
    return out


def _feeder(
    out: Assets, frame: Frame, net: RoadNet, children: dict[int, list[int]], a: int, b: int,
    parent_index: int, feeder: str, sub: str, rng: np.random.Generator,
) -> None:
    """Add the segment a→b and everything below it, parents before children (depth first)."""
    stack = [(a, b, parent_index)]
    n_vil = len(frame.vil_name)
    while stack:
        a, b, up = stack.pop()
        below = _subtree(children, b)
        fed = sorted(v for v in below if v < n_vil)
        line = shapely.LineString(net.nodes[[a, b]] + POWER_SHIFT_M)
        twp = int(frame.vil_twp[b]) if b < n_vil else int(frame.vil_twp[a])
        label = f"{frame.vil_name[a].removesuffix('村')}—{frame.vil_name[b].removesuffix('村')}"
        out.add(line, twp, fed, 6.0 * line.length / 1000, name=f"{feeder} {label}段",
                feeder=feeder, substation=sub, parent=up, node=b, areas=int(rng.integers(1, 4)))
        me = len(out) - 1
        for c in reversed(children.get(b, [])):
            stack.append((b, c, me))


def _subtree(children: dict[int, list[int]], root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        v = todo.pop()
        out.append(v)
        todo.extend(children.get(v, []))
    return out


def _spread(frame: Frame, seats: list[int], k: int) -> list[int]:
    """k seats far apart (farthest-point order from the county seat)."""
    chosen = [seats[0]]
    while len(chosen) < k:
        d = np.min([np.hypot(*(frame.vil_xy[seats] - frame.vil_xy[c]).T) for c in chosen], axis=0)
        chosen.append(seats[int(np.argmax(d))])
    return chosen

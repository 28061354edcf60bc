"""Road segments (metres): each link of the road graph cut at bridges, fords and culverts and into
pieces of at most 1.5 km. Consecutive segments share their end points exactly."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from geo.demo.boundaries import Frame
from geo.demo.hazard import Hazard
from geo.demo.roadnet import RoadNet

MAX_SEGMENT_M = 1500.0
MAJOR = ("national", "provincial", "county")


@dataclass
class Segments:
    geom: np.ndarray
    route: list[str]
    road_class: list[str]
    structure: list[str]
    chainage: list[str]
    length_m: np.ndarray
    name: list[str]
    depth: np.ndarray  # deepest flood level the segment touches (0–4)
    near_river: np.ndarray  # bool: a bridge or ford, or right next to one


def build_segments(frame: Frame, net: RoadNet, hazard: Hazard, rng: np.random.Generator) -> Segments:
    names = frame.vil_name + [""] * (len(net.nodes) - len(frame.vil_name))
    rivers = list(hazard.rivers.items())
    out: dict[str, list] = {k: [] for k in ("geom", "route", "cls", "struct", "chain", "name")}
    chain_at: dict[str, float] = {}
    for lk in net.links:
        line = _polyline(net.nodes[lk.a], net.nodes[lk.b], frame.county, rng)
        cuts = _structures(line, lk.road_class, rivers, hazard, rng)
        start = chain_at.get(lk.route, 0.0)
        label = _link_label(names[lk.a], names[lk.b])
        for d0, d1, kind, river in _pieces(line.length, cuts):
            out["geom"].append(_piece(line, d0, d1))
            out["route"].append(lk.route)
            out["cls"].append(lk.road_class)
            out["struct"].append(kind)
            out["chain"].append(_chainage(start + d0))
            out["name"].append(_name(lk.route, kind, river, label, names[lk.a] or names[lk.b]))
        chain_at[lk.route] = start + line.length
    geom = np.array(out["geom"], dtype=object)
    struct = out["struct"]
    return Segments(
        geom=geom, route=out["route"], road_class=out["cls"], structure=struct,
        chainage=out["chain"], length_m=np.round(shapely.length(geom), 1), name=out["name"],
        depth=hazard.depth_on_lines(geom),
        near_river=np.array([s != "road" for s in struct], dtype=bool),
    )


def _polyline(a: np.ndarray, b: np.ndarray, county: shapely.Polygon, rng: np.random.Generator) -> shapely.LineString:
    """A gentle bend in the middle, unless the bend would leave the county."""
    d = b - a
    normal = np.array([-d[1], d[0]])
    bend = float(np.clip(rng.normal(0.0, 0.05), -0.1, 0.1))
    mid = (a + b) / 2 + normal * bend
    line = shapely.LineString([a, mid, b])
    return line if county.contains(line) else shapely.LineString([a, b])


def _structures(
    line: shapely.LineString, cls: str, rivers: list[tuple[str, shapely.LineString]],
    hazard: Hazard, rng: np.random.Generator,
) -> list[tuple[float, float, str, str]]:
    """Intervals along the line taken by a bridge, a ford (漫水路) or a culvert (涵洞)."""
    cuts: list[tuple[float, float, str, str]] = []
    for river, course in rivers:
        hit = shapely.intersection(line, course)
        for p in shapely.get_parts(hit):
            if not isinstance(p, shapely.Point):
                continue
            d = float(line.project(p))
            small = river == "泥河"
            span = (40.0 if small else 90.0) * (1.6 if cls in MAJOR else 1.0)
            ford = cls == "village" and rng.random() < (0.6 if small else 0.35)
            kind = "ford" if ford else ("culvert" if small and rng.random() < 0.4 else "bridge")
            cuts.append((d - span / 2, d + span / 2, kind, river))
    if not cuts and cls in ("township", "village"):
        mid = line.interpolate(0.5, normalized=True)
        deep = hazard.depth(np.array([mid.x]), np.array([mid.y]))[0] >= 2
        if deep and rng.random() < 0.3:
            d = line.length / 2
            cuts.append((d - 15.0, d + 15.0, "culvert", ""))
    cuts.sort()
    ok: list[tuple[float, float, str, str]] = []
    for c in cuts:  # keep structures clear of the ends and of each other
        if c[0] > 20.0 and c[1] < line.length - 20.0 and (not ok or c[0] > ok[-1][1] + 20.0):
            ok.append(c)
    return ok


def _pieces(length: float, cuts: list[tuple[float, float, str, str]]) -> list[tuple[float, float, str, str]]:
    """Split [0, length] into structure intervals and road pieces no longer than MAX_SEGMENT_M."""
    out: list[tuple[float, float, str, str]] = []
    pos = 0.0
    for d0, d1, kind, river in [*cuts, (length, length, "", "")]:
        gap = d0 - pos
        n = max(1, math.ceil(gap / MAX_SEGMENT_M)) if gap > 0 else 0
        for k in range(n):
            out.append((pos + gap * k / n, pos + gap * (k + 1) / n if k < n - 1 else d0, "road", ""))
        if kind:
            out.append((d0, d1, kind, river))
        pos = d1
    return out


def _piece(line: shapely.LineString, d0: float, d1: float) -> shapely.LineString:
    """The part of ``line`` between two distances; ends at 0 and at the full length are the
    line's own end points, so segments meet their neighbours exactly."""
    coords = np.asarray(line.coords)
    cum = np.r_[0.0, np.cumsum(np.hypot(*np.diff(coords, axis=0).T))]
    total = cum[-1]

    def at(d: float) -> np.ndarray:
        if d <= 0.0:
            return coords[0]
        if d >= total - 1e-9:
            return coords[-1]
        i = int(np.searchsorted(cum, d, side="right")) - 1
        t = (d - cum[i]) / (cum[i + 1] - cum[i])
        return coords[i] + t * (coords[i + 1] - coords[i])

    inner = coords[(cum > d0) & (cum < d1)]
    return shapely.LineString(np.vstack([at(d0), inner, at(d1 if d1 < total - 1e-6 else total)]))


def _chainage(metres: float) -> str:
    m = round(metres)
    return f"K{m // 1000}+{m % 1000:03d}"


def _link_label(a: str, b: str) -> str:
    a, b = a.removesuffix("村"), b.removesuffix("村")
    return f"{a}—{b}" if a and b else (a or b)


def _name(route: str, kind: str, river: str, label: str, village: str) -> str:
    place = village.removesuffix("村")
    if kind == "bridge":
        return f"{route}{river or place}{'大桥' if route[0] in 'GSX' else '桥'}"
    if kind == "ford":
        return f"{place}{river}漫水路"
    if kind == "culvert":
        return f"{route}{place}涵洞"
    return f"{route} {label}段"

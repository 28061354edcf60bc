"""Rivers, the 泥河洼 detention lowland and the July 2021 flood extent by depth class (metres).

The river courses are schematic but follow the record: 沙河 across the north (north of 北舞渡 and
章化, south of 太尉 and 侯集), 澧河 across the middle (about 4.5 km north of the county seat, north
of 九街), the 泥河 and its 泥河洼 lowland between them. The land falls to the east (九街, 60 m), so
the flood widens eastwards.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
import shapely.affinity

from geo.crs import project_geoms
from geo.demo.common import as_multi, points_inside

RIVERS_LONLAT: dict[str, list[tuple[float, float]]] = {
    "沙河": [(113.40, 33.715), (113.50, 33.702), (113.58, 33.692), (113.64, 33.680),
             (113.69, 33.650), (113.73, 33.630), (113.77, 33.617), (113.82, 33.612),
             (113.92, 33.604)],
    "澧河": [(113.40, 33.460), (113.47, 33.469), (113.54, 33.476), (113.60, 33.480),
             (113.65, 33.492), (113.70, 33.516), (113.74, 33.544), (113.77, 33.565),
             (113.82, 33.579), (113.92, 33.590)],
    "泥河": [(113.64, 33.604), (113.69, 33.597), (113.74, 33.590), (113.79, 33.588),
             (113.84, 33.589), (113.92, 33.592)],
}
LOWLAND_CENTRE = (113.745, 33.590)  # 泥河洼
LOWLAND_AXES_M = (7500.0, 2600.0)
DEPTH_CODES = ("gt2", "d1_2", "d05_1", "lt05")  # deepest first
# Buffer widths (m) of the four depth levels around each river, before the eastward widening.
RIVER_WIDTHS = {"沙河": (150, 420, 800, 1300), "澧河": (180, 500, 950, 1600),
                "泥河": (70, 220, 500, 900)}
LOWLAND_SCALE = (0.5, 0.75, 0.95, 1.2)
OBSERVED_ON = dt.date(2021, 7, 23)  # the flood peak
FLOOD_SOURCE = "演示数据：依河道与泥河洼模拟的7·20洪水淹没范围"


@dataclass
class Hazard:
    rivers: dict[str, shapely.LineString]
    levels: list[Any]  # nested: levels[0] (>2 m) ⊂ … ⊂ levels[3] (any water)
    bands: list[Any]  # disjoint depth bands, deepest first, clipped to the county

    def depth(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Depth level per point: 0 dry, 1 <0.5 m, 2 0.5–1 m, 3 1–2 m, 4 >2 m."""
        out = np.zeros(len(x), dtype=np.int8)
        for level in self.levels:
            out += points_inside(level, x, y)
        return out

    def depth_on_lines(self, lines: np.ndarray) -> np.ndarray:
        """Deepest level a line touches."""
        out = np.zeros(len(lines), dtype=np.int8)
        for k, level in enumerate(reversed(self.levels), start=1):
            shapely.prepare(level)
            out = np.where(shapely.intersects(level, lines), k, out)
        return out


def build_hazard(county: shapely.Polygon, rng: np.random.Generator) -> Hazard:
    rivers = {
        name: _smooth(project_geoms(shapely.LineString(pts)))
        for name, pts in RIVERS_LONLAT.items()
    }
    minx, _, maxx, _ = county.bounds
    lowland = _lowland()
    levels: list[shapely.Geometry] = []
    for k in range(4):
        parts = [shapely.affinity.scale(lowland, LOWLAND_SCALE[k], LOWLAND_SCALE[k])]
        for name, line in rivers.items():
            parts.append(_noisy_buffer(line, RIVER_WIDTHS[name][k], minx, maxx, rng))
        level = shapely.union_all(parts)
        if levels:
            level = shapely.union(level, levels[-1])
        levels.append(level)
    clipped = [shapely.intersection(level, county) for level in levels]
    bands = [clipped[0]] + [shapely.difference(clipped[k], clipped[k - 1]) for k in (1, 2, 3)]
    return Hazard(rivers=rivers, levels=clipped, bands=bands)


def flood_rows(hazard: Hazard) -> tuple[list[str], np.ndarray]:
    """One row per polygon of each depth band (depth code, MultiPolygon)."""
    codes: list[str] = []
    geoms: list[shapely.Geometry] = []
    for code, band in zip(DEPTH_CODES, hazard.bands, strict=True):
        for part in shapely.get_parts(band):
            if isinstance(part, shapely.Polygon) and part.area > 100.0:
                codes.append(code)
                geoms.append(part)
    return codes, as_multi(np.array(geoms, dtype=object))


def _smooth(line: shapely.Geometry, rounds: int = 3) -> shapely.LineString:
    """Chaikin corner cutting: a river bends, it does not kink."""
    pts = shapely.get_coordinates(line)
    for _ in range(rounds):
        q = 0.75 * pts[:-1] + 0.25 * pts[1:]
        r = 0.25 * pts[:-1] + 0.75 * pts[1:]
        pts = np.vstack([pts[:1], np.column_stack([q, r]).reshape(-1, 2), pts[-1:]])
    return shapely.LineString(pts)


def _lowland() -> shapely.Geometry:
    centre = project_geoms(shapely.Point(*LOWLAND_CENTRE))
    circle = shapely.Point(shapely.get_x(centre), shapely.get_y(centre)).buffer(1.0, quad_segs=32)
    ellipse = shapely.affinity.scale(circle, LOWLAND_AXES_M[0], LOWLAND_AXES_M[1])
    return shapely.affinity.rotate(ellipse, 4.0)


def _noisy_buffer(
    line: shapely.LineString, width: float, minx: float, maxx: float, rng: np.random.Generator
) -> shapely.Geometry:
    """A buffer whose width wanders along the river and grows to the east (lower land)."""
    step = float(np.clip(width * 0.3, 20.0, 150.0))  # circles overlap even where the band is thin
    dist = np.arange(0.0, line.length, step)
    pts = shapely.line_interpolate_point(line, dist)
    x = shapely.get_x(pts)
    east = np.clip((x - minx) / (maxx - minx), 0.0, 1.0)
    wobble = np.zeros_like(dist)
    for wavelength in (2500.0, 6000.0, 15000.0):
        phase = rng.uniform(0, 2 * np.pi)
        wobble += 0.15 * np.sin(2 * np.pi * dist / wavelength + phase)
    radius = width * (0.6 + 0.8 * east) * (1.0 + wobble)
    return shapely.union_all(shapely.buffer(pts, np.maximum(radius, 30.0), quad_segs=6))

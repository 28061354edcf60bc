"""The frame: township and village polygons that partition the county, in metres (EPSG:4547)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.ops import nearest_points

from geo.crs import project_xy
from geo.demo.common import (
    TownshipRow,
    as_multi,
    outline_metric,
    points_inside,
    sample_in,
    township_rows,
)
from geo.demo.names import village_names

VILLAGE_TOTAL = 398
RESIDENTS = 450_000  # county population the demo aims at
SEAT_MARGIN_M = 300.0


@dataclass
class Frame:
    county: shapely.Polygon
    townships: list[TownshipRow]
    twp_geom: np.ndarray  # MultiPolygon per township
    seats: np.ndarray  # (14, 2) seat coordinates, metres
    vil_twp: np.ndarray  # township index of each village
    vil_suffix: list[str]  # 3-digit village suffix (200–399)
    vil_name: list[str]
    vil_geom: np.ndarray  # MultiPolygon per village
    vil_xy: np.ndarray  # (n, 2) village centre, metres
    vil_pop: np.ndarray
    vil_hh: np.ndarray


def build_frame(rng: np.random.Generator) -> Frame:
    county = outline_metric()
    rows = list(township_rows())
    seats = _seats(county, rows)
    twp_geom = _partition(county, seats)
    counts = _village_counts(rows)
    vil_twp, vil_xy, vil_geom = [], [], []
    for i, n in enumerate(counts):
        xy, cells = _villages_of(twp_geom[i], seats[i], n, rng)
        vil_twp.append(np.full(n, i))
        vil_xy.append(xy)
        vil_geom.append(cells)
    twp_idx = np.concatenate(vil_twp)
    suffix = [f"{200 + k:03d}" for n in counts for k in range(n)]
    pop, hh = _population(rows, twp_idx, rng)
    return Frame(
        county=county, townships=rows, twp_geom=twp_geom, seats=seats, vil_twp=twp_idx,
        vil_suffix=suffix, vil_name=village_names(rng, len(twp_idx)),
        vil_geom=np.concatenate(vil_geom), vil_xy=np.vstack(vil_xy), vil_pop=pop, vil_hh=hh,
    )


def _seats(county: shapely.Polygon, rows: list[TownshipRow]) -> np.ndarray:
    """Seat coordinates in metres; a seat outside (or on the edge of) the outline moves inside."""
    x, y = project_xy(np.array([r.lon for r in rows]), np.array([r.lat for r in rows]))
    inner = county.buffer(-SEAT_MARGIN_M)
    inside = points_inside(inner, x, y)
    for i in np.flatnonzero(~inside):
        p = nearest_points(inner, shapely.Point(x[i], y[i]))[0]
        x[i], y[i] = p.x, p.y
    return np.column_stack([x, y])


def _partition(region: shapely.Geometry, pts: np.ndarray) -> np.ndarray:
    """Voronoi cells of ``pts`` clipped to ``region``, in the order of ``pts``."""
    mp = shapely.multipoints(pts)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(mp, extend_to=shapely.buffer(shapely.envelope(region), 1000.0), ordered=True)
    )
    return as_multi(shapely.intersection(cells, region))


def _village_counts(rows: list[TownshipRow]) -> list[int]:
    """Known counts where the record has them; the rest shared by population (largest remainder)."""
    known = [r.villages_known for r in rows]
    left = VILLAGE_TOTAL - sum(k for k in known if k)
    pops = np.array([r.population if k is None else 0 for r, k in zip(rows, known, strict=True)])
    share = pops / pops.sum() * left
    base = np.floor(share).astype(int)
    order = np.argsort(-(share - base), kind="stable")
    base[order[: left - base.sum()]] += 1
    return [k if k else int(b) for k, b in zip(known, base, strict=True)]


def _villages_of(
    twp: shapely.Geometry, seat: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """n village centres spread over the township (Lloyd-relaxed) and their clipped cells."""
    core = shapely.buffer(twp, -150.0)  # centres keep off the edges, roads between them stay inside
    pts = np.vstack([seat, sample_in(core, n - 1, rng)])
    for _ in range(3):
        cells = _partition(twp, pts)
        cent = shapely.get_coordinates(shapely.centroid(cells))
        ok = points_inside(core, cent[:, 0], cent[:, 1])
        ok[0] = False  # the seat village keeps the seat as its centre
        pts = np.where(ok[:, None], cent, pts)
    cells = _partition(twp, pts)
    inside = np.asarray(shapely.contains_xy(cells, pts[:, 0], pts[:, 1]), dtype=bool)
    if not inside.all():  # a centre cut off by the clip: use a point on its cell instead
        fix = shapely.get_coordinates(shapely.point_on_surface(cells[~inside]))
        pts[~inside] = fix
    return pts, cells


def _population(
    rows: list[TownshipRow], twp_idx: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Village residents from the township census figures, scaled to the county total."""
    twp_pop = np.array([r.population for r in rows], dtype=float)
    twp_pop *= RESIDENTS / twp_pop.sum()
    weights = rng.gamma(4.0, 1.0, len(twp_idx))
    sums = np.bincount(twp_idx, weights=weights)
    pop = np.round(twp_pop[twp_idx] * weights / sums[twp_idx]).astype(int)
    pop = np.maximum(pop, 300)
    hh = np.round(pop / rng.uniform(3.2, 3.8, len(pop))).astype(int)
    return pop, hh

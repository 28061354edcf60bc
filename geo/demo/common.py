"""Shared pieces of the demo generator: source files, constants, random streams, metric helpers.

Everything is generated in metres (EPSG:4547, the county's Gauss-Kruger zone) and converted to
CGCS2000 lon/lat (EPSG:4490) only when the frames are assembled.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from geo.crs import project_geoms

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
OUTLINE_FILE = DATA_DIR / "wuyang_county.geojson"
TOWNSHIPS_FILE = DATA_DIR / "wuyang_townships.csv"

ADCODE = "411121"
COUNTY_NAME = "舞阳县"
DEFAULT_SEED = 20210720
STATUS_DATE = dt.date(2021, 9, 15)  # the data set shows the recovery as it stood on this day
OPEN_DEADLINE = dt.date(2021, 8, 20)  # 抢通 within a month
ASSESS_DEADLINE = dt.date(2021, 9, 30)  # newly found damage: reopen by the end of September
HOUSE_DEADLINE = dt.date(2021, 11, 30)  # C/D houses repaired or rebuilt
YEAR_END = dt.date(2021, 12, 31)  # infrastructure basically repaired
SOURCE = "演示数据 (synthetic demo)"
USER = "demo"

# The 12 tables in load order: parents before children (foreign keys).
TABLES = (
    "county", "townships", "villages", "flood_extent", "roads", "water_works", "power_lines",
    "households", "pv_stations", "telecom_sites", "schools", "clinics",
)



def tile_adcode(tile: int) -> str:
    """Tile 0 is the real county; further tiles get made-up six-digit codes (49xxxx)."""
    return ADCODE if tile == 0 else f"49{tile:04d}"


def tile_suffix(tile: int) -> str:
    """Names must stay unique across tiles (townships.name is unique)."""
    return "" if tile == 0 else f"·{tile}"


def stream(seed: int, *keys: int) -> np.random.Generator:
    """An independent random stream per (seed, purpose, tile): order of calls never matters."""
    return np.random.default_rng([seed, *keys])


@dataclass(frozen=True)
class TownshipRow:
    code: str
    name: str
    kind: str  # zhen / xiang
    lon: float
    lat: float
    population: int
    villages_known: int | None


@cache
def outline_lonlat() -> shapely.Polygon:
    """The county outline as shipped (CGCS2000 lon/lat)."""
    data = json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))
    geom = shape(data["features"][0]["geometry"])
    if isinstance(geom, shapely.MultiPolygon):
        geom = max(geom.geoms, key=lambda g: g.area)
    assert isinstance(geom, shapely.Polygon)
    return geom


@cache
def outline_metric() -> shapely.Polygon:
    geom = project_geoms(outline_lonlat())
    assert isinstance(geom, shapely.Polygon)
    return geom


@cache
def township_rows() -> tuple[TownshipRow, ...]:
    rows = []
    with TOWNSHIPS_FILE.open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            known = rec["villages_known"].split(" ")[0]
            rows.append(TownshipRow(
                code=rec["code"], name=rec["name"], kind="zhen" if rec["type"] == "镇" else "xiang",
                lon=float(rec["lon_wgs84"]), lat=float(rec["lat_wgs84"]),
                population=int(rec["pop_2000_census"]),
                villages_known=int(known) if known.isdigit() else None,
            ))
    return tuple(rows)




def points_inside(poly: shapely.Geometry, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    shapely.prepare(poly)
    return np.asarray(shapely.contains_xy(poly, x, y), dtype=bool)


def sample_in(poly: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n uniform random points inside ``poly`` (rejection sampling on its bounding box)."""
    minx, miny, maxx, maxy = shapely.bounds(poly)
    out = np.empty((0, 2))
    while len(out) < n:
        k = max(64, 3 * (n - len(out)))
        pts = np.column_stack([rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)])
        out = np.vstack([out, pts[points_inside(poly, pts[:, 0], pts[:, 1])]])
    return out[:n]


def as_multi(geoms: np.ndarray) -> np.ndarray:
    """Polygon → MultiPolygon (the tables hold MULTIPOLYGON); drops slivers from clipping."""
    out = []
    for g in geoms:
        parts = [p for p in shapely.get_parts(g) if isinstance(p, shapely.Polygon) and p.area > 1.0]
        out.append(shapely.MultiPolygon(parts))
    return np.array(out, dtype=object)


def keep(mask: np.ndarray, values: object) -> np.ndarray:
    """An object array: ``values`` where ``mask``, else None (NULL)."""
    out = np.full(len(mask), None, dtype=object)
    vals = np.broadcast_to(np.asarray(values, dtype=object), out.shape)
    out[mask] = vals[mask]
    return out


def repair(geoms: np.ndarray) -> np.ndarray:
    """Reprojection can make nearly touching rings cross: mend those, keep polygons only."""
    bad = ~shapely.is_valid(geoms)
    if not bad.any():
        return geoms
    out = geoms.copy()
    for i in np.flatnonzero(bad):
        fixed = shapely.make_valid(geoms[i])
        parts = [p for p in shapely.get_parts(fixed) if isinstance(p, shapely.Polygon)]
        out[i] = shapely.MultiPolygon(parts)
    return out


def days(rng: np.random.Generator, start: dt.date, end: dt.date, n: int) -> np.ndarray:
    """n random dates in [start, end] as numpy datetime64[D]."""
    span = max((end - start).days, 0)
    offs = rng.integers(0, span + 1, n)
    return np.datetime64(start, "D") + offs.astype("timedelta64[D]")

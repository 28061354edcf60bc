"""Coordinates of imported files: what CRS they are in when the file does not say, and getting them
into storage (CGCS2000 lon/lat, EPSG:4490). The EPSG codes and transforms are geo.crs's.

Judged from the values (the medians):
- degrees: longitude 70-140, latitude 0-60 (either column order: a sheet whose 经度 column holds
  latitudes is caught as swapped);
- Gauss-Kruger metres: the northing is 2,000,000-6,000,000; an easting over 10,000,000 carries its
  zone number (38,500,000 → zone 38, EPSG:4526); without it the zone is not in the numbers, so
  the county's 3-degree zone (EPSG:4547) is assumed unless its 6-degree zone places the points
  in the county and the 3-degree zone does not. Surveyors' X is the northing: the order of the
  two columns is judged by size, not by their names.
Every guess says in words what was assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import shapely

from geo import crs as geo_crs
from geo.errors import ValidationError

BBox = tuple[float, float, float, float]
_NORTHING = (2_000_000.0, 6_000_000.0)
_EASTING = (100_000.0, 900_000.0)
_LON, _LAT = (70.0, 140.0), (0.0, 60.0)
_DMS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′’分]\s*)?"
                  r"(?:(\d+(?:\.\d+)?)\s*(?:\"|″|”|''|′′|秒)\s*)?([NSEW东西南北]?)\s*$")


@dataclass(frozen=True)
class CoordinateGuess:
    epsg: int
    swapped: bool  # the first of the two columns (x) holds northings or latitudes
    how: str


def guess_crs(x: np.ndarray, y: np.ndarray, area: BBox | None = None) -> CoordinateGuess:
    """The CRS of coordinate pairs the file does not describe, from their values."""
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        raise ValidationError("no row has both coordinates as numbers, so their system cannot "
                              "be judged; fill the coordinate columns.")
    mx, my = float(np.median(x[ok])), float(np.median(y[ok]))
    if max(abs(mx), abs(my)) <= 360:
        return _degrees(mx, my)
    return _metres(mx, my, area)


def _inside(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _degrees(mx: float, my: float) -> CoordinateGuess:
    if _inside(mx, _LON) and _inside(my, _LAT):
        return CoordinateGuess(geo_crs.STORAGE_EPSG, False,
                               "longitude/latitude in degrees, taken as CGCS2000 (EPSG:4490)")
    if _inside(my, _LON) and _inside(mx, _LAT):
        return CoordinateGuess(geo_crs.STORAGE_EPSG, True,
                               "latitude/longitude in degrees (the two columns are swapped), "
                               "taken as CGCS2000 (EPSG:4490)")
    raise ValidationError(f"the coordinates look like degrees ({mx:.4f}, {my:.4f}) but are not "
                          "in China; check the coordinate columns.")


def _metres(mx: float, my: float, area: BBox | None) -> CoordinateGuess:
    swapped = _inside(mx, _NORTHING) and not _inside(my, _NORTHING)
    easting, northing = (my, mx) if swapped else (mx, my)
    order = " (northing first: surveyors' X/Y)" if swapped else ""
    if not _inside(northing, _NORTHING):
        raise ValidationError(f"the coordinates ({mx:.0f}, {my:.0f}) are neither degrees nor "
                              "Gauss-Kruger metres in China; give the file's CRS (--crs).")
    if easting >= 10_000_000:
        zone = int(easting // 1_000_000)
        epsg = geo_crs.epsg_for_zone_prefix(zone)
        if epsg is None:
            raise ValidationError(f"the easting {easting:.0f} starts with zone {zone}, which is "
                                  "no CGCS2000 Gauss-Kruger zone of China; give --crs.")
        return CoordinateGuess(epsg, swapped, f"Gauss-Kruger metres with the zone number {zone} "
                               f"in the easting{order}: {geo_crs.describe_epsg(epsg)}")
    if not _inside(easting, _EASTING):
        raise ValidationError(f"the easting {easting:.0f} is not a Gauss-Kruger easting; give --crs.")
    three, six = geo_crs.METRIC_EPSG, geo_crs.gk6_epsg(geo_crs.COUNTY_LON)
    epsg = six if area and not _in_area(easting, northing, three, area) and \
        _in_area(easting, northing, six, area) else three
    kind = "3-degree" if epsg == three else "6-degree"
    return CoordinateGuess(epsg, swapped, f"Gauss-Kruger metres without a zone number{order}: "
                           f"assumed the county's {kind} zone, {geo_crs.describe_epsg(epsg)}")


def _in_area(x: float, y: float, epsg: int, area: BBox, margin: float = 0.2) -> bool:
    lon, lat = geo_crs.project_xy(np.array([x]), np.array([y]), epsg, geo_crs.STORAGE_EPSG)
    return bool(area[0] - margin <= lon[0] <= area[2] + margin
                and area[1] - margin <= lat[0] <= area[3] + margin)


def to_storage(geoms: np.ndarray, epsg: int, *, from_gcj02: bool = False) -> np.ndarray:
    """Geometries from ``epsg`` (GCJ-02 lon/lat when asked) to CGCS2000 lon/lat."""
    if from_gcj02 and not geo_crs.is_geographic(epsg):
        raise ValidationError(f"GCJ-02 is a longitude/latitude system, but the coordinates are in "
                              f"{geo_crs.describe_epsg(epsg)}; leave the GCJ-02 option off.")
    present = np.array([g is not None for g in geoms], dtype=bool)
    out = np.array(geoms, dtype=object)
    if not present.any():
        return out
    moved = out[present]
    if from_gcj02:
        moved = shapely.transform(moved, _from_gcj02)
    elif epsg != geo_crs.STORAGE_EPSG:
        moved = geo_crs.project_geoms(moved, epsg, geo_crs.STORAGE_EPSG)
    out[present] = moved
    return out


def _from_gcj02(coords: np.ndarray) -> np.ndarray:
    lon, lat = geo_crs.gcj02_to_wgs84_xy(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def parse_numbers(values: np.ndarray) -> np.ndarray:
    """Coordinates as floats: numbers, numeric text, or degrees-minutes-seconds (113°36'44.4"E);
    anything else becomes NaN (reported as a missing coordinate by the caller)."""
    out = np.full(len(values), np.nan)
    for index, value in enumerate(values):
        out[index] = _number(value)
    return out


def _number(value: object) -> float:
    if value is None or isinstance(value, bool):
        return np.nan
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    text = str(value).strip().replace(",", "").replace("，", "")
    try:
        return float(text)
    except ValueError:
        pass
    match = _DMS.match(text)
    if not match:
        return np.nan
    deg, minutes, seconds, hemi = match.groups()
    sign = -1.0 if deg.startswith("-") or hemi in ("S", "W", "南", "西") else 1.0
    return sign * (abs(float(deg)) + float(minutes or 0) / 60 + float(seconds or 0) / 3600)


def points(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Point geometries; None where either coordinate is missing."""
    ok = np.isfinite(x) & np.isfinite(y)
    out = np.full(len(x), None, dtype=object)
    if ok.any():
        out[ok] = shapely.points(x[ok], y[ok])
    return out

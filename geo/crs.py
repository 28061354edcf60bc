"""Every coordinate reference system the tracker knows, and every transform between them.

Rules (see README, "Coordinates"):
- store CGCS2000 geographic, EPSG:4490, lon/lat order (``always_xy``);
- measure in metres in the county's 3-degree Gauss-Kruger zone, derived from its longitude;
- show lon/lat (CGCS2000 equals WGS84 to well under a metre for web maps);
- GCJ-02 (AMap/Gaode) is converted on the way in and never stored.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer

STORAGE_EPSG = 4490  # CGCS2000 geographic
WGS84_EPSG = 4326
WEB_MERCATOR_EPSG = 3857
COUNTY_LON = 113.60  # 舞阳县 county seat; drives the default Gauss-Kruger zone

# CGCS2000 3-degree Gauss-Kruger: central meridians 75E..135E in steps of 3 degrees.
# Without zone prefix: EPSG 4534 (CM 75E) .. 4554 (CM 135E); with prefix: 4513 (zone 25) .. 4533 (zone 45).
_GK3_NO_PREFIX_FIRST = 4534
_GK3_PREFIX_FIRST = 4513
_GK3_FIRST_CM = 75
_GK3_LAST_CM = 135


class CRSError(ValueError):
    """A coordinate reference system that the tracker does not handle."""


def gk3_central_meridian(lon: float) -> int:
    """The central meridian (degrees E) of the 3-degree zone containing ``lon``."""
    cm = round(lon / 3.0) * 3
    if not _GK3_FIRST_CM <= cm <= _GK3_LAST_CM:
        raise CRSError(f"longitude {lon} is outside China's CGCS2000 3-degree zones (73.5E-136.5E)")
    return cm


def gk3_epsg(lon: float = COUNTY_LON, *, zone_prefix: bool = False) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Kruger zone for ``lon``.

    Wuyang (113.6E) → CM 114E → EPSG:4547, or EPSG:4526 with the zone number (38) in the easting.
    """
    cm = gk3_central_meridian(lon)
    index = (cm - _GK3_FIRST_CM) // 3
    return (_GK3_PREFIX_FIRST if zone_prefix else _GK3_NO_PREFIX_FIRST) + index


METRIC_EPSG = gk3_epsg(COUNTY_LON)  # 4547 for Wuyang
METRIC_PREFIXED_EPSG = gk3_epsg(COUNTY_LON, zone_prefix=True)  # 4526 for Wuyang

EXPORT_EPSGS: dict[int, str] = {
    METRIC_EPSG: "CGCS2000 3° Gauss-Kruger, CM 114E (no zone prefix)",
    METRIC_PREFIXED_EPSG: "CGCS2000 3° Gauss-Kruger zone 38 (zone prefix in easting)",
    STORAGE_EPSG: "CGCS2000 geographic (lon/lat)",
    WGS84_EPSG: "WGS 84 geographic (lon/lat)",
}


def parse_epsg(text: str | int) -> int:
    """Accept ``4547``, ``"4547"`` or ``"EPSG:4547"``; refuse anything not offered for export."""
    raw = str(text).strip().upper().removeprefix("EPSG:")
    if not raw.isdigit() or int(raw) not in EXPORT_EPSGS:
        choices = ", ".join(f"EPSG:{code}" for code in EXPORT_EPSGS)
        raise CRSError(f"unknown CRS {text!r}; choose one of {choices}")
    return int(raw)


@cache
def crs(epsg: int) -> CRS:
    return CRS.from_epsg(epsg)


@cache
def transformer(src_epsg: int, dst_epsg: int) -> Transformer:
    """A lon/lat-ordered transformer (EPSG:4490 is lat/lon in its definition)."""
    return Transformer.from_crs(crs(src_epsg), crs(dst_epsg), always_xy=True)


def to_metric(lon: float, lat: float) -> tuple[float, float]:
    """CGCS2000 lon/lat → county Gauss-Kruger easting/northing in metres."""
    x, y = transformer(STORAGE_EPSG, METRIC_EPSG).transform(lon, lat)
    return float(x), float(y)


def from_metric(x: float, y: float) -> tuple[float, float]:
    lon, lat = transformer(METRIC_EPSG, STORAGE_EPSG).transform(x, y)
    return float(lon), float(lat)


# --- GCJ-02 ("Mars coordinates", AMap/Gaode) -------------------------------------------------
# The public GCJ-02 obfuscation formula (Krasovsky 1940 ellipsoid parameters).
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def _gcj_delta(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _GCJ_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float, *, tolerance_deg: float = 1e-9) -> tuple[float, float]:
    """Iterative inverse of GCJ-02: within about a centimetre (one-step inverses are off by metres)."""
    wlon, wlat = lon, lat
    for _ in range(30):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        dlon, dlat = glon - lon, glat - lat
        wlon, wlat = wlon - dlon, wlat - dlat
        if abs(dlon) < tolerance_deg and abs(dlat) < tolerance_deg:
            break
    return wlon, wlat


# --- vectorised transforms (numpy arrays of coordinates, shapely geometries or arrays of them) ----

def project_xy(
    x: np.ndarray, y: np.ndarray, src: int = STORAGE_EPSG, dst: int = METRIC_EPSG
) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of x (lon) and y (lat) from ``src`` to ``dst``; default CGCS2000 → county GK metres."""
    px, py = transformer(src, dst).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(px, dtype=float), np.asarray(py, dtype=float)


def project_geoms(geoms: Any, src: int = STORAGE_EPSG, dst: int = METRIC_EPSG) -> Any:
    """A geometry or an array of geometries from ``src`` to ``dst``, every coordinate in one call."""
    tr = transformer(src, dst)

    def apply(coords: np.ndarray) -> np.ndarray:
        px, py = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([px, py])

    return shapely.transform(geoms, apply)

"""Every coordinate reference system the tracker knows, and every transform between them.

Rules (see README, "Coordinates"):
- store CGCS2000 geographic, EPSG:4490, lon/lat order (``always_xy``);
- measure in metres in the county's 3-degree Gauss-Kruger zone, derived from its longitude;
- show lon/lat (CGCS2000 equals WGS84 to well under a metre for web maps);
- GCJ-02 (AMap/Gaode) is converted on the way in and never stored.
"""

from __future__ import annotations

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


# --- CRS of imported files ---------------------------------------------------------------------
# CGCS2000 6-degree Gauss-Kruger: with the zone number in the easting EPSG 4491 (zone 13, CM 75E)
# .. 4501 (zone 23); without it 4502 (CM 75E) .. 4512 (CM 135E).
_GK6_PREFIX_FIRST = 4491
_GK6_NO_PREFIX_FIRST = 4502
_GK6_FIRST_ZONE, _GK6_LAST_ZONE = 13, 23
_GK3_FIRST_ZONE, _GK3_LAST_ZONE = _GK3_FIRST_CM // 3, _GK3_LAST_CM // 3  # 25 .. 45
_CGCS2000_DATUMS = ("China 2000", "World Geodetic System 1984", "World Geodetic System 1984 ensemble")


def gk6_epsg(lon: float = COUNTY_LON) -> int:
    """EPSG code of the CGCS2000 6-degree zone (no zone prefix) containing ``lon``."""
    zone = int(lon // 6) + 1
    if not _GK6_FIRST_ZONE <= zone <= _GK6_LAST_ZONE:
        raise CRSError(f"longitude {lon} is outside China's CGCS2000 6-degree zones (72E-138E)")
    return _GK6_NO_PREFIX_FIRST + zone - _GK6_FIRST_ZONE


def epsg_for_zone_prefix(zone: int) -> int | None:
    """The CGCS2000 Gauss-Kruger EPSG code whose eastings start with ``zone`` (e.g. 38 → 4526).

    Zones 25-45 are 3-degree zones, 13-23 six-degree zones (the two ranges do not overlap).
    """
    if _GK3_FIRST_ZONE <= zone <= _GK3_LAST_ZONE:
        return _GK3_PREFIX_FIRST + zone - _GK3_FIRST_ZONE
    if _GK6_FIRST_ZONE <= zone <= _GK6_LAST_ZONE:
        return _GK6_PREFIX_FIRST + zone - _GK6_FIRST_ZONE
    return None


def describe_epsg(epsg: int) -> str:
    """``EPSG:4526 CGCS2000 / 3-degree Gauss-Kruger zone 38``: how a CRS is named to users."""
    return f"EPSG:{epsg} {crs(epsg).name}"


def is_geographic(epsg: int) -> bool:
    return bool(crs(epsg).is_geographic)


def parse_source_epsg(text: str | int) -> int:
    """Any EPSG code PROJ knows (an imported file may come in any CRS); ``EPSG:`` is optional."""
    raw = str(text).strip().upper().removeprefix("EPSG:")
    if raw.isdigit() and _known_epsg(int(raw)):
        return int(raw)
    raise CRSError(f"unknown CRS {text!r}; give an EPSG code such as EPSG:{METRIC_EPSG}, "
                   f"EPSG:{METRIC_PREFIXED_EPSG} or EPSG:{STORAGE_EPSG}")


def _known_epsg(epsg: int) -> bool:
    try:
        crs(epsg)
    except Exception:  # pyproj's CRSError: no such code (the caller says so in one sentence)
        return False
    return True


def epsg_from_wkt(text: str) -> int:
    """The EPSG code of a .prj (ESRI or OGC WKT), or CRSError naming what it describes."""
    try:
        parsed = CRS.from_user_input(text.strip())
    except Exception:
        raise CRSError("the .prj file is not a coordinate system PROJ can read") from None
    code = parsed.to_epsg(min_confidence=70)
    if code is None:
        raise CRSError(f"the .prj describes {parsed.name!r}, which matches no EPSG code")
    return int(code)


def datum_note(epsg: int) -> str | None:
    """A warning when the source datum is not CGCS2000/WGS 84 (Xian 1980, Beijing 1954 …)."""
    datum = crs(epsg).datum
    name = datum.name if datum is not None else ""
    if name in _CGCS2000_DATUMS:
        return None
    return (f"{describe_epsg(epsg)} is on the {name} datum, not CGCS2000; PROJ's default "
            "transformation was used and may be off by tens of metres")


# --- GCJ-02 ("Mars coordinates", AMap/Gaode) -------------------------------------------------
# The public GCJ-02 obfuscation formula (Krasovsky 1940 ellipsoid parameters).
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def _gcj_delta(lon: Any, lat: Any) -> tuple[Any, Any]:
    """The GCJ-02 offset at (lon, lat): floats or numpy arrays alike (numpy functions throughout)."""
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * pi) + 320 * np.sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * pi
    magic = 1 - _GCJ_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * np.cos(rad) * pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    dlon, dlat = _gcj_delta(lon, lat)
    return float(lon + dlon), float(lat + dlat)


def gcj02_to_wgs84(lon: float, lat: float, *, tolerance_deg: float = 1e-9) -> tuple[float, float]:
    """Iterative inverse of GCJ-02: within about a centimetre (one-step inverses are off by metres)."""
    wlon, wlat = gcj02_to_wgs84_xy(np.array([lon], dtype=float), np.array([lat], dtype=float),
                                   tolerance_deg=tolerance_deg)
    return float(wlon[0]), float(wlat[0])


def gcj02_to_wgs84_xy(lon: np.ndarray, lat: np.ndarray, *,
                      tolerance_deg: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """The iterative inverse for arrays of GCJ-02 lon/lat (a household register in one go).

    WGS 84 here is taken as CGCS2000: they agree to well under a metre, far below GCJ-02's offset.
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(30):
        dlon, dlat = _gcj_delta(wlon, wlat)
        err_lon, err_lat = wlon + dlon - lon, wlat + dlat - lat
        wlon, wlat = wlon - err_lon, wlat - err_lat
        if np.nanmax(np.abs(err_lon), initial=0) < tolerance_deg and \
                np.nanmax(np.abs(err_lat), initial=0) < tolerance_deg:
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

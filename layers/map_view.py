"""Where the map looks and what a click hit: the view fitted to the filtered area (Leaflet's
fitBounds done in Python, since st_folium moves a built map only by centre and zoom) and a
st_folium click resolved to ``(layer, id)`` of a feature the map shows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import shapely

from layers.map_features import PRECISION, esc, parse_fid
from layers.map_filter import MapFilter, Names

COUNTY_CENTER = (33.44, 113.60)  # lat, lon of 舞阳县, when the county outline is missing
COUNTY_ZOOM = 10
TOWNSHIP_ZOOM = 12
VILLAGE_ZOOM = 14
# The view is fitted to the filtered area in Python (st_folium moves the map to a new centre and
# zoom without rebuilding it), so it needs the map's size: the page draws it 620 px high, and in
# the wide layout's 4:1 column it is 700-900 px wide on a 1280-1920 px screen.
MAP_SIZE_PX = (720, 620)  # width, height assumed for fitting
FIT_PADDING_PX = 16
ZOOM_SNAP = 0.25  # fractional zoom, so a fitted area fills the frame (whole steps lose ~half)
MAX_FIT_ZOOM = 16.0


# --- clicks -------------------------------------------------------------------------------------
def resolve_click(
    returned: Mapping[str, Any] | None,
    shown: Mapping[str, dict[str, Any]],
    tolerance_deg: float = 0.003,
) -> tuple[str, int] | None:
    """Which shown feature a map click hit, as (layer, id); None if it hit nothing we show.

    st_folium returns the clicked feature as GeoJSON (``last_active_drawing``, whose properties
    carry our ``fid``) and the click position (``last_object_clicked``); the position is the
    fallback, matched to the nearest shown point or line within ``tolerance_deg``.
    """
    if not returned:
        return None
    shown_ids = {f["properties"]["fid"] for data in shown.values() for f in data["features"]}
    drawing = returned.get("last_active_drawing") or {}
    props = drawing.get("properties") if isinstance(drawing, dict) else None
    if props and props.get("fid") in shown_ids:
        return parse_fid(props["fid"])
    clicked = returned.get("last_object_clicked")
    if not clicked or clicked.get("lat") is None or clicked.get("lng") is None:
        return None
    return nearest_feature(float(clicked["lng"]), float(clicked["lat"]), shown, tolerance_deg)


def nearest_feature(lon: float, lat: float, shown: Mapping[str, dict[str, Any]],
                    tolerance_deg: float) -> tuple[str, int] | None:
    point = shapely.Point(lon, lat)
    best: tuple[float, str] | None = None
    for data in shown.values():
        for feat in data["features"]:
            ref = parse_fid(feat["properties"].get("fid"))
            if ref is None:
                continue
            distance = shapely.geometry.shape(feat["geometry"]).distance(point)
            if distance <= tolerance_deg and (best is None or distance < best[0]):
                best = (distance, feat["properties"]["fid"])
    return parse_fid(best[1]) if best else None


# --- view fitting ------------------------------------------------------------------------------
Bounds = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


def _mercator_y(lat: float) -> float:
    """Web Mercator y of a latitude, as a fraction of the world's height (0 = north edge)."""
    rad = math.radians(max(min(lat, 85.0), -85.0))
    return (1 - math.log(math.tan(math.pi / 4 + rad / 2)) / math.pi) / 2


def fit_view(bounds: Bounds, size: tuple[int, int] = MAP_SIZE_PX,
             padding: int = FIT_PADDING_PX) -> tuple[tuple[float, float], float]:
    """Centre (lat, lon) and the largest zoom (a multiple of ``ZOOM_SNAP``) at which
    ``bounds`` fit a ``size`` pixel map with ``padding`` on each side — Leaflet's fitBounds,
    done here because st_folium moves a built map only by centre and zoom."""
    west, south, east, north = bounds
    top, bottom = _mercator_y(north), _mercator_y(south)
    center = (round(_lat_of((top + bottom) / 2), PRECISION), round((west + east) / 2, PRECISION))
    width, height = (max(side - 2 * padding, 1) for side in size)
    fits = [MAX_FIT_ZOOM]
    if east > west:
        fits.append(math.log2(width / (256 * (east - west) / 360)))
    if bottom > top:
        fits.append(math.log2(height / (256 * (bottom - top))))
    zoom = math.floor(min(fits) / ZOOM_SNAP) * ZOOM_SNAP
    return center, max(zoom, 1.0)


def _lat_of(mercator_y: float) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * mercator_y))))


def frame_bounds(frames: Mapping[str, dict[str, Any]], layer: str,
                 codes: Iterable[str] | None = None) -> Bounds | None:
    """Bounds of a frame layer's features (only those whose ``code`` is in ``codes``, if given);
    None when there is nothing to fit."""
    data = frames.get(layer)
    if not data:
        return None
    wanted = None if codes is None else {esc(code) for code in codes}
    geoms = [shapely.geometry.shape(f["geometry"]) for f in data["features"]
             if wanted is None or f["properties"].get("code") in wanted]
    if not geoms:
        return None
    west, south, east, north = shapely.total_bounds(geoms)
    return float(west), float(south), float(east), float(north)


def county_view(frames: Mapping[str, dict[str, Any]]) -> tuple[tuple[float, float], float]:
    """The whole county in the frame (the townships' extent when the outline is missing)."""
    bounds = frame_bounds(frames, "county") or frame_bounds(frames, "townships")
    return fit_view(bounds) if bounds else (COUNTY_CENTER, COUNTY_ZOOM)


def view_for(filters: MapFilter, names: Names, seats: Mapping[str, tuple[float, float]],
             frames: Mapping[str, dict[str, Any]] | None = None,
             ) -> tuple[tuple[float, float], float]:
    """Centre (lat, lon) and zoom fitting the filtered area: the chosen villages, else the
    chosen townships, else the county outline. Without their boundaries in ``frames`` the
    view falls back to a township seat at a fixed zoom."""
    frames = frames or {}
    bounds = None
    if filters.villages:
        bounds = frame_bounds(frames, "villages", filters.villages)
    if bounds is None and filters.townships:
        bounds = frame_bounds(frames, "townships", filters.townships)
    if bounds is not None:
        return fit_view(bounds)
    if len(filters.townships) == 1 and filters.townships[0] in seats:
        zoom = VILLAGE_ZOOM if len(filters.villages) == 1 else TOWNSHIP_ZOOM
        return seats[filters.townships[0]], zoom
    return county_view(frames)

"""Where the map looks and what a click hit: the view fitted to the filtered area (Leaflet's
fitBounds done in Python, since st_folium moves a built map only by centre and zoom) and a
st_folium click resolved to ``(layer, id)`` of a feature the map shows; the detail a view needs
(simplification of about a pixel, which frames and village outlines to draw: ``frame_plan``);
and viewport mode, which loads only the features in view when the filtered set exceeds the
map's budget (``viewport_offered``, ``returned_bounds``, ``next_viewport``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import shapely

from layers.filter import Filter
from views.map.geojson import PRECISION, SIMPLIFY_DEG, VILLAGE_OUTLINE_LIMIT, esc, parse_fid
from views.names import Names

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
FRAME_WINDOW = 1.0  # large data, a place chosen: frames drawn this many view sizes around it
VIEWPORT_PAD = 0.25  # viewport mode loads the view plus this share of it on each side
VIEWPORT_REFINE = 16.0  # ...and loads again once zoomed in so far that the view is 1/16 of it


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


def view_for(filters: Filter, names: Names, seats: Mapping[str, tuple[float, float]],
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


# --- detail per view: simplification, frame extent, village outlines --------------------------
def pixel_deg(zoom: float, lat: float) -> float:
    """Degrees one screen pixel spans at ``zoom`` near ``lat`` (the north-south span, the
    smaller one, so a shape simplified by it moves by at most about a pixel either way)."""
    return 360.0 / (256 * 2 ** zoom) * math.cos(math.radians(max(min(lat, 85.0), -85.0)))


def view_tolerance(bounds: Bounds) -> float:
    """Simplification tolerance (degrees) for shapes shown fitted to ``bounds``: about one
    pixel of that view, never finer than the fixed ``SIMPLIFY_DEG`` (≈ 20 m)."""
    (lat, _), zoom = fit_view(bounds)
    return max(SIMPLIFY_DEG, pixel_deg(zoom, lat))


def expand(bounds: Bounds, factor: float) -> Bounds:
    """``bounds`` grown by ``factor`` times its width/height on each side."""
    west, south, east, north = bounds
    dx, dy = (east - west) * factor, (north - south) * factor
    return west - dx, south - dy, east + dx, north + dy


@dataclass(frozen=True)
class FramePlan:
    """How the base map draws the boundaries and the flood for one place filter.

    ``tolerance``: simplification in degrees; ``window``: frames are read only inside this box
    (None: everywhere); ``villages``: ``all`` outlines, only those in the ``window``, or ``none``
    (too many for the region view: township outlines and names suffice at that zoom).
    """

    tolerance: float
    window: Bounds | None
    villages: str


def frame_plan(region: Bounds | None, chosen: Bounds | None, village_count: int,
               limit: int = VILLAGE_OUTLINE_LIMIT) -> FramePlan:
    """The frame detail for the view: small data (at most ``limit`` villages) are drawn whole at
    the fixed tolerance, so the base map never changes with the filters (no rebuild, the view
    stays); large data are simplified to a pixel of the fitted view, drawn only around the
    chosen place (``FRAME_WINDOW`` views each side), villages only when a place is chosen."""
    if village_count <= limit:
        return FramePlan(SIMPLIFY_DEG, None, "all")
    if chosen is not None:
        return FramePlan(view_tolerance(chosen), expand(chosen, FRAME_WINDOW), "window")
    tolerance = view_tolerance(region) if region is not None else SIMPLIFY_DEG
    return FramePlan(tolerance, None, "none")


# --- viewport mode: load what is in view when the filtered set exceeds the budget -----------
def viewport_offered(collections: Mapping[str, dict[str, Any]]) -> bool:
    """True when the map shows only part of the filtered assets (some layer was cut to its
    budget): then loading by the current view is worth offering."""
    return any(name != "households" and data.get("total", 0) > len(data.get("features", []))
               for name, data in collections.items())


def shown_of_total(collections: Mapping[str, dict[str, Any]],
                   totals: Mapping[str, int]) -> tuple[int, int]:
    """(assets drawn, assets in the filtered set) for "视野内显示 N / 共 M"."""
    shown = sum(len(data.get("features", [])) for name, data in collections.items()
                if name != "households")
    total = sum(n for name, n in totals.items() if name != "households")
    return shown, total


def returned_bounds(returned: Mapping[str, Any] | None) -> Bounds | None:
    """st_folium's ``bounds`` ({_southWest: {lat, lng}, _northEast: {lat, lng}}) as a Bounds;
    None when missing or degenerate."""
    raw = (returned or {}).get("bounds") or {}
    try:
        sw, ne = raw["_southWest"], raw["_northEast"]
        west, south, east, north = (float(sw["lng"]), float(sw["lat"]), float(ne["lng"]),
                                    float(ne["lat"]))
    except (KeyError, TypeError, ValueError):
        return None
    if not (east > west and north > south) or not all(map(math.isfinite,
                                                          (west, south, east, north))):
        return None
    return west, south, east, north


def view_bounds(center: tuple[float, float], zoom: float,
                size: tuple[int, int] = MAP_SIZE_PX) -> Bounds:
    """The box a ``size`` pixel map shows at ``center`` (lat, lon) and ``zoom`` (inverse of
    ``fit_view``, used before the browser has reported its real bounds)."""
    lat, lon = center
    world = 256 * 2 ** zoom
    half_lon = size[0] / 2 / world * 360
    y = _mercator_y(lat)
    half_y = size[1] / 2 / world
    return (round(lon - half_lon, 6), round(_lat_of(y + half_y), 6), round(lon + half_lon, 6),
            round(_lat_of(y - half_y), 6))


def _contains(outer: Bounds, inner: Bounds) -> bool:
    return (outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2]
            and outer[3] >= inner[3])


def _area(bounds: Bounds) -> float:
    return max(bounds[2] - bounds[0], 0.0) * max(bounds[3] - bounds[1], 0.0)


def snap_bounds(bounds: Bounds, step: float) -> Bounds:
    """``bounds`` rounded outwards to a grid of ``step`` degrees, so small pans give the same
    box (and hit the same cache entry)."""
    west, south, east, north = bounds
    return (round(math.floor(west / step) * step, 6), round(math.floor(south / step) * step, 6),
            round(math.ceil(east / step) * step, 6), round(math.ceil(north / step) * step, 6))


def next_viewport(seen: Bounds | None, loaded: Bounds | None) -> Bounds | None:
    """The box to load for the view ``seen``: ``loaded`` while it still covers the view and is
    not much larger (zoomed in ``VIEWPORT_REFINE``× or more: load again for more detail), else the
    view padded by ``VIEWPORT_PAD`` on each side and snapped to a grid. None: nothing seen yet."""
    if seen is None:
        return loaded
    if loaded is not None and _contains(loaded, seen) and (
            _area(loaded) <= VIEWPORT_REFINE * _area(seen)):
        return loaded
    padded = expand(seen, VIEWPORT_PAD)
    step = max((padded[2] - padded[0]) / 8, 1e-4)
    return snap_bounds(padded, 10 ** math.floor(math.log10(step)))


def viewport_start(stored: tuple[Any, Bounds] | None, place: Any,
                   fitted: tuple[tuple[float, float], float]) -> Bounds:
    """The box viewport mode loads before the browser reports its view: the stored box while
    the place filter is the same (the user's pans are kept), else the fitted view padded (a new
    place moves the map there, so the old box no longer applies)."""
    if stored is not None and stored[0] == place:
        return stored[1]
    start = next_viewport(view_bounds(*fitted), None)
    assert start is not None  # a seen view always gives a box
    return start

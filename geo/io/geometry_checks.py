"""Checks of imported geometries, and their repair only when asked, with a before/after preview.

Every problem names its reason: unreadable (e.g. a line of a single point, which GEOS refuses to
build), empty, NaN or infinite coordinates, the wrong kind for the layer, several parts where the
layer holds one, invalid (a bow-tie polygon). ``make_valid`` is offered for invalid polygons
only, never applied silently: :func:`repair` returns the repaired shapes with their area or
length before and after (metres, in the county's Gauss-Kruger zone) for the user to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo import crs as geo_crs

FAMILIES = {
    "Point": "point", "MultiPoint": "point",
    "LineString": "line", "MultiLineString": "line",
    "Polygon": "polygon", "MultiPolygon": "polygon",
}
SINGLE = {"POINT": "Point", "LINESTRING": "LineString", "MULTIPOLYGON": "Polygon"}
FAMILY_ZH = {"point": "点", "line": "线", "polygon": "面"}


@dataclass(frozen=True)
class GeometryIssue:
    index: int
    reason: str
    repairable: bool = False


@dataclass(frozen=True)
class Repair:
    index: int
    before: float
    after: float
    unit: str  # "m²" or "m"
    kind_after: str


def fit_kind(geoms: np.ndarray, allowed: tuple[str, ...]) -> tuple[np.ndarray, list[GeometryIssue]]:
    """Geometries in the layer's kind (``POINT``, ``LINESTRING``, ``MULTIPOLYGON``; several for a
    mixed layer): 2D, a one-part multi-geometry unwrapped, a polygon wrapped as a multipolygon."""
    out = np.array(geoms, dtype=object)
    issues: list[GeometryIssue] = []
    present = np.flatnonzero([g is not None for g in out])
    if len(present):
        out[present] = shapely.force_2d(out[present])
    families = {FAMILIES[SINGLE[kind]] for kind in allowed}
    for index in present:
        geom = out[index]
        family = FAMILIES.get(geom.geom_type)
        if family not in families:
            wanted = "/".join(FAMILY_ZH[f] for f in sorted(families))
            issues.append(GeometryIssue(int(index), f"geometry is a {geom.geom_type}; this layer "
                                                    f"holds {wanted} ({'/'.join(sorted(families))})"))
            continue
        if family == "polygon":
            if geom.geom_type == "Polygon":
                out[index] = shapely.MultiPolygon([geom])
            continue
        if geom.geom_type.startswith("Multi"):
            parts = shapely.get_parts(geom)
            if len(parts) != 1:
                issues.append(GeometryIssue(int(index), f"{geom.geom_type} of {len(parts)} parts; "
                                                        "this layer holds one part per feature"))
                continue
            out[index] = parts[0]
    return out, issues


def geometry_issues(geoms: np.ndarray, unreadable: np.ndarray | None) -> list[GeometryIssue]:
    """Unreadable, empty, NaN and invalid geometries; missing ones (None) are the caller's to judge."""
    issues: list[GeometryIssue] = []
    if unreadable is not None:
        issues += [GeometryIssue(int(i), "the geometry cannot be read (e.g. a line with a single "
                                         "point or a ring with too few points)")
                   for i in np.flatnonzero(unreadable)]
    present = np.flatnonzero([g is not None for g in geoms])
    if not len(present):
        return issues
    arr = np.asarray(geoms[present])
    empty = shapely.is_empty(arr)
    coords, owner = shapely.get_coordinates(arr, return_index=True)
    finite = np.ones(len(arr), dtype=bool)
    finite[owner[~np.isfinite(coords).all(axis=1)]] = False
    valid = shapely.is_valid(arr)
    for pos, index in enumerate(present):
        if empty[pos]:
            issues.append(GeometryIssue(int(index), "empty geometry (no coordinates)"))
        elif not finite[pos]:
            issues.append(GeometryIssue(int(index), "NaN or infinite coordinates (or coordinates "
                                                    "outside the range of their coordinate system)"))
        elif not valid[pos]:
            issues.append(_invalid(int(index), arr[pos]))
    return issues


def _invalid(index: int, geom: BaseGeometry) -> GeometryIssue:
    reason = shapely.is_valid_reason(geom)
    if FAMILIES.get(geom.geom_type) != "polygon":
        if "Too few points" in reason:
            return GeometryIssue(index, "a line needs at least two distinct points")
        return GeometryIssue(index, f"invalid geometry ({reason})")
    if "Self-intersection" in reason:
        return GeometryIssue(index, f"self-intersecting (bow-tie) polygon ({reason})", True)
    return GeometryIssue(index, f"invalid polygon ({reason})", True)


def repair(geoms: np.ndarray, indexes: list[int]) -> tuple[np.ndarray, list[Repair]]:
    """``make_valid`` for the polygons at ``indexes`` (CGCS2000 lon/lat), kept as multipolygons;
    returns the new geometries and a preview of each change in metres."""
    out = np.array(geoms, dtype=object)
    previews = []
    for index in indexes:
        before = out[index]
        fixed = shapely.make_valid(before)
        polygons = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
        parts = [q for p in polygons for q in shapely.get_parts(p)]
        after = shapely.MultiPolygon(parts) if parts else None
        out[index] = after
        previews.append(Repair(index, _area(before), _area(after) if after is not None else 0.0,
                               "m²", after.geom_type if after is not None else "empty"))
    return out, previews


def _area(geom: BaseGeometry) -> float:
    metric = geo_crs.project_geoms(geom, geo_crs.STORAGE_EPSG, geo_crs.METRIC_EPSG)
    return round(float(shapely.area(metric)), 1)


def outside(geoms: np.ndarray, area: BaseGeometry, margin_deg: float = 0.01) -> np.ndarray:
    """True where a geometry does not touch ``area`` grown by ``margin_deg`` (about 1 km)."""
    present = np.flatnonzero([g is not None for g in geoms])
    result = np.zeros(len(geoms), dtype=bool)
    if len(present):
        grown = shapely.buffer(area, margin_deg)
        shapely.prepare(grown)
        result[present] = ~shapely.intersects(grown, np.asarray(geoms[present]))
    return result

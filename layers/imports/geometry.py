"""Where each staged row is: the file's geometries or its coordinate columns, in the CRS the file
declares, the user chose, or its values suggest (said in words), moved to CGCS2000 (GCJ-02 on
request), fitted to the layer's kind and checked — unreadable, empty, NaN, invalid (make_valid
only when asked, with a before/after preview), outside the county, lon/lat swapped in a row.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo import crs as geo_crs
from geo.errors import ValidationError
from geo.io import coords, geometry_checks
from layers.imports.staging import MappingOptions, Staged

ROLE_PAIRS = (("lon", "lat"), ("x", "y"))


def place_geometry(staged: Staged, options: MappingOptions, area: BaseGeometry | None) -> None:
    """Set ``staged.geometry`` (or leave it None when the file has no geometry at all)."""
    table = staged.source
    bbox = tuple(area.bounds) if area is not None else None
    if table.geometry is not None:
        geoms, epsg = _from_file(staged, options, bbox)
    else:
        found = _from_columns(staged, options, bbox)
        if found is None:
            return
        geoms, epsg = found
    staged.source_geographic = geo_crs.is_geographic(epsg)
    try:
        moved = coords.to_storage(geoms, epsg, from_gcj02=options.from_gcj02)
    except ValidationError as error:
        staged.file_problem("geometry", str(error))
        return
    if options.from_gcj02:
        staged.crs_text += "; converted from GCJ-02 (AMap/Gaode)"
    _check(staged, moved, options, area)


def _from_file(staged: Staged, options: MappingOptions,
               bbox: tuple[float, ...] | None) -> tuple[np.ndarray, int]:
    table = staged.source
    geoms = np.asarray(table.geometry, dtype=object)
    if options.crs is not None:
        staged.crs_text = f"{geo_crs.describe_epsg(options.crs)} (chosen)"
        return geoms, options.crs
    if table.epsg is not None:
        staged.crs_text = table.crs_how
        return geoms, table.epsg
    first = _first_points(geoms)
    if not len(first):  # nothing to judge: each geometry's own problem is reported below
        staged.crs_text = f"no coordinates to judge ({table.crs_how})"
        return geoms, geo_crs.STORAGE_EPSG
    try:
        guess = coords.guess_crs(first[:, 0], first[:, 1], _bbox(bbox))
    except ValidationError as error:
        staged.file_problem("geometry", str(error))
        return np.full(len(geoms), None, dtype=object), geo_crs.STORAGE_EPSG
    staged.crs_text = f"{guess.how} — the file declares no CRS ({table.crs_how})"
    if guess.swapped:
        geoms = _swap(geoms)
    return geoms, guess.epsg


def _first_points(geoms: np.ndarray) -> np.ndarray:
    """The first vertex of up to 5000 geometries with finite coordinates."""
    present = [g for g in geoms if g is not None and not g.is_empty]
    points = np.array([shapely.get_coordinates(g)[0] for g in present[:5000]]).reshape(-1, 2)
    return points[np.isfinite(points).all(axis=1)]


def _bbox(bbox: tuple[float, ...] | None) -> tuple[float, float, float, float] | None:
    return (bbox[0], bbox[1], bbox[2], bbox[3]) if bbox else None


def _swap(geoms: np.ndarray) -> np.ndarray:
    out = np.array(geoms, dtype=object)
    present = np.array([g is not None for g in out], dtype=bool)
    if present.any():
        out[present] = shapely.transform(out[present], lambda c: c[:, ::-1])
    return out


def _from_columns(staged: Staged, options: MappingOptions,
                  bbox: tuple[float, ...] | None) -> tuple[np.ndarray, int] | None:
    frame = staged.source.frame
    pairs = [(staged.source_column(a), staged.source_column(b)) for a, b in ROLE_PAIRS]
    usable = [(a, b) for a, b in pairs if a is not None and b is not None]
    if not usable:
        return None
    (xcol, ycol), *rest = usable
    if staged.layer.geometry_type not in ("POINT", "GEOMETRY"):
        staged.notes.append(f"{xcol}/{ycol} not used: {staged.layer.zh} are lines or areas, "
                            "so stored geometries are kept (a new row needs a geometry file)")
        return None
    if rest:
        staged.notes.append(f"coordinates from {xcol}/{ycol}; {rest[0][0]}/{rest[0][1]} not used")
    x, y = coords.parse_numbers(frame[xcol].to_numpy()), coords.parse_numbers(frame[ycol].to_numpy())
    staged.coordinate_columns = True
    for index in np.flatnonzero(~(np.isfinite(x) & np.isfinite(y))):
        bad = frame[xcol].iloc[index] if not np.isfinite(x[index]) else frame[ycol].iloc[index]
        staged.add(int(index), f"{xcol}/{ycol}", bad, "missing or unreadable coordinate "
                   "(write decimal degrees, 113°36'44\" or metres)")
    if options.crs is not None:
        staged.crs_text = f"{geo_crs.describe_epsg(options.crs)} (chosen)"
        return coords.points(x, y), options.crs
    try:
        guess = coords.guess_crs(x, y, _bbox(bbox))
    except ValidationError as error:
        staged.file_problem(f"{xcol}/{ycol}", str(error))
        return None
    staged.crs_text = f"{guess.how} (from the values of {xcol}/{ycol})"
    return (coords.points(y, x) if guess.swapped else coords.points(x, y)), guess.epsg


def _check(staged: Staged, geoms: np.ndarray, options: MappingOptions,
           area: BaseGeometry | None) -> None:
    layer = staged.layer
    issues = geometry_checks.geometry_issues(geoms, staged.source.unreadable)
    repairable = [i.index for i in issues if i.repairable]
    repaired, staged.repairs = geometry_checks.repair(geoms, repairable)  # the preview, always
    geoms = np.array(geoms, dtype=object)
    for issue in issues:
        if issue.repairable and options.make_valid:
            staged.add(issue.index, "geometry", "", f"{issue.reason}: repaired with make_valid",
                       severity="warning")
            geoms[issue.index] = repaired[issue.index]
            continue
        hint = ("; it can be repaired with make_valid (--make-valid, in the app: 修复无效几何) — "
                "check the area before and after first") if issue.repairable else ""
        staged.add(issue.index, "geometry", "", issue.reason + hint)
        geoms[issue.index] = None
    geoms, kind_issues = geometry_checks.fit_kind(geoms, layer.geometry_types or (layer.geometry_type,))
    for issue in kind_issues:
        staged.add(issue.index, "geometry", geoms[issue.index], issue.reason)
        geoms[issue.index] = None
    if area is not None:
        _outside(staged, geoms, area)
    elif staged.layer.name != "county":
        staged.notes.append("no county outline in the database yet: positions were not checked "
                            "against it (import the county first)")
    staged.geometry = geoms


def _outside(staged: Staged, geoms: np.ndarray, area: BaseGeometry) -> None:
    far = geometry_checks.outside(geoms, area)
    for index in np.flatnonzero(far):
        reason = "outside the county (wrong coordinates or coordinate system?)"
        if staged.coordinate_columns and staged.source_geographic:
            point = geoms[index]
            flipped = shapely.Point(point.y, point.x)
            if not geometry_checks.outside(np.array([flipped], dtype=object), area)[0]:
                reason = "longitude and latitude seem swapped in this row"
        staged.add(int(index), "geometry", f"{geoms[index].centroid.x:.6f}, "
                   f"{geoms[index].centroid.y:.6f}", reason)
        geoms[index] = None

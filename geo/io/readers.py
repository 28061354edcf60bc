"""Read a file handed over by another bureau into a :class:`SourceTable`: raw attribute values under
the file's own column names, and geometries in the file's own CRS — nothing mapped yet.

    with open_source(path, "roads.zip") as source:   # checks, then unpacks into a private folder
        table = source.read(source.tables[0])

Formats (told by content, see :mod:`geo.io.sniff`): a zipped shapefile (exactly one .shp with its
.dbf and .shx, unless a table is named), a GeoPackage, GeoJSON (read in Python: GDAL never sees
it), CSV and .xlsx (:mod:`geo.io.sheets`). Text encodings come from :mod:`geo.io.encoding`. The
private folder is removed when the ``with`` block ends, whatever happened inside it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo import crs as geo_crs
from geo.io import archive, sheets, sniff
from geo.io.archive import BrokenFileError, Limits, UnsafeFileError
from geo.io.dbf import text_values
from geo.io.encoding import Decision, decide, decode_bytes

SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
ALLOWED_DRIVERS = {sniff.SHAPEFILE_ZIP: "ESRI Shapefile", sniff.GEOPACKAGE: "GPKG"}


@dataclass
class SourceTable:
    """One table of a file, as the file holds it."""

    name: str
    fmt: str
    frame: pd.DataFrame  # attribute columns under the file's names, raw values
    row_numbers: np.ndarray  # row (spreadsheet, CSV line) or feature number, for reports
    geometry: np.ndarray | None = None  # shapely geometries (None where the row has none)
    unreadable: np.ndarray | None = None  # True where the file has a geometry GEOS cannot read
    epsg: int | None = None  # the CRS the file declares, None when it declares none
    crs_how: str = ""
    encoding: Decision | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Source:
    """A checked file whose tables can be read; see :func:`open_source`."""

    path: Path
    name: str
    fmt: str
    work: Path
    limits: Limits
    encoding: str | None = None  # the user's choice of text encoding, if any
    tables: list[str] = field(default_factory=list)
    _shapefiles: dict[str, dict[str, zipfile.ZipInfo]] = field(default_factory=dict)

    def read(self, table: str | None = None) -> SourceTable:
        chosen = self.choose(table)
        if self.fmt == sniff.SHAPEFILE_ZIP:
            return self._read_shapefile(chosen)
        if self.fmt == sniff.GEOPACKAGE:
            return _read_ogr(self.path, self.name, sniff.GEOPACKAGE, chosen, None)
        if self.fmt == sniff.GEOJSON:
            return read_geojson(self.path, self.name, self.encoding)
        if self.fmt == sniff.CSV:
            return _from_sheet(sheets.read_csv(self.path, self.name, self.encoding), sniff.CSV)
        return _from_sheet(sheets.read_sheet(self.path, self.name, chosen, self.limits), sniff.XLSX)

    def choose(self, table: str | None) -> str:
        if table is not None:
            if table not in self.tables:
                raise BrokenFileError(f"{self.name} has no table {table!r}; it has "
                                      f"{', '.join(self.tables) or 'none'}.")
            return table
        if len(self.tables) != 1:
            what = "shapefiles (.shp)" if self.fmt == sniff.SHAPEFILE_ZIP else "tables or sheets"
            if not self.tables:
                raise BrokenFileError(f"{self.name} holds no {what}; export the data again.")
            raise BrokenFileError(
                f"{self.name} holds {len(self.tables)} {what} ({', '.join(self.tables)}); "
                "choose one (--table NAME, in the app: 表) or import a file with one.")
        return self.tables[0]

    def _read_shapefile(self, stem: str) -> SourceTable:
        members = self._shapefiles[stem]
        folder = self.work / f"shp{len(list(self.work.iterdir()))}"
        folder.mkdir()
        # our own file names, never the zip's: nothing the zip says decides where bytes go
        parts = archive.extract(self.path, {f"layer{s}": i for s, i in members.items()},
                                folder, self.name, self.limits)
        by_suffix = {Path(k).suffix: p for k, p in parts.items()}
        sniff.check_shapefile_parts(by_suffix, self.name)
        declared = _cpg(by_suffix.get(".cpg"))
        decision = decide(text_values(by_suffix[".dbf"]), f"{self.name} ({stem}.dbf)",
                          declared=declared, chosen=self.encoding)
        table = _read_ogr(by_suffix[".shp"], self.name, sniff.SHAPEFILE_ZIP, stem,
                          decision.encoding)
        table.encoding = decision
        if ".prj" in by_suffix:
            table.epsg, table.crs_how = _prj_epsg(by_suffix[".prj"], self.name)
        else:
            table.epsg, table.crs_how = None, "no .prj in the zip"
        return table


@contextmanager
def open_source(path: Path, name: str | None = None, *, encoding: str | None = None,
                limits: Limits | None = None) -> Iterator[Source]:
    """Check the file at ``path`` (size, content, zip safety) and yield it for reading."""
    name = name or path.name
    limits = limits or Limits.from_settings()
    archive.check_size(path, name, limits)
    fmt = sniff.sniff(path, name)
    work = Path(tempfile.mkdtemp(prefix="tracker-import-"))
    try:
        source = Source(path, name, fmt, work, limits, encoding)
        _list_tables(source)
        yield source
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _list_tables(source: Source) -> None:
    if source.fmt == sniff.SHAPEFILE_ZIP:
        source._shapefiles = shapefile_members(source.path, source.name, source.limits)
        source.tables = list(source._shapefiles)
    elif source.fmt == sniff.GEOPACKAGE:
        source.tables = [str(row[0]) for row in _ogr(lambda: pyogrio.list_layers(source.path),
                                                    source.name)]
    elif source.fmt == sniff.XLSX:
        source.tables = sheets.workbook_sheets(source.path, source.name, source.limits)
    else:
        source.tables = [Path(source.name).stem]


def shapefile_members(path: Path, name: str, limits: Limits) -> dict[str, dict[str, zipfile.ZipInfo]]:
    """Per .shp in the zip (by its stem): its parts by suffix; .dbf and .shx must be there."""
    infos = [i for i in archive.zip_members(path, name, limits) if not i.is_dir()
             and not PurePosixPath(i.filename).name.startswith(".")
             and not i.filename.startswith("__MACOSX/")]
    by_stem: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in infos:
        label = PurePosixPath(archive.member_label(info))
        if label.suffix.lower() in SHAPEFILE_PARTS:
            key = str(label.with_suffix(""))
            by_stem.setdefault(key.lower(), {})[label.suffix.lower()] = info
    shapes = {stem: parts for stem, parts in by_stem.items() if ".shp" in parts}
    if not shapes:
        raise BrokenFileError(f"{name} holds no .shp file; zip the shapefile (.shp, .shx, .dbf, "
                              ".prj) itself and import that zip.")
    named = {}
    for parts in shapes.values():
        stem = PurePosixPath(archive.member_label(parts[".shp"])).stem
        for needed in (".dbf", ".shx"):
            if needed not in parts:
                raise BrokenFileError(f"{name}: {stem}.shp has no {needed} file beside it; zip "
                                      f"all the parts of the shapefile together.")
        named[stem] = parts
    return named


def _cpg(path: Path | None) -> str | None:
    if path is None:
        return None
    text = path.read_bytes()[:64].decode("ascii", errors="ignore").strip()
    return text or None


def _prj_epsg(path: Path, name: str) -> tuple[int | None, str]:
    text = path.read_bytes()[:65536].decode("utf-8", errors="replace")
    try:
        epsg = geo_crs.epsg_from_wkt(text)
    except geo_crs.CRSError as error:
        return None, f"{error} (the .prj of {name}); coordinates judged by their values"
    return epsg, f"{geo_crs.describe_epsg(epsg)} (.prj)"


def _ogr(action: Any, name: str) -> Any:
    try:
        return action()
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldTypeError, pyogrio.errors.GeometryError, OSError):
        raise BrokenFileError(f"{name} cannot be read (damaged or incomplete); export it "
                              "again.") from None


def _read_ogr(path: Path, name: str, fmt: str, layer: str, encoding: str | None) -> SourceTable:
    """A shapefile or GeoPackage layer through GDAL (VRT drivers skipped, driver checked)."""
    if "OGR_VRT" in pyogrio.list_drivers():  # pyogrio was imported before geo set GDAL_SKIP
        raise UnsafeFileError("GDAL's VRT driver is active in this process, so imports are "
                              "refused; start the tracker without importing GDAL first.")
    info = _ogr(lambda: pyogrio.read_info(path, layer=None if fmt == sniff.SHAPEFILE_ZIP
                                          else layer, encoding=encoding), name)
    if info.get("driver") != ALLOWED_DRIVERS[fmt]:
        raise UnsafeFileError(f"{name} was opened by GDAL's {info.get('driver')} driver, not "
                              f"{ALLOWED_DRIVERS[fmt]}; it is not imported.")
    meta, _fids, wkb, values = _ogr(lambda: pyogrio.raw.read(
        path, layer=None if fmt == sniff.SHAPEFILE_ZIP else layer, encoding=encoding), name)
    frame = pd.DataFrame({str(col): pd.Series(vals, dtype=object)
                          for col, vals in zip(meta["fields"], values, strict=True)})
    count = len(frame) if len(meta["fields"]) else (len(wkb) if wkb is not None else 0)
    frame = frame if len(meta["fields"]) else pd.DataFrame(index=range(count))
    table = SourceTable(layer, fmt, frame, np.arange(1, count + 1))
    if wkb is not None and meta.get("geometry_type"):
        table.geometry, table.unreadable = parse_wkb(wkb)
    if fmt == sniff.GEOPACKAGE:
        table.epsg, table.crs_how = _meta_epsg(meta.get("crs"), name)
        table.encoding = Decision("UTF-8", "UTF-8 (GeoPackage)")
    return table


def parse_wkb(wkb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geometries, and where GEOS could not read one (e.g. a line of a single point)."""
    raw = np.asarray(wkb, dtype=object)
    present = np.array([v is not None for v in raw], dtype=bool)
    geoms = np.full(len(raw), None, dtype=object)
    if present.any():
        geoms[present] = shapely.from_wkb(raw[present], on_invalid="ignore")
    unreadable = present & np.array([g is None for g in geoms], dtype=bool)
    return geoms, unreadable


def _meta_epsg(text: str | None, name: str) -> tuple[int | None, str]:
    if not text:
        return None, f"{name} declares no CRS"
    if text.upper().startswith("EPSG:") and text[5:].isdigit():
        return int(text[5:]), f"{geo_crs.describe_epsg(int(text[5:]))} (declared in the file)"
    try:
        epsg = geo_crs.epsg_from_wkt(text)
    except geo_crs.CRSError as error:
        return None, f"{error}; coordinates judged by their values"
    return epsg, f"{geo_crs.describe_epsg(epsg)} (declared in the file)"


def _from_sheet(table: sheets.Table, fmt: str) -> SourceTable:
    return SourceTable(table.name, fmt, table.frame, table.row_numbers, encoding=table.encoding,
                       notes=table.notes)


# --- GeoJSON ------------------------------------------------------------------------------------

def read_geojson(path: Path, name: str, encoding: str | None) -> SourceTable:
    """GeoJSON in Python: its "crs" member is read, never followed (an old "link" CRS names a URL)."""
    text, decision = decode_bytes(path.read_bytes(), name, encoding)
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise BrokenFileError(f"{name} is not valid JSON (truncated or damaged); export it "
                              "again.") from None
    kind = data.get("type") if isinstance(data, dict) else None
    features = data.get("features") if kind == "FeatureCollection" else [data] if kind == "Feature" else None
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
        raise BrokenFileError(f"{name} is JSON but not a GeoJSON FeatureCollection; export the "
                              "layer as GeoJSON.")
    props = [f.get("properties") if isinstance(f.get("properties"), dict) else {} for f in features]
    frame = pd.DataFrame.from_records(props) if props else pd.DataFrame()
    frame = frame.astype(object) if len(frame.columns) else pd.DataFrame(index=range(len(features)))
    geoms_json = np.array([json.dumps(f["geometry"]) if isinstance(f.get("geometry"), dict) else None
                           for f in features], dtype=object)
    geometry, unreadable = _parse_geojson(geoms_json)
    epsg, how = _geojson_crs(data.get("crs"), name)
    return SourceTable(Path(name).stem, sniff.GEOJSON, frame, np.arange(1, len(features) + 1),
                       geometry, unreadable, epsg, how, decision)


def _parse_geojson(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    present = np.array([t is not None for t in texts], dtype=bool)
    geoms = np.full(len(texts), None, dtype=object)
    if present.any():  # a geometry GEOS cannot read becomes None, not an error for the file
        geoms[present] = shapely.from_geojson(texts[present], on_invalid="ignore")
    unreadable = present & np.array([g is None for g in geoms], dtype=bool)
    return geoms, unreadable


def _geojson_crs(member: Any, name: str) -> tuple[int | None, str]:
    if member is None:
        return None, "no crs member (RFC 7946: longitude/latitude)"
    props = member.get("properties", {}) if isinstance(member, dict) else {}
    text = str(props.get("name", "")) if member.get("type") == "name" else ""
    digits = text.rsplit(":", 1)[-1]
    if text.upper().startswith(("EPSG:", "URN:OGC:DEF:CRS:EPSG:")) and digits.isdigit():
        return int(digits), f"EPSG:{digits} (crs member of {name})"
    if "CRS84" in text.upper():
        return geo_crs.WGS84_EPSG, "OGC CRS84 (crs member)"
    return None, f"the crs member of {name} is not an EPSG name and was not followed"

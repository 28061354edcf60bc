"""Shapefile zips that open right in ArcGIS and QGIS.

Per layer and geometry family one .shp/.shx/.dbf/.prj/.cpg set, plus ``field_dictionary.csv``
(short field code → Chinese name → English → type → meaning and vocabulary) and ``README.txt``.
DBF limits handled here: field names ≤ 10 ASCII bytes, text ≤ 254 bytes in the chosen encoding
(cut on a character boundary and reported), characters the encoding cannot hold replaced by
``?`` (reported), real DBF dates (pyogrio writes a Date field from an Arrow date32 column; a
date-time becomes its CST date plus an HH:MM text field). Field widths fit the data: text and
integer fields are created as wide as their longest value (text in bytes of the encoding, at
least 1) through the Arrow field metadata GDAL reads (``GDAL:OGR:width``), and decimals are
written as Arrow decimal128 sized to the largest value with the field's own number of decimals
(``geo.io.model.dbf_decimals``).
"""

from __future__ import annotations

import csv
import io
import stat
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely

from geo import chinatime
from geo import crs as geo_crs
from geo.errors import ValidationError
from geo.io import cells
from geo.io.model import (
    DICTIONARY_HEADERS,
    ExportOptions,
    ExportSummary,
    LayerData,
    dictionary_rows,
    output_fields,
    output_frame,
    personal_text,
    split_by_family,
    time_code,
)

DBF_TEXT_BYTES = 254
DBF_NAME_BYTES = 10
SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
DICTIONARY = "field_dictionary.csv"
README = "README.txt"
FAMILY_TEXT = {"point": "点 Point", "line": "线 LineString", "polygon": "面 Polygon"}


def write_zip(layers: Sequence[LayerData], options: ExportOptions, target: Path,
              summary: ExportSummary) -> None:
    """Write all layers into one zip at ``target`` (a staging path: the caller renames it)."""
    with tempfile.TemporaryDirectory(prefix="shp-", dir=target.parent) as work:
        folder = Path(work)
        written: list[tuple[LayerData, str, str]] = []  # layer, file stem, family
        for layer in layers:
            for stem, family in _write_layer(layer, options, folder, summary):
                written.append((layer, stem, family))
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for _layer, stem, _family in written:
                for suffix in SIDECARS:
                    archive.writestr(_member(f"{stem}{suffix}"),
                                     (folder / f"{stem}{suffix}").read_bytes())
            archive.writestr(_member(DICTIONARY), dictionary_csv(layers, options))
            archive.writestr(_member(README),
                             readme_text(written, options, summary).encode("utf-8-sig"))


MEMBER_MODE = 0o644  # extracted readable by the people it is handed to (not 0600, not +x)


def _member(name: str) -> zipfile.ZipInfo:
    """A zip entry dated now (CST) whose extracted file gets ``MEMBER_MODE``: without it,
    ``writestr`` stores mode 0600 and the working files' modes follow the private umask."""
    info = zipfile.ZipInfo(name, date_time=chinatime.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | MEMBER_MODE) << 16
    return info


def _write_layer(layer: LayerData, options: ExportOptions, folder: Path,
                 summary: ExportSummary) -> list[tuple[str, str]]:
    check_field_names(layer, options.include_private)
    frame = output_frame(layer, "shp", options.include_private, "shp", options.epsg)
    lists = {s.shp for s in output_fields(layer, options.include_private) if s.kind == "codes"}
    fit_text(frame, layer.name, options.encoding, summary, lists)
    stems = []
    for stem, part in split_by_family(layer.name, frame):
        write_fitted(part, folder / f"{stem}.shp", options.encoding)
        summary.counts[stem] = len(part)
        stems.append((stem, _family(part)))
    return stems


WIDTH_KEY = b"GDAL:OGR:width"  # Arrow field metadata GDAL takes as the new field's width


def write_fitted(part: gpd.GeoDataFrame, path: Path, encoding: str) -> None:
    """One shapefile whose text and integer fields are as wide as their data.

    Without a width GDAL makes every text field 80 bytes wide; its RESIZE=YES option shrinks
    them afterwards by rewriting the whole .dbf once per field (three times the time of the
    write itself), so the widths are given up front, in the Arrow fields' metadata.
    """
    widths = field_widths(part, encoding)
    attributes = pd.DataFrame(part.drop(columns=part.geometry.name))
    table = pa.Table.from_pandas(attributes, preserve_index=False)
    fields = []
    for field in table.schema:
        kind = pa.string() if pa.types.is_null(field.type) else field.type  # GDAL takes no null
        meta = {WIDTH_KEY: str(widths[field.name]).encode()} if field.name in widths else None
        fields.append(pa.field(field.name, kind, metadata=meta))
    columns = [column.cast(field.type) for column, field in zip(table.columns, fields, strict=True)]
    geometry, geometry_type = single_kind(part.geometry)
    table = pa.Table.from_arrays([*columns, pa.array(shapely.to_wkb(geometry), pa.binary())],
                                 schema=pa.schema([*fields, pa.field("geometry", pa.binary())]))
    pyogrio.write_arrow(table, path, driver="ESRI Shapefile", geometry_name="geometry",
                        geometry_type=geometry_type, crs=f"EPSG:{part.crs.to_epsg()}",
                        encoding=encoding)


def field_widths(frame: pd.DataFrame, encoding: str) -> dict[str, int]:
    """Text: the longest value in bytes of ``encoding`` (values already fit, see
    :func:`fit_text`); integers: the most characters of a value, sign included; at least 1."""
    widths = {}
    for column in frame.columns:
        values = frame[column]
        if column == frame.geometry.name:
            continue
        if values.dtype == object:
            sizes = [len(v) if v.isascii() else len(v.encode(encoding))
                     for v in values if isinstance(v, str)]
            widths[column] = max(sizes, default=1) or 1
        elif pd.api.types.is_integer_dtype(values.dtype):
            ends = [v for v in (values.min(), values.max()) if pd.notna(v)]
            widths[column] = max((len(str(int(v))) for v in ends), default=1)
    return widths


def single_kind(geometry: gpd.GeoSeries) -> tuple[np.ndarray, str]:
    """The geometries of one family as one type: singles become multis where both are present
    (a shapefile has one geometry type; a polygon file holds multipolygons anyway)."""
    values = np.asarray(geometry.values, dtype=object)
    kinds = set(shapely.get_type_id(values).tolist())
    single, multi = min(kinds), max(kinds)
    if single == multi:
        return values, SHAPE_NAMES[single]
    promote: dict[int, Callable[[list[Any]], Any]] = {
        0: shapely.multipoints, 1: shapely.multilinestrings, 3: shapely.multipolygons}
    singles = shapely.get_type_id(values) == single
    values = values.copy()
    values[singles] = [promote[single]([g]) for g in values[singles]]
    return values, SHAPE_NAMES[multi]


# shapely's type ids of the families a shapefile holds
SHAPE_NAMES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
               6: "MultiPolygon"}


def _family(part: gpd.GeoDataFrame) -> str:
    kind = str(part.geometry.iloc[0].geom_type)
    return "point" if "Point" in kind else "line" if "Line" in kind else "polygon"


def shp_field_names(layer: LayerData, include_private: bool) -> list[str]:
    """The DBF's field names in order: each field's code, and after a date-time its time field."""
    names = []
    for spec in output_fields(layer, include_private):
        names.append(spec.shp)
        if spec.kind == "datetime":
            names.append(time_code(spec))
    return names


def check_field_names(layer: LayerData, include_private: bool) -> None:
    """Short codes must be unique ASCII of at most 10 bytes: a cut name breaks the file."""
    names = shp_field_names(layer, include_private)
    bad = [n for n in names if not n.isascii() or not 0 < len(n.encode()) <= DBF_NAME_BYTES]
    if bad or len(set(n.lower() for n in names)) != len(names):
        raise ValidationError(
            f"layer {layer.name} has shapefile field codes that are not unique ASCII names of at "
            f"most 10 bytes ({', '.join(bad) or 'duplicates'}); fix the layer's Field.shp codes."
        )


def fit_text(frame: pd.DataFrame, layer: str, encoding: str, summary: ExportSummary,
             lists: set[str] | None = None) -> None:
    """Make text fit the DBF in ``encoding``: replace what it cannot hold, cut at 254 bytes.

    Columns in ``lists`` hold codes joined by ';': they are cut after a whole code, so that no
    half code (which might be another village's code) is left at the end.
    """
    for column in frame.columns:
        if column == frame.geometry.name or frame[column].dtype != object:
            continue
        whole_codes = column in (lists or set())
        fitted = [fit_value(v, encoding, whole_codes) for v in frame[column]]
        frame[column] = pd.Series([f[0] for f in fitted], index=frame.index, dtype=object)
        replaced = sum(f[1] for f in fitted)
        cut = sum(f[2] for f in fitted)
        if replaced:
            summary.notes.append(
                f"{layer}.{column}: {replaced} value(s) had characters {encoding} cannot hold, "
                "written as '?' (export with UTF-8 to keep them)"
            )
        if cut:
            where = "after a whole code" if whole_codes else "on a character boundary"
            summary.notes.append(
                f"{layer}.{column}: {cut} value(s) longer than {DBF_TEXT_BYTES} bytes in "
                f"{encoding} were cut {where} (the GeoPackage keeps them whole)"
            )


def fit_value(value: object, encoding: str, whole_codes: bool = False) -> tuple[object, bool, bool]:
    """(value as the DBF will hold it, characters replaced?, cut?)."""
    if not isinstance(value, str):
        return value, False, False
    if len(value) <= DBF_TEXT_BYTES and value.isascii():
        return value, False, False  # the common case (codes, numbers as text): nothing to do
    data = value.encode(encoding, errors="replace")
    text = data.decode(encoding)
    replaced = text != value
    if len(data) <= DBF_TEXT_BYTES:
        return text, replaced, False
    # decoding with "ignore" drops a half multi-byte character at the cut
    kept = data[:DBF_TEXT_BYTES].decode(encoding, errors="ignore")
    ends_whole = text[len(kept):len(kept) + 1] == ";"
    if whole_codes and not ends_whole and ";" in kept:
        kept = kept[: kept.rfind(";")]
    return kept, replaced, True


def dictionary_csv(layers: Sequence[LayerData], options: ExportOptions) -> bytes:
    """The field dictionary, UTF-8 with BOM so that Excel shows the Chinese right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(DICTIONARY_HEADERS)
    writer.writerows(cells.csv_row(row) for row in dictionary_rows(layers, options.include_private))
    return buffer.getvalue().encode("utf-8-sig")


def readme_text(written: Sequence[tuple[LayerData, str, str]], options: ExportOptions,
                summary: ExportSummary) -> str:
    epsg = options.epsg
    crs_name = geo_crs.crs(epsg).name
    axes = ("X = 东坐标 easting, Y = 北坐标 northing (m)" if geo_crs.crs(epsg).is_projected
            else "X = 经度 longitude, Y = 纬度 latitude (°)")
    private = personal_text([la for la, _, _ in written], options.include_private)
    lines = [
        "舞阳县水毁修复与防返贫跟踪 — 数据导出 / Wuyang flood-recovery tracker — data export",
        "",
        f"导出时间 Exported at : {options.created.isoformat(timespec='seconds')}",
        f"导出人 Exported by   : {options.user}",
        f"坐标系 CRS           : EPSG:{epsg} {crs_name} ({geo_crs.EXPORT_EPSGS.get(epsg, '')})",
        f"坐标轴 Axes          : {axes}",
        f"编码 Encoding        : {options.encoding} (.cpg)",
        f"筛选 Filter          : {options.filter_text}",
        f"个人信息 Personal data: {private}",
        f"要素总数 Features    : {summary.total}",
        "",
        "文件 Files:",
    ]
    for layer, stem, family in written:
        lines.append(f"  {stem}.shp  {layer.zh} / {layer.en}  {FAMILY_TEXT[family]}  "
                     f"{summary.counts[stem]} 个要素 features")
    lines += ["", f"字段说明 Field dictionary: {DICTIONARY}", "",
              "附注 Notes:"]
    lines += [f"  - {note}" for note in summary.notes] or ["  - 无 none"]
    return "\r\n".join(lines) + "\r\n"

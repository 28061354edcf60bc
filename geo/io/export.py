"""Export layers for engineers: shapefile zips, GeoPackage, GeoJSON and an Excel ledger (台账).

Generic machinery: it takes GeoDataFrames (EPSG:4490, stored codes) plus field specs — any
objects with ``column, zh, en, shp, kind, vocab, private, meaning`` — and knows no layer.
``views.downloads`` reads the database and calls :func:`write_export` or :func:`export_bytes`.
Parts: ``geo.io.model`` (data model, value conversion), ``geo.io.shapefile`` (zip with field
dictionary and README), ``geo.io.vector`` (GeoPackage, GeoJSON), ``geo.io.xlsx`` (Excel ledger).

Every file is built in a temporary directory beside the target and renamed into place, so a
failed export leaves nothing half-written. The caller's ``log`` receives an :class:`ExportRecord`
(with the file's SHA-256) before the file is delivered; personal data never leaves unlogged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from geo import crs as geo_crs
from geo.errors import UnknownChoiceError, ValidationError
from geo.io.model import (
    ENCODINGS,
    FORMAT_LABELS,
    FORMATS,
    EmptyExportError,
    ExportOptions,
    ExportSummary,
    LayerData,
    personal_content,
    personal_fields,
)

__all__ = [
    "ENCODINGS", "FORMATS", "FORMAT_LABELS", "EmptyExportError", "ExportLogger", "ExportOptions",
    "ExportRecord", "ExportSummary", "LayerData", "check_out_path", "export_bytes", "parse_crs",
    "parse_encoding", "parse_format", "write_export",
]

# --- choices ---------------------------------------------------------------------------------

def parse_format(text: str) -> str:
    value = str(text).strip().lower().lstrip(".")
    value = {"shapefile": "shp", "zip": "shp", "json": "geojson", "excel": "xlsx"}.get(value, value)
    if value not in FORMATS:
        raise UnknownChoiceError("format", text, [f"{k} ({v})" for k, v in FORMAT_LABELS.items()])
    return value


def parse_encoding(text: str) -> str:
    value = str(text).strip().upper().replace("_", "-")
    value = {"UTF8": "UTF-8", "CP936": "GBK", "936": "GBK"}.get(value, value)
    if value not in ENCODINGS:
        raise UnknownChoiceError("encoding", text, list(ENCODINGS))
    return value


def parse_crs(text: str | int | None, fmt: str) -> int:
    """The export CRS; GeoJSON is always EPSG:4326 (RFC 7946), the others default to 4547."""
    if fmt == "geojson":
        if text not in (None, "") and _epsg_or_choice_error(text) != geo_crs.WGS84_EPSG:
            raise ValidationError(
                f"GeoJSON is always written in EPSG:{geo_crs.WGS84_EPSG} (RFC 7946); "
                "leave --crs out or choose the shapefile or GeoPackage format."
            )
        return geo_crs.WGS84_EPSG
    if text in (None, ""):
        return geo_crs.METRIC_EPSG
    return _epsg_or_choice_error(text)


def _epsg_or_choice_error(text: str | int) -> int:
    try:
        return geo_crs.parse_epsg(text)
    except geo_crs.CRSError:
        choices = [f"EPSG:{code} ({name})" for code, name in geo_crs.EXPORT_EPSGS.items()]
        raise UnknownChoiceError("CRS", text, choices) from None


def check_out_path(out: str | Path, fmt: str) -> Path:
    """The output path, refused unless its folder exists and its extension fits the format."""
    path = Path(out).expanduser()
    if path.suffix.lower() != FORMATS[fmt]:
        raise ValidationError(
            f"the output file {str(out)!r} must end in {FORMATS[fmt]} for the {fmt} format; "
            "rename it or choose another --format."
        )
    if not path.parent.is_dir():
        raise ValidationError(
            f"the folder {str(path.parent)!r} does not exist; create it first or choose another --out."
        )
    if path.is_dir():
        raise ValidationError(f"{str(out)!r} is a folder; give a file name ending in {FORMATS[fmt]}.")
    return path


# --- writing ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportRecord:
    """What one export wrote, for the caller's log: who, when, which layers and personal data,
    how many rows, the file's name and its SHA-256."""

    time: dt.datetime
    user: str
    layers: list[str]
    personal: list[str]  # personal_content(): empty when the file carries no personal data
    personal_fields: list[str]
    filter_text: str
    fmt: str
    crs: str
    encoding: str
    features: int
    file_name: str
    sha256: str


ExportLogger = Callable[[ExportRecord], None]


def write_export(layers: Sequence[LayerData], options: ExportOptions, out: str | Path,
                 log: ExportLogger | None = None) -> ExportSummary:
    """Write ``layers`` to ``out`` atomically. ``log`` is called with the finished file's record
    before it is moved into place (a failing log leaves no file); personal data needs a log."""
    fmt = parse_format(options.fmt)
    path = check_out_path(out, fmt)
    _check_not_empty(layers, options)
    _check_logged(layers, options, log)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=path.parent))
    try:
        staged = work / path.name
        summary = _write(layers, options, staged)
        summary.filename = path.name
        if log is not None:
            log(export_record(layers, options, summary, path.name, staged.read_bytes()))
        os.replace(staged, path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return summary


def export_bytes(layers: Sequence[LayerData], options: ExportOptions, basename: str = "export",
                 log: ExportLogger | None = None) -> tuple[str, bytes, ExportSummary]:
    """The export as (file name, bytes, summary) for a download button; logged like
    :func:`write_export` before the bytes are handed out."""
    fmt = parse_format(options.fmt)
    _check_not_empty(layers, options)
    _check_logged(layers, options, log)
    stamp = options.created.strftime("%Y%m%d-%H%M")
    filename = f"{basename}-{stamp}{FORMATS[fmt]}"
    with tempfile.TemporaryDirectory(prefix="export-") as work:
        staged = Path(work) / filename
        summary = _write(layers, options, staged)
        data = staged.read_bytes()
    if log is not None:
        log(export_record(layers, options, summary, filename, data))
    return filename, data, summary


def _check_logged(layers: Sequence[LayerData], options: ExportOptions,
                  log: ExportLogger | None) -> None:
    if log is None and personal_content(layers, options.include_private):
        raise ValidationError(
            "this export carries personal data, which may leave only through a logged export; "
            "export it from the app or the tracker command."
        )


def export_record(layers: Sequence[LayerData], options: ExportOptions, summary: ExportSummary,
                  file_name: str, data: bytes) -> ExportRecord:
    written = [la for la in layers if len(la.frame)]
    return ExportRecord(
        time=options.created, user=options.user, layers=[la.name for la in written],
        personal=personal_content(written, options.include_private),
        personal_fields=sorted({f.column for la in written
                                for f in personal_fields(la, options.include_private)}
                               | ({"geom"} if any(la.locates_people for la in written) else set())),
        filter_text=options.filter_text, fmt=options.fmt, crs=f"EPSG:{options.epsg}",
        encoding=options.encoding, features=summary.total, file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _check_not_empty(layers: Sequence[LayerData], options: ExportOptions) -> None:
    if not layers or all(len(la.frame) == 0 for la in layers):
        raise EmptyExportError(
            f"no feature matches the filter ({options.filter_text}); widen the filter and export again."
        )


def _write(layers: Sequence[LayerData], options: ExportOptions, staged: Path) -> ExportSummary:
    # Imported here: each writer pulls in its own libraries (pyogrio, openpyxl).
    from geo.io import shapefile, vector, xlsx

    chosen = [la for la in layers if len(la.frame)]
    summary = ExportSummary(staged.name, options.fmt, options.epsg, options.encoding)
    summary.notes += list(options.notes)
    summary.notes += [f"{la.name} ({la.zh}): 没有要素符合筛选 no feature matched the filter; "
                      "not in this export" for la in layers if not len(la.frame)]
    if options.fmt == "shp":
        shapefile.write_zip(chosen, options, staged, summary)
    elif options.fmt == "xlsx":
        xlsx.write_ledger(chosen, options, staged, summary)
    elif options.fmt == "gpkg":
        vector.write_geopackage(chosen, options, staged, summary)
    else:
        vector.write_geojson(chosen, options, staged, summary)
    return summary

"""Export layers for engineers: shapefile zips, GeoPackage, GeoJSON and an Excel ledger (台账).

Generic machinery: it takes GeoDataFrames (EPSG:4490, stored codes) plus field specs — any
objects with ``column, zh, en, shp, kind, vocab, private, meaning, decimals`` — and knows
no layer.
``views.downloads`` reads the database and calls :func:`write_export` or :func:`export_bytes`.
Parts: ``geo.io.model`` (data model, value conversion), ``geo.io.shapefile`` (zip with field
dictionary and README), ``geo.io.vector`` (GeoPackage, GeoJSON), ``geo.io.xlsx`` (Excel ledger).

Every file is built in a private temporary folder (``geo.io.staging``, mode 0700), removed
however the export ends (what a ``kill -9`` leaves is swept by the next export), and moved into
place atomically: a failed or killed export leaves nothing half-written beside the target, and an
existing file is replaced only when asked. The caller's ``log`` receives an :class:`ExportRecord`
(with the file's SHA-256) after the file is built and before it is delivered, so no file leaves
unlogged; a file with personal data is readable by its owner only (mode 0600).
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from geo import crs as geo_crs
from geo.errors import StorageError, UnknownChoiceError, ValidationError
from geo.faults import os_error
from geo.io import staging
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
    "ENCODINGS", "FORMATS", "FORMAT_LABELS", "EmptyExportError", "ExportOptions", "ExportSummary",
    "LayerData", "check_out_path", "export_bytes", "parse_crs", "parse_encoding", "parse_format",
    "write_export",
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


def check_out_path(out: str | Path, fmt: str, *, overwrite: bool = True) -> Path:
    """The output path, refused (one sentence) unless its extension fits the format, its folder
    exists and takes new files, and — without ``overwrite`` — nothing is there yet."""
    try:
        path = Path(out).expanduser()
    except RuntimeError:  # ~user/… of a user who does not exist
        raise ValidationError(
            f"{str(out).split('/')[0]!r} is not a known user's home folder; write the folder "
            "out in full in --out.") from None
    if path.suffix.lower() != FORMATS[fmt]:
        raise ValidationError(
            f"the output file {str(out)!r} must end in {FORMATS[fmt]} for the {fmt} format; "
            "rename it or choose another --format."
        )
    try:
        exists, is_dir, folder_ok = path.exists(), path.is_dir(), path.parent.is_dir()
    except OSError as error:  # e.g. a name longer than the file system allows
        raise os_error(error, out, "write") from None
    if not folder_ok:
        raise ValidationError(
            f"the folder {str(path.parent)!r} does not exist; create it first or choose another --out."
        )
    if is_dir:
        raise ValidationError(f"{str(out)!r} is a folder; give a file name ending in {FORMATS[fmt]}.")
    if exists and not overwrite:
        raise staging.exists_error(out)
    _check_writable(path.parent)
    return path


def _check_writable(folder: Path) -> None:
    """Create and remove a file in ``folder``: /proc, /sys, a read-only or foreign folder fail
    here, before anything is read or written, with the system's own reason."""
    probe = folder / f".tracker-probe-{os.getpid()}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except FileExistsError:
        return  # another export of this process is probing: the folder takes files
    except OSError as error:
        raise os_error(error, folder, "create files in", "choose another --out") from None


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


def write_export(layers: Sequence[LayerData], options: ExportOptions, out: str | Path, *,
                 log: ExportLogger | None = None, overwrite: bool = False) -> ExportSummary:
    """Write ``layers`` to ``out`` atomically; an existing file is replaced only with ``overwrite``.

    ``log`` is called with the finished file's record before it is moved into place (a failing
    log leaves no file); personal data needs a log.
    """
    fmt = parse_format(options.fmt)
    path = check_out_path(out, fmt, overwrite=overwrite)
    _check_not_empty(layers, options)
    _check_logged(layers, options, log)
    private = bool(personal_content(layers, options.include_private))
    # the process's temporary files (openpyxl streams each sheet through one) go into the
    # private run folder too: nothing of the export is ever written outside it or the target
    with staging.run_folder(capture_temp=True) as work:
        staged = work / path.name
        try:
            summary = _write(layers, options, staged)
        except Exception as error:
            raise writer_failure(error, work) from None
        summary.filename = path.name
        if log is not None:
            log(export_record(layers, options, summary, path.name, staged.read_bytes()))
        try:
            staging.publish(staged, path, overwrite=overwrite, private=private)
        except OSError as error:
            raise os_error(error, path, "write", "nothing was written") from None
    summary.personal_data = private
    return summary


def writer_failure(error: Exception, work: Path) -> Exception:
    """A writer's failure (an OSError, or a GDAL error raised by pyogrio) as one sentence about
    the temporary folder it was writing in; any other error is returned unchanged (a bug)."""
    note = "nothing was written; set TMPDIR to a folder on a disk with more room"
    if isinstance(error, OSError):
        return os_error(error, work.parent, "write temporary files in", note)
    if not type(error).__module__.startswith("pyogrio"):
        return error
    text = str(error)
    full = ("No space left" in text or "disk is full" in text
            or shutil.disk_usage(work).free < LOW_SPACE)
    if full:
        return os_error(OSError(errno.ENOSPC, "No space left on device"), work.parent,
                        "write temporary files in", note)
    return StorageError(f"GDAL could not write the export ({text.splitlines()[0]}); nothing was "
                        f"written; check the free space and permissions of {str(work.parent)!r}.")


LOW_SPACE = 1 << 20  # bytes: below this a writer's vague failure is taken for a full disk


def export_bytes(layers: Sequence[LayerData], options: ExportOptions, basename: str = "export",
                 log: ExportLogger | None = None) -> tuple[str, bytes, ExportSummary]:
    """The export as (file name, bytes, summary) for a download button; logged like
    :func:`write_export` before the bytes are handed out."""
    fmt = parse_format(options.fmt)
    _check_not_empty(layers, options)
    _check_logged(layers, options, log)
    stamp = options.created.strftime("%Y%m%d-%H%M")
    filename = f"{basename}-{stamp}{FORMATS[fmt]}"
    with staging.run_folder() as work:
        staged = work / filename
        summary = _write(layers, options, staged)
        data = staged.read_bytes()
    if log is not None:
        log(export_record(layers, options, summary, filename, data))
    summary.personal_data = bool(personal_content(layers, options.include_private))
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

"""Export the tracker's layers: the CLI (``tracker export``) and the export page call this.

Reads features through the one ``Filter`` the map uses (layers, statuses, townships, villages, and
the ranking's tiers 重点/一般, 应急/长远, monitored households, carried as the exact feature ids
the map shows) and hands them to the generic writers in ``geo.io.export``.

Pages build an :class:`ExportRequest` and call :func:`export_bytes` for a download button
(``st.download_button(data=..., file_name=...)``); the CLI calls :func:`export_to_file`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from geo.db.engine import Bind, connection
from geo.io import export as geo_export
from geo.io.export import ExportOptions, ExportSummary, LayerData
from geo.settings import get_settings
from layers import REGISTRY
from layers.filter import Filter, check_statuses_apply
from layers.places import township_choices
from layers.store import read_filtered
from layers.vocabularies import STATUS
from views.selection import select


def describe_filter(bind: Bind, chosen: Filter) -> str:
    """The filter in words (Chinese, with codes), for README.txt and the export log."""
    parts = []
    if chosen.statuses:
        labels = ", ".join(f"{STATUS.label(c)} ({c})" for c in chosen.statuses)
        parts.append(f"状态 status: {labels} (修复类图层 repairable layers only)")
    if chosen.townships:
        names = dict(township_choices(bind))
        towns = ", ".join(f"{names.get(c, c)} ({c})" for c in chosen.townships)
        parts.append(f"乡镇 township: {towns}")
    if chosen.villages:
        parts.append(f"行政村 village: {', '.join(chosen.villages)}")
    if chosen.ids:
        counts = ", ".join(f"{REGISTRY.get(n).zh} {n} {len(i)}" for n, i in chosen.ids)
        parts.append(f"地图当前显示的要素 the features the map showed: {counts}")
    return "; ".join(parts) or "无 none (全部要素 all features)"


def collect(bind: Bind, chosen: Filter, include_private: bool = False) -> list[LayerData]:
    """Read the chosen layers through the same filter the map uses."""
    return [LayerData(layer.name, layer.zh, layer.en, layer.fields,
                      read_filtered(bind, layer, chosen, include_private=include_private))
            for layer in chosen.export_layers()]


@dataclass(frozen=True)
class ExportRequest:
    """What to write: the features of ``filter`` (its tiers already turned into ids by the caller,
    see ``Filter.with_ids``) in a format, CRS and encoding, checked by :func:`prepare`."""

    filter: Filter = field(default_factory=Filter)
    fmt: str = "shp"
    crs: str | int | None = None  # None: EPSG:4547 (GeoJSON: always 4326)
    encoding: str = "UTF-8"
    include_private: bool = False
    user: str | None = None  # None: the TRACKER_USER / login name


def prepare(bind: Bind, request: ExportRequest) -> tuple[list[LayerData], ExportOptions]:
    """Check every choice before reading anything, then read the features."""
    fmt = geo_export.parse_format(request.fmt)
    encoding = geo_export.parse_encoding(request.encoding)
    epsg = geo_export.parse_crs(request.crs, fmt)
    chosen = request.filter
    check_statuses_apply(chosen, chosen.export_layers())
    if chosen.needs_queue and not chosen.ids:  # the tiers come from the ranked queue
        chosen = chosen.with_ids(select(connection(bind), chosen, with_households=False).ids())
    options = ExportOptions(
        fmt=fmt, epsg=epsg, encoding=encoding, include_private=request.include_private,
        filter_text=describe_filter(bind, chosen), user=request.user or get_settings().user,
    )
    return collect(bind, chosen, request.include_private), options


def export_to_file(bind: Bind, request: ExportRequest, out: str | Path, *,
                   overwrite: bool = False) -> ExportSummary:
    """Write the export to ``out`` atomically (the zip/file appears whole or not at all); an
    existing ``out`` is replaced only with ``overwrite``."""
    # before any reading
    geo_export.check_out_path(out, geo_export.parse_format(request.fmt), overwrite=overwrite)
    data, options = prepare(bind, request)
    return geo_export.write_export(data, options, out, overwrite=overwrite)


def export_bytes(bind: Bind, request: ExportRequest) -> tuple[str, bytes, ExportSummary]:
    """(file name, bytes, summary) for a download button.

    Raises a TrackerError (one sentence) for a bad choice or a filter that matches nothing.
    """
    data, options = prepare(bind, request)
    basename = data[0].name if len(data) == 1 else "wuyang-export"
    return geo_export.export_bytes(data, options, basename)

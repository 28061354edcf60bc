"""Export the tracker's layers: the CLI (``tracker export``) and the export page call this.

Reads features with ``layers.store.read_layer`` (the same filters the map uses: layers, statuses,
townships, villages, and optionally the exact feature ids the map shows, which carry the filters
computed from the ranking: 重点/一般, 应急/长远, monitored households) and hands them to the
generic writers in ``geo.export``.

Pages build an :class:`ExportRequest` and call :func:`export_bytes` for a download button
(``st.download_button(data=..., file_name=...)``); the CLI calls :func:`export_to_file`.
Filters take Chinese labels or stored codes; a township by name or code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo import export as geo_export
from geo.errors import ValidationError
from geo.export import ExportOptions, ExportSummary, LayerData
from geo.settings import get_settings
from layers import REGISTRY
from layers.base import Layer
from layers.store import read_layer, township_choices, township_codes, village_codes
from layers.vocab import STATUS

Bind = sa.Connection | Session
ALL = "all"


@dataclass(frozen=True)
class ExportFilter:
    """Resolved filters: stored codes only. Empty means no filter."""

    statuses: tuple[str, ...] = ()
    townships: tuple[str, ...] = ()
    villages: tuple[str, ...] = ()
    ids: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # layer → the only ids wanted


def parse_layers(values: str | Sequence[str] | None) -> list[Layer]:
    """``"roads,households"``, a list of names or labels, or ``"all"``/None for every layer."""
    items = _items(values)
    if not items or ALL in items:
        return list(REGISTRY)
    chosen: list[Layer] = []
    for item in items:
        layer = REGISTRY.get(item)  # unknown → UnknownChoiceError listing the layers
        if layer not in chosen:
            chosen.append(layer)
    return chosen


def resolve_filter(bind: Bind, layers: Sequence[Layer], *,
                   statuses: str | Sequence[str] | None = None,
                   townships: str | Sequence[str] | None = None,
                   villages: str | Sequence[str] | None = None,
                   ids: Mapping[str, Sequence[int]] | None = None) -> ExportFilter:
    """Labels or codes → codes; an unknown value is an error listing the choices."""
    conn = _conn(bind)
    # a layer name or label → its name; an unknown layer is an error listing the layers
    id_sets = {REGISTRY.get(name).name: tuple(int(i) for i in wanted) for name, wanted in (ids or {}).items()}
    status_codes = tuple(STATUS.codes_for(_items(statuses)))
    if status_codes and not any(layer.repairable for layer in layers):
        names = ", ".join(layer.name for layer in layers)
        raise ValidationError(
            f"{names} carry no repair status; leave the status filter out or add a repairable layer."
        )
    town_items, village_items = _items(townships), _items(villages)
    return ExportFilter(
        statuses=status_codes,
        townships=tuple(township_codes(conn, town_items)) if town_items else (),
        villages=tuple(village_codes(conn, village_items)) if village_items else (),
        ids=id_sets,
    )


def describe_filter(bind: Bind, chosen: ExportFilter) -> str:
    """The filter in words (Chinese, with codes), for README.txt and the export log."""
    parts = []
    if chosen.statuses:
        labels = ", ".join(f"{STATUS.label(c)} ({c})" for c in chosen.statuses)
        parts.append(f"状态 status: {labels} (修复类图层 repairable layers only)")
    if chosen.townships:
        names = dict(township_choices(_conn(bind)))
        towns = ", ".join(f"{names.get(c, c)} ({c})" for c in chosen.townships)
        parts.append(f"乡镇 township: {towns}")
    if chosen.villages:
        parts.append(f"行政村 village: {', '.join(chosen.villages)}")
    if chosen.ids:
        counts = ", ".join(f"{REGISTRY.get(n).zh} {n} {len(i)}" for n, i in chosen.ids.items())
        parts.append(f"地图当前显示的要素 the features the map showed: {counts}")
    return "; ".join(parts) or "无 none (全部要素 all features)"


def collect(bind: Bind, layers: Sequence[Layer], chosen: ExportFilter,
            include_private: bool = False) -> list[LayerData]:
    """Read the chosen layers through the same filters the map uses."""
    conn = _conn(bind)
    out = []
    for layer in layers:
        frame = read_layer(
            conn, layer,
            statuses=list(chosen.statuses) or None,
            townships=list(chosen.townships) or None,
            villages=list(chosen.villages) or None,
            include_private=include_private,
            ids=chosen.ids.get(layer.name),  # a layer without an entry is not limited by id
        )
        out.append(LayerData(layer.name, layer.zh, layer.en, layer.fields, frame))
    return out


@dataclass(frozen=True)
class ExportRequest:
    """What the user asked for, as typed (labels or codes); checked by :func:`prepare`."""

    layers: str | Sequence[str] | None = None  # None or "all": every layer
    statuses: str | Sequence[str] | None = None
    townships: str | Sequence[str] | None = None
    villages: str | Sequence[str] | None = None
    fmt: str = "shp"
    crs: str | int | None = None  # None: EPSG:4547 (GeoJSON: always 4326)
    encoding: str = "UTF-8"
    include_private: bool = False
    user: str | None = None  # None: the TRACKER_USER / login name
    # layer name → the only feature ids to export (e.g. the set the map shows after the ranking's
    # tier filters); layers missing from the mapping are not limited by id; None: no id filter
    ids: Mapping[str, Sequence[int]] | None = None


def prepare(bind: Bind, request: ExportRequest) -> tuple[list[LayerData], ExportOptions]:
    """Check every choice before reading anything, then read the features."""
    chosen_layers = parse_layers(request.layers)
    fmt = geo_export.parse_format(request.fmt)
    encoding = geo_export.parse_encoding(request.encoding)
    epsg = geo_export.parse_crs(request.crs, fmt)
    chosen = resolve_filter(bind, chosen_layers, statuses=request.statuses,
                            townships=request.townships, villages=request.villages,
                            ids=request.ids)
    options = ExportOptions(
        fmt=fmt, epsg=epsg, encoding=encoding, include_private=request.include_private,
        filter_text=describe_filter(bind, chosen), user=request.user or get_settings().user,
    )
    return collect(bind, chosen_layers, chosen, request.include_private), options


def export_to_file(bind: Bind, request: ExportRequest, out: str | Path) -> ExportSummary:
    """Write the export to ``out`` atomically (the zip/file appears whole or not at all)."""
    geo_export.check_out_path(out, geo_export.parse_format(request.fmt))  # before any reading
    data, options = prepare(bind, request)
    return geo_export.write_export(data, options, out)


def export_bytes(bind: Bind, request: ExportRequest) -> tuple[str, bytes, ExportSummary]:
    """(file name, bytes, summary) for a download button.

    Raises a TrackerError (one sentence) for a bad choice or a filter that matches nothing.
    """
    data, options = prepare(bind, request)
    basename = data[0].name if len(data) == 1 else "wuyang-export"
    return geo_export.export_bytes(data, options, basename)


def _items(values: str | Sequence[str] | None) -> list[str]:
    if not values:
        return []
    raw = values.split(",") if isinstance(values, str) else [str(v) for v in values]
    return [v.strip() for v in raw if v.strip()]


def _conn(bind: Bind) -> sa.Connection:
    return bind.connection() if isinstance(bind, Session) else bind

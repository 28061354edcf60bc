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
from geo.errors import AccessDeniedError
from geo.io import export as geo_export
from geo.io.export import ExportOptions, ExportSummary, LayerData
from geo.settings import get_settings
from layers import REGISTRY
from layers.audit import ExportEntry, log_export
from layers.base import Layer
from layers.filter import Filter, check_statuses_apply
from layers.places import name_fields, township_choices, with_names
from layers.roles import Actor, Scope
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


def collect(bind: Bind, chosen: Filter, include_private: bool = False,
            layers: list[Layer] | None = None) -> list[LayerData]:
    """Read the chosen layers through the same filter the map uses, with the names of their
    townships and villages beside the codes."""
    return [LayerData(layer.name, layer.zh, layer.en, name_fields(layer),
                      with_names(bind, layer, read_filtered(bind, layer, chosen,
                                                            include_private=include_private)),
                      locates_people=layer.locates_people)
            for layer in (layers if layers is not None else chosen.export_layers())]


@dataclass(frozen=True)
class ExportRequest:
    """What to write: the features of ``filter`` (its tiers already turned into ids by the caller,
    see ``Filter.with_ids``) in a format, CRS and encoding, checked by :func:`prepare`.

    ``personal``: also the households' names, helpers and exact locations — a choice of its own,
    for a role that may (``Scope.may_export_personal``); ``include_private`` adds ID numbers,
    phones and incomes in full (county administrators only). ``actor``: who exports (the app's
    signed-in account, the command line's TRACKER_USER account); None = a terminal operator
    without an account, who may export only what is not personal.
    """

    filter: Filter = field(default_factory=Filter)
    fmt: str = "shp"
    crs: str | int | None = None  # None: EPSG:4547 (GeoJSON: always 4326)
    encoding: str = "UTF-8"
    include_private: bool = False
    personal: bool = False
    actor: Actor | None = None
    layers_named: bool = True  # False: the layers came from the map, not typed by the person


def prepare(bind: Bind, request: ExportRequest) -> tuple[list[LayerData], ExportOptions]:
    """Check every choice and right before reading anything, then read the features."""
    fmt = geo_export.parse_format(request.fmt)
    encoding = geo_export.parse_encoding(request.encoding)
    epsg = geo_export.parse_crs(request.crs, fmt)
    actor = request.actor
    chosen = actor.scope.restrict(request.filter) if actor else request.filter
    check_statuses_apply(chosen, chosen.export_layers())
    layers, notes = allowed_layers(chosen, request)
    if chosen.needs_queue and not chosen.ids:  # the tiers come from the ranked queue
        chosen = chosen.with_ids(select(connection(bind), chosen, with_households=False).ids())
    options = ExportOptions(
        fmt=fmt, epsg=epsg, encoding=encoding, include_private=request.include_private,
        filter_text=describe_filter(bind, chosen), notes=tuple(notes),
        user=actor.username if actor else get_settings().user,
    )
    return collect(bind, chosen, request.include_private, layers), options


def allowed_layers(chosen: Filter, request: ExportRequest) -> tuple[list[Layer], list[str]]:
    """The layers this request may write, and README notes on those left out.

    Personal layers go only into a personal export by a role that may; a layer asked for by name
    that may not go is refused with a sentence, one left out of "every layer" gets a note."""
    scope = request.actor.scope if request.actor else None
    wants_personal = request.personal or request.include_private
    if wants_personal and (scope is None or not scope.may_export_personal):
        raise AccessDeniedError("exporting households' names and locations needs an account whose "
                                "role allows it (县级管理员 or 乡镇); nothing was exported.")
    if request.include_private and (scope is None or not scope.may_export_private):
        raise AccessDeniedError("ID numbers, phones and incomes in full may be exported only by a "
                                "county administrator (县级管理员); nothing was exported.")
    named = bool(chosen.layers) and request.layers_named
    layers, notes = [], []
    for layer in chosen.export_layers():
        why = _left_out(layer, scope, wants_personal)
        if why is None:
            layers.append(layer)
        elif named:
            raise AccessDeniedError(f"{layer.zh} ({layer.name}): {why}")
        else:
            notes.append(f"{layer.name} ({layer.zh}): 未导出 left out — {why}")
    return layers, notes


def _left_out(layer: Layer, scope: Scope | None, wants_personal: bool) -> str | None:
    if scope is not None and not scope.exportable_layers([layer.name]):
        return "不属于本账号的图层 not one of this account's layers"
    if scope is not None and layer.personal and not scope.households_in_full:
        return "本账号只能查看农户数量 this account sees households only as counts"
    if layer.personal and not wants_personal:
        return ("含个人信息（姓名、精确位置），需单独选择“含个人信息”导出 holds personal data (names, "
                "exact locations); choose the personal export for it")
    return None


def _logger(bind: Bind, request: ExportRequest) -> geo_export.ExportLogger:
    """Every export is recorded in the database (export_log) before the file is handed out."""
    def log(record: geo_export.ExportRecord) -> None:
        log_export(bind, ExportEntry(
            username=record.user, layers=record.layers, filter_text=record.filter_text,
            fmt=record.fmt, crs=record.crs, personal=bool(record.personal),
            personal_fields=record.personal_fields,
            row_count=record.features, file_name=record.file_name, sha256=record.sha256))
    return log


def export_to_file(bind: Bind, request: ExportRequest, out: str | Path, *,
                   overwrite: bool = False) -> ExportSummary:
    """Write the export to ``out`` atomically (the zip/file appears whole or not at all); an
    existing ``out`` is replaced only with ``overwrite``.

    The export is logged in the caller's transaction: commit it (``engine.begin()``)."""
    # before any reading
    geo_export.check_out_path(out, geo_export.parse_format(request.fmt), overwrite=overwrite)
    data, options = prepare(bind, request)
    return geo_export.write_export(data, options, out, log=_logger(bind, request),
                                   overwrite=overwrite)


def export_bytes(bind: Bind, request: ExportRequest) -> tuple[str, bytes, ExportSummary]:
    """(file name, bytes, summary) for a download button, logged in the caller's transaction.

    Raises a TrackerError (one sentence) for a bad choice or a filter that matches nothing.
    """
    data, options = prepare(bind, request)
    basename = data[0].name if len(data) == 1 else "wuyang-export"
    return geo_export.export_bytes(data, options, basename, log=_logger(bind, request))

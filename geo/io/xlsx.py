"""The Excel ledger (台账): one sheet per layer, Chinese headers, a frozen header row, coordinates.

Coordinates: CGCS2000 lon/lat of the point itself, of the middle of a line (along its length), or
of a point inside a polygon; plus Gauss-Kruger X/Y when a projected CRS was chosen.
A last sheet 说明 records the export time, filter, CRS and notes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from shapely.geometry.base import BaseGeometry

from geo import crs as geo_crs
from geo.io import cells
from geo.io.model import ExportOptions, ExportSummary, LayerData, output_frame, personal_text

MAX_WIDTH = 48
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML (and so xlsx) cannot hold
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def write_ledger(layers: Sequence[LayerData], options: ExportOptions, target: Path,
                 summary: ExportSummary) -> None:
    # Write-only mode streams rows to disk: fast and small in memory for big ledgers.
    book = Workbook(write_only=True)
    try:
        for layer in layers:
            sheet = book.create_sheet(sheet_title(layer.zh))
            _fill_sheet(sheet, layer, options)
            summary.counts[layer.name] = len(layer.frame)
        _about_sheet(book.create_sheet("说明"), layers, options, summary)
        book.save(target)
    except BaseException:  # also an interrupt (Ctrl-C, or SIGTERM in the CLI)
        _abandon(book)
        raise


def _abandon(book: Workbook) -> None:
    """Close a failed book's sheet streams now, quietly: left to the garbage collector, each
    would print its own "Exception ignored" traceback after the one-sentence error."""
    for sheet in book.worksheets:
        for stream in (getattr(sheet, "_rows", None),
                       getattr(getattr(sheet, "_writer", None), "xf", None)):
            with contextlib.suppress(Exception):
                if stream is not None:
                    stream.close()


def sheet_title(label: str) -> str:
    return _BAD_SHEET_CHARS.sub("_", label)[:31] or "Sheet"


def _fill_sheet(sheet: Any, layer: LayerData, options: ExportOptions) -> None:
    frame = output_frame(layer, "xlsx", options.include_private, "zh", geo_crs.STORAGE_EPSG)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    table = frame[columns].astype(object).copy()
    anchors = gpd.GeoSeries(frame.geometry.map(anchor_point).values, crs=geo_crs.STORAGE_EPSG)
    table["经度(CGCS2000)"] = anchors.x.round(7).to_numpy()
    table["纬度(CGCS2000)"] = anchors.y.round(7).to_numpy()
    if geo_crs.crs(options.epsg).is_projected:
        metric = anchors.to_crs(options.epsg)
        table[f"X坐标(EPSG:{options.epsg})"] = metric.x.round(3).to_numpy()
        table[f"Y坐标(EPSG:{options.epsg})"] = metric.y.round(3).to_numpy()
    rows = [[cell_value(v) for v in row] for row in table.itertuples(index=False, name=None)]
    headers = [str(h) for h in table.columns]
    # A write-only sheet takes its layout before its rows.
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    for index, width in enumerate(column_widths(headers, rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([_header_cell(sheet, h) for h in headers])
    for row in rows:
        sheet.append([cells.xlsx_cell(sheet, v) for v in row])  # formulas stay text


def _header_cell(sheet: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="DDEBF7")
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return cell


def column_widths(headers: list[str], rows: list[list[Any]], sample: int = 500) -> list[float]:
    widths = [display_width(h) for h in headers]
    for row in rows[:sample]:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], display_width(value))
    return [min(w + 2, MAX_WIDTH) for w in widths]


def anchor_point(geometry: BaseGeometry) -> BaseGeometry:
    """Where a feature sits on a ledger: the point, the middle of a line, a point inside an area."""
    kind = geometry.geom_type
    if kind == "Point":
        return geometry
    if "Line" in kind:
        return geometry.interpolate(0.5, normalized=True)
    return geometry.representative_point()


def cell_value(value: object) -> Any:
    if value is None or value is __import__("pandas").NA:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()  # numpy scalar → Python
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)
    return value


def display_width(value: object) -> int:
    """Width in Excel character units: Chinese characters take two."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _about_sheet(sheet: Any, layers: Sequence[LayerData], options: ExportOptions,
                 summary: ExportSummary) -> None:
    rows: list[tuple[str, object]] = [
        ("导出时间 Exported at", options.created.isoformat(timespec="seconds")),
        ("导出人 Exported by", options.user),
        ("筛选 Filter", options.filter_text),
        ("坐标 Coordinates", "经纬度为 CGCS2000 (EPSG:4490); 线取中点, 面取内部点"),
        ("个人信息 Personal data", personal_text(layers, options.include_private)),
    ]
    rows += [(f"要素数 {name}", count) for name, count in summary.counts.items()]
    rows += [("附注 Note", note) for note in summary.notes]
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 60
    for key, value in rows:
        label = WriteOnlyCell(sheet, value=key)
        label.font = Font(bold=True)
        sheet.append([label, cells.xlsx_cell(sheet, value)])  # the filter and notes hold names

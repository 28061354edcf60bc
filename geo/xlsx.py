"""The Excel ledger (台账): one sheet per layer, Chinese headers, a frozen header row, coordinates.

Coordinates: CGCS2000 lon/lat of the point itself, of the middle of a line (along its length), or
of a point inside a polygon; plus Gauss-Kruger X/Y when a projected CRS was chosen.
A last sheet 说明 records the export time, filter, CRS and notes.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from shapely.geometry.base import BaseGeometry

from geo import crs as geo_crs
from geo.export_frame import ExportOptions, ExportSummary, LayerData, output_frame

MAX_WIDTH = 48
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML (and so xlsx) cannot hold
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def write_ledger(layers: Sequence[LayerData], options: ExportOptions, target: Path,
                 summary: ExportSummary) -> None:
    book = Workbook()
    first = book.active
    for layer in layers:
        sheet = book.create_sheet(sheet_title(layer.zh))
        _fill_sheet(sheet, layer, options)
        summary.counts[layer.name] = len(layer.frame)
    book.remove(first)  # type: ignore[arg-type]
    _about_sheet(book.create_sheet("说明"), options, summary)
    book.save(target)


def sheet_title(label: str) -> str:
    return _BAD_SHEET_CHARS.sub("_", label)[:31] or "Sheet"


def _fill_sheet(sheet: Worksheet, layer: LayerData, options: ExportOptions) -> None:
    frame = output_frame(layer, "xlsx", options.include_private, "zh", geo_crs.STORAGE_EPSG)
    anchors = frame.geometry.map(anchor_point)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    headers = [*columns, "经度(CGCS2000)", "纬度(CGCS2000)"]
    projected = geo_crs.crs(options.epsg).is_projected
    if projected:
        headers += [f"X坐标(EPSG:{options.epsg})", f"Y坐标(EPSG:{options.epsg})"]
        metric = gpd.GeoSeries(anchors.values, crs=geo_crs.STORAGE_EPSG).to_crs(options.epsg)
    sheet.append(headers)
    for i, (_, row) in enumerate(frame[columns].iterrows()):
        point = anchors.iloc[i]
        values: list[Any] = [cell_value(v) for v in row.tolist()]
        values += [round(point.x, 7), round(point.y, 7)]
        if projected:
            values += [round(metric.iloc[i].x, 3), round(metric.iloc[i].y, 3)]
        sheet.append(values)
    _format(sheet, headers)


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


def _format(sheet: Worksheet, headers: list[str]) -> None:
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"
    if sheet.max_row > 1:
        sheet.auto_filter.ref = sheet.dimensions
    widths = [display_width(h) for h in headers]
    for row in sheet.iter_rows(min_row=2):
        for index, cell in enumerate(row):
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            if index < len(widths) and index < 60 and row[0].row <= 500:  # sample for speed
                widths[index] = max(widths[index], display_width(cell.value))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)


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


def _about_sheet(sheet: Worksheet, options: ExportOptions, summary: ExportSummary) -> None:
    rows: list[tuple[str, object]] = [
        ("导出时间 Exported at", options.created.isoformat(timespec="seconds")),
        ("导出人 Exported by", options.user),
        ("筛选 Filter", options.filter_text),
        ("坐标 Coordinates", "经纬度为 CGCS2000 (EPSG:4490); 线取中点, 面取内部点"),
        ("个人信息 Personal data", "包含 included" if options.include_private else "不含 not included"),
    ]
    rows += [(f"要素数 {name}", count) for name, count in summary.counts.items()]
    rows += [("附注 Note", note) for note in summary.notes]
    for key, value in rows:
        sheet.append([key, value])
    for cell in sheet["A"]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 60

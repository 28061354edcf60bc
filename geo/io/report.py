"""A printable report — title, date, key figures, tables and a map picture — as a PDF (matplotlib,
offline, with a Chinese font) or an Excel workbook (openpyxl). Generic: it knows no layer.

Text from the database stays text: in Excel every string cell is typed as a string (never a
formula); in the PDF it is drawn as plain characters.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.io import cells
from geo.io.fonts import cjk_family
from geo.io.xlsx import cell_value, display_width, sheet_title

A4 = (8.27, 11.69)  # inches, portrait
ROWS_PER_PAGE = 32


@dataclass
class Section:
    heading: str
    table: pd.DataFrame
    note: str = ""


@dataclass
class Report:
    title: str
    subtitle: str  # date, scope, who made it
    figures: list[tuple[str, str]] = field(default_factory=list)  # key figures, label → value
    sections: list[Section] = field(default_factory=list)
    image_png: bytes | None = None
    image_caption: str = ""


# --- PDF --------------------------------------------------------------------------------------
def report_pdf(report: Report) -> bytes:
    """A4 pages: title, figures and the map, then each table (continued over pages)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    family = cjk_family()
    buffer = io.BytesIO()
    # Type 3 (glyph outlines): Noto CJK is CFF-flavoured OpenType, which Type 42 cannot embed
    with plt.rc_context({"font.family": [family], "pdf.fonttype": 3}), PdfPages(buffer) as pdf:
        pdf.savefig(_cover(plt, report))
        plt.close("all")
        for section in report.sections:
            for page in _table_pages(plt, report, section):
                pdf.savefig(page)
                plt.close(page)
        info = pdf.infodict()
        info["Title"] = report.title
    return buffer.getvalue()


def _cover(plt: Any, report: Report) -> Any:
    fig = plt.figure(figsize=A4)
    fig.text(0.5, 0.95, report.title, ha="center", va="top", fontsize=17, weight="bold")
    fig.text(0.5, 0.915, report.subtitle, ha="center", va="top", fontsize=9.5, color="#333333")
    y = 0.875
    for label, value in report.figures:
        fig.text(0.12, y, f"{label}：", fontsize=10.5, ha="left", va="top")
        fig.text(0.55, y, value, fontsize=10.5, ha="left", va="top", weight="bold")
        y -= 0.024
    if report.image_png:
        import matplotlib.image as mpimg

        picture = mpimg.imread(io.BytesIO(report.image_png), format="png")
        top = y - 0.01
        ax = fig.add_axes((0.08, 0.05, 0.84, max(top - 0.07, 0.2)))
        ax.imshow(picture)
        ax.set_axis_off()
        if report.image_caption:
            fig.text(0.5, 0.035, report.image_caption, ha="center", fontsize=8, color="#555555")
    return fig


def _table_pages(plt: Any, report: Report, section: Section) -> list[Any]:
    table = section.table
    chunks = [table.iloc[i:i + ROWS_PER_PAGE] for i in range(0, max(len(table), 1), ROWS_PER_PAGE)]
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        fig = plt.figure(figsize=A4)
        heading = section.heading + (f"（续 {number}）" if number > 1 else "")
        fig.text(0.06, 0.96, heading, fontsize=13, weight="bold", va="top")
        fig.text(0.94, 0.96, report.subtitle, fontsize=7, ha="right", va="top", color="#555555")
        if section.note and number == 1:
            fig.text(0.06, 0.935, section.note, fontsize=8, va="top", color="#444444", wrap=True)
        ax = fig.add_axes((0.05, 0.05, 0.9, 0.86))
        ax.set_axis_off()
        if chunk.empty:
            ax.text(0.0, 1.0, "无 none", va="top", fontsize=10)
        else:
            _draw_table(ax, chunk)
        pages.append(fig)
    return pages


def _draw_table(ax: Any, chunk: pd.DataFrame) -> None:
    cells = [[_text(v) for v in row] for row in chunk.itertuples(index=False)]
    columns = [str(c) for c in chunk.columns]
    widths = [max(display_width(c), *(display_width(r[i]) for r in cells), 4)
              for i, c in enumerate(columns)]
    total = sum(widths)
    drawn = ax.table(cellText=cells, colLabels=columns, loc="upper center",
                     colWidths=[w / total for w in widths], cellLoc="left")
    drawn.auto_set_font_size(False)
    drawn.set_fontsize(7.5 if len(columns) < 8 else 6.5)
    drawn.scale(1, 1.25)
    for (row, _col), cell in drawn.get_celld().items():
        if row == 0:
            cell.set_facecolor("#DDEBF7")
            cell.set_text_props(weight="bold")


def _text(value: object) -> str:
    value = cell_value(value)
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


# --- Excel ------------------------------------------------------------------------------------
def report_xlsx(report: Report) -> bytes:
    """One cover sheet (title, date, figures, the map picture), then one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    cover = book.active
    cover.title = "通报"
    _append(cover, [report.title])
    cover["A1"].font = Font(bold=True, size=15)
    _append(cover, [report.subtitle])
    cover.append([])
    for label, value in report.figures:
        _append(cover, [label, value])
    cover.column_dimensions["A"].width = 34
    cover.column_dimensions["B"].width = 24
    if report.image_png:
        _add_image(cover, report.image_png, f"A{len(report.figures) + 5}")
    for section in report.sections:
        sheet = book.create_sheet(sheet_title(section.heading))
        _append(sheet, [section.heading])
        sheet["A1"].font = Font(bold=True, size=12)
        if section.note:
            _append(sheet, [section.note])
        _append(sheet, [str(c) for c in section.table.columns])
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
        for row in section.table.itertuples(index=False):
            _append(sheet, list(row))
        _fit(sheet, section.table, header_row)
        cells.guard_sheet(sheet)  # text starting like a formula stays text, even after an edit
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append(sheet: Any, values: Sequence[object]) -> None:
    """Append a row; every string stays a string (text starting with = is not a formula)."""
    row = [cell_value(v) for v in values]
    sheet.append(row)
    for cell, value in zip(sheet[sheet.max_row], row, strict=False):
        if isinstance(value, str):
            cell.data_type = "s"


def _fit(sheet: Any, table: pd.DataFrame, header_row: int) -> None:
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(table.columns, start=1):
        values: Sequence[object] = [column, *table[column].tolist()[:300]]
        width = min(max(display_width(v) for v in values) + 2, 60)
        sheet.column_dimensions[get_column_letter(index)].width = width


def _add_image(sheet: Any, png: bytes, anchor: str) -> None:
    from openpyxl.drawing.image import Image

    picture = Image(io.BytesIO(png))
    scale = 640 / max(picture.width, 1)
    picture.width, picture.height = int(picture.width * scale), int(picture.height * scale)
    sheet.add_image(picture, anchor)

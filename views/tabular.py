"""Excel and CSV bytes of a page's table, every cell guarded against formula injection
(``geo.io.cells``: quote-prefixed text cells in Excel, a leading ' in CSV)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence

import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from geo.io import cells
from layers import REGISTRY
from layers.filter import Filter
from layers.vocabularies import STATUS
from views.i18n import t
from views.names import Names

MAX_WIDTH = 60  # characters; longer text wraps in its cell
WRAP_FROM = 40  # a column this wide or wider wraps (the reason), the others stay one line


def xlsx_bytes(frame: pd.DataFrame, sheet: str, title: Sequence[str] = ()) -> bytes:
    """The table as an Excel sheet: ``title`` lines first (what it is, when, which filters),
    then the header, frozen so it stays in sight, columns as wide as their text (a Chinese
    character counts two), long text wrapped."""
    buffer = io.BytesIO()
    name = sheet[:31]
    top = len(title) + 1 if title else 0  # the title, then an empty row, then the header
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=name, index=False, startrow=top)
        book = writer.sheets[name]
        for row, line in enumerate(title, start=1):
            book.cell(row=row, column=1, value=line).font = Font(bold=row == 1)
        book.freeze_panes = book.cell(row=top + 2, column=1)
        for column, header in enumerate(frame.columns, start=1):
            width = min(max([display_width(header)] + [display_width(v) for v in frame[header]]) + 2,
                        MAX_WIDTH)
            letter = get_column_letter(column)
            book.column_dimensions[letter].width = width
            if width >= WRAP_FROM:
                for cell in book[letter][top + 1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        cells.guard_sheet(book)
    return buffer.getvalue()


def display_width(value: object) -> int:
    """Columns ``value`` takes on a screen or in Excel: East Asian wide characters count two."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM so Excel on Chinese Windows opens it with the right encoding; CRLF rows
    (RFC 4180), so a value holding a lone CR is quoted and cannot split its row."""
    return cells.csv_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def filter_words(chosen: Filter, names: Names, lang: str, search: str = "") -> str:
    """The filters (and a search) in words in ``lang``, for a download's heading."""
    sep = "、" if lang == "zh" else ", "
    parts = []
    if chosen.layers:
        parts.append((t("f_layer", lang), [REGISTRY.get(n).label(lang) for n in chosen.layers]))
    if chosen.statuses:
        parts.append((t("f_status", lang), [STATUS.label(c, lang) for c in chosen.statuses]))
    if chosen.townships:
        parts.append((t("f_township", lang), [names.township(c) or c for c in chosen.townships]))
    if chosen.villages:
        parts.append((t("f_village", lang), [names.village(c) or c for c in chosen.villages]))
    tiers = {"重点": "imp_key", "一般": "imp_general", "应急": "urg_emergency", "长远": "urg_long"}
    if chosen.importance:
        parts.append((t("f_importance", lang), [t(tiers[v], lang) for v in chosen.importance]))
    if chosen.urgency:
        parts.append((t("f_urgency", lang), [t(tiers[v], lang) for v in chosen.urgency]))
    words = [f"{label}: {sep.join(values)}" for label, values in parts]
    if chosen.monitored_only:
        words.append(t("f_monitored", lang))
    if search:
        words.append(t("xlsx_search", lang, text=search))
    return "; ".join(words) or t("f_none", lang)

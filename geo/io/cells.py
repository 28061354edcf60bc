"""One guard against formula injection for every CSV and Excel file the tracker writes.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (also after a leading
tab or carriage return) as a formula: a road named ``=cmd|' /C calc'!A0`` would start a program
on the engineer's PC that opens the file. The guard depends on what the format can say:

- **CSV** has no cell types, so such text is written with a leading apostrophe (``'=cmd…``),
  which Excel and LibreOffice take as "this is text" (OWASP's advice). Numbers are left alone.
- **XLSX** has typed cells: such text is written as a text cell with Excel's quote-prefix style,
  so the value stays exactly as stored, shows as text, and stays text when the cell is edited.

Writers: ``views.tabular`` (the app's list downloads), ``geo.io.xlsx`` (the ledger),
``geo.io.shapefile`` (field_dictionary.csv), ``cli.rank`` (``tracker rank --format csv``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_text(value: object) -> object:
    """A CSV cell: formula-like text prefixed with ' so it is shown, never run."""
    return "'" + value if looks_like_formula(value) else value  # type: ignore[operator]


def csv_row(values: Iterable[object]) -> list[object]:
    return [csv_text(v) for v in values]


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are guarded for CSV."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(csv_text)
    return out


def xlsx_cell(sheet: Any, value: object) -> Any:
    """A value for a write-only sheet's row: formula-like text becomes a quote-prefixed text cell."""
    if not looks_like_formula(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def guard_sheet(sheet: Any) -> None:
    """Make every formula-like text of a (normal, not write-only) sheet a quote-prefixed text cell."""
    for row in sheet.iter_rows():
        for cell in row:
            if looks_like_formula(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True

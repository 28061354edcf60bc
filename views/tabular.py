"""Excel and CSV bytes of a page's table, every cell guarded against formula injection
(``geo.io.cells``: quote-prefixed text cells in Excel, a leading ' in CSV)."""

from __future__ import annotations

import io

import pandas as pd

from geo.io import cells


def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    name = sheet[:31]
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=name, index=False)
        cells.guard_sheet(writer.sheets[name])
    return buffer.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM so Excel on Chinese Windows opens it with the right encoding; CRLF rows
    (RFC 4180), so a value holding a lone CR is quoted and cannot split its row."""
    return cells.csv_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")

"""Excel and CSV bytes of a page's table, with every cell guarded against formula injection."""

from __future__ import annotations

import io

import pandas as pd

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _defuse(value: object) -> object:
    """Text starting like a formula is prefixed with ' so Excel shows it instead of running it."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def safe_cells(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_defuse)
    return out


def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe_cells(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM so Excel on Chinese Windows opens it with the right encoding."""
    return safe_cells(frame).to_csv(index=False).encode("utf-8-sig")

"""Spreadsheets (.xlsx) and CSV files as tables of raw values, with the header row found.

Above the header a bureau's sheet often has a title (merged across the columns) and a line like
"填报单位：… 日期：…": the header is the first of the top rows that fills most of the columns.
Refused, each with the cell named: a formula anywhere in the sheet (its value is whatever Excel
computed last; paste values instead), merged cells in or below the header (a merged 乡镇 cell
leaves every row but the first without its township), an empty sheet.

.xlsx is read with calamine (Rust; a 150,000-row household register in about two seconds), after
the zip checks of :mod:`geo.io.archive` and a scan of the sheet's XML, both with the bytes capped.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import python_calamine as calamine

from geo.io import archive
from geo.io.archive import BrokenFileError, Limits
from geo.io.encoding import Decision, decode_bytes

HEADER_SEARCH_ROWS = 20
_FORMULA = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*>\s*(?:<(?:\w+:)?v\b[^>]*/>\s*)?<(?:\w+:)?f\b')
_ANY_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_OVERLAP = 512
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


@dataclass
class Table:
    """Rows of raw values under their header names; ``row_numbers`` as the file counts them."""

    name: str
    frame: pd.DataFrame
    row_numbers: np.ndarray
    notes: list[str] = field(default_factory=list)
    encoding: Decision | None = None


# --- .xlsx --------------------------------------------------------------------------------------

def workbook_sheets(path: Path, name: str, limits: Limits) -> list[str]:
    archive.zip_members(path, name, limits)  # bombs, traversal, encryption: before calamine opens it
    with _workbook(path, name) as book:
        return [m.name for m in book.sheets_metadata
                if m.typ == calamine.SheetTypeEnum.WorkSheet]


@contextmanager
def _workbook(path: Path, name: str) -> Iterator[calamine.CalamineWorkbook]:
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # calamine raises CalamineError, ZipError, XmlError, PasswordError
        raise BrokenFileError(f"{name} is not a readable .xlsx workbook (damaged or "
                              "password-protected); save it again from Excel.") from None
    try:
        yield book
    finally:
        book.close()


def read_sheet(path: Path, name: str, sheet: str, limits: Limits) -> Table:
    members = {i.filename: i for i in archive.zip_members(path, name, limits)}
    xml_name = _sheet_member(path, name, sheet, members)
    _refuse_formulas(path, members[xml_name], name, sheet, limits)
    with _workbook(path, name) as book:
        try:
            data = book.get_sheet_by_name(sheet)
            rows = data.to_python(skip_empty_area=False)
        except Exception:
            raise BrokenFileError(f"sheet {sheet} of {name} cannot be read; save the workbook "
                                  "again from Excel.") from None
        merged = list(data.merged_cell_ranges or [])
    if not any(any(_filled(v) for v in row) for row in rows):
        raise BrokenFileError(f"sheet {sheet} of {name} is empty; choose the sheet that holds "
                              "the data or fill it.")
    header = find_header(rows)
    _refuse_merged(merged, header, name, sheet)
    table = _table(rows, header, sheet, first_row=1)
    if header:
        table.notes.append(f"{sheet}: rows 1-{header} above the header were skipped "
                           f"({_preview(rows[0])})")
    return table


def _sheet_member(path: Path, name: str, sheet: str,
                  members: dict[str, zipfile.ZipInfo]) -> str:
    """The XML member holding ``sheet``: workbook.xml names its relationship id, the rels file
    its target."""
    budget = 16 * archive.MB
    book = ET.fromstring(archive.read_member(path, members["xl/workbook.xml"], name, budget))
    rid = next((s.get(f"{{{_NS['r']}}}id") for s in book.iterfind("m:sheets/m:sheet", _NS)
                if s.get("name") == sheet), None)
    rels_info = members.get("xl/_rels/workbook.xml.rels")
    if rid is None or rels_info is None:
        raise BrokenFileError(f"{name} has no sheet named {sheet!r}.")
    rels = ET.fromstring(archive.read_member(path, rels_info, name, budget))
    target = next((r.get("Target", "") for r in rels.iterfind("p:Relationship", _NS)
                   if r.get("Id") == rid), "")
    member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    if member not in members:
        raise BrokenFileError(f"{name} is damaged: sheet {sheet} points at a missing part.")
    return member


def _refuse_formulas(path: Path, info: zipfile.ZipInfo, name: str, sheet: str,
                     limits: Limits) -> None:
    """Stream the sheet's XML (capped like every unpacked byte) looking for a <f> element."""
    tail, total = b"", 0
    try:
        with zipfile.ZipFile(path) as book, book.open(info) as stream:
            while chunk := stream.read(archive.CHUNK):
                total += len(chunk)
                if total > limits.max_unpacked_bytes:
                    raise archive.UnsafeFileError(
                        f"sheet {sheet} of {name} unpacks to more than "
                        f"{limits.max_unpacked_bytes / archive.MB:.0f} MB; nothing was imported.")
                window = tail + chunk
                if _ANY_FORMULA.search(window):
                    found = _FORMULA.search(window)
                    cell = found.group(1).decode() if found else "a cell"
                    raise BrokenFileError(
                        f"sheet {sheet} of {name} holds formulas (first in {cell}); copy the sheet "
                        "and paste values only (选择性粘贴 → 数值), then import again.")
                tail = window[-_OVERLAP:]
    except archive.ZIP_FAILURES:
        raise BrokenFileError(f"{name} is damaged (sheet {sheet} cannot be unpacked); save it "
                              "again from Excel.") from None


def _refuse_merged(merged: list[Any], header: int, name: str, sheet: str) -> None:
    for (r0, c0), (r1, c1) in merged:
        if r1 >= header:
            where = f"{_cell(r0, c0)}:{_cell(r1, c1)}"
            part = "header" if r0 <= header else "data"
            raise BrokenFileError(
                f"sheet {sheet} of {name} has merged {part} cells ({where}); unmerge them and fill "
                "every cell (取消合并单元格并填充), one header row with one name per column, "
                "then import again.")


def _cell(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


# --- CSV ----------------------------------------------------------------------------------------

def read_csv(path: Path, name: str, encoding: str | None = None) -> Table:
    text, decision = decode_bytes(path.read_bytes(), name, encoding)
    sample = text[:20000]
    delimiter = _delimiter(sample)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not any(any(_filled(v) for v in row) for row in rows):
        raise BrokenFileError(f"{name} holds no rows; export the table again.")
    header = find_header(rows)
    table = _table(rows, header, Path(name).stem, first_row=1)
    table.encoding = decision
    if header:
        table.notes.append(f"rows 1-{header} above the header were skipped ({_preview(rows[0])})")
    return table


def _delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    counts = {d: min((line.count(d) for line in lines[-5:]), default=0) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# --- shared -------------------------------------------------------------------------------------

def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def find_header(rows: list[list[Any]]) -> int:
    """Index of the header row: the first top row that fills most of the widest top row."""
    top = rows[:HEADER_SEARCH_ROWS]
    widths = [sum(_filled(v) for v in row) for row in top]
    need = max(2, int(0.6 * max(widths, default=0)))
    return next((i for i, width in enumerate(widths) if width >= need), 0)


def _table(rows: list[list[Any]], header: int, name: str, first_row: int) -> Table:
    width = max(len(r) for r in rows)
    names = header_names(rows[header], width)
    body = [list(r) + [None] * (width - len(r)) for r in rows[header + 1:]]
    numbers = np.arange(header + 1 + first_row, header + 1 + first_row + len(body))
    keep = np.array([any(_filled(v) for v in row) for row in body], dtype=bool)
    frame = pd.DataFrame([row for row, k in zip(body, keep, strict=True) if k], columns=names,
                         dtype=object)
    return Table(name, frame, numbers[keep] if len(body) else numbers)


def header_names(row: list[Any], width: int) -> list[str]:
    """Header texts, a blank one named by its column letter, repeated ones numbered."""
    names: list[str] = []
    for index in range(width):
        value = row[index] if index < len(row) else None
        text = str(value).strip() if _filled(value) else f"列{_cell(0, index)[:-1]}"
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        base, n = text, 2
        while text in names:
            text, n = f"{base}({n})", n + 1
        names.append(text)
    return names


def _preview(row: list[Any]) -> str:
    return " ".join(str(v) for v in row if _filled(v))[:60]

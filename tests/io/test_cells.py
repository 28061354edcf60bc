"""One formula guard for every CSV and Excel writer (geo.io.cells), tested at each writer."""

from __future__ import annotations

import csv
import dataclasses
import io
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo.io import cells
from geo.io.export import ExportOptions, LayerData, write_export
from layers.base import Field
from tests.io.test_writers import roads
from views import tabular

FORMULAS = ("=cmd|' /C calc'!A0", "+1+2", "-3-4", "@SUM(A1:A2)", "\t=1+1", "\r=2+2")
PLAIN = ("北舞渡镇", "K12+300", "a=b", "3")


def test_every_formula_start_is_recognised_and_nothing_else() -> None:
    assert all(cells.looks_like_formula(text) for text in FORMULAS)
    assert not any(cells.looks_like_formula(text) for text in (*PLAIN, 1.5, -3, None))
    assert [cells.csv_text(v) for v in (*FORMULAS[:2], "路", -3)] == [
        "'=cmd|' /C calc'!A0", "'+1+2", "路", -3]


def test_app_downloads_guard_every_formula_start() -> None:
    frame = pd.DataFrame({"名称": [*FORMULAS, *PLAIN], "数": range(len(FORMULAS) + len(PLAIN))})
    sheet = openpyxl.load_workbook(io.BytesIO(tabular.xlsx_bytes(frame, "清单")))["清单"]
    column = [row[0] for row in sheet.iter_rows(min_row=2)]
    for cell, text in zip(column, FORMULAS, strict=False):
        assert cell.data_type == "s" and cell.quotePrefix, text
        assert cell.value == text.replace("\r", "\n")  # xlsx is XML: a CR is read back as LF
    assert [c.value for c in column[len(FORMULAS):]] == list(PLAIN)
    assert not any(c.quotePrefix for c in column[len(FORMULAS):])
    text = tabular.csv_bytes(frame).decode("utf-8-sig")
    back = [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert back == ["'" + text for text in FORMULAS] + list(PLAIN)


def test_the_excel_ledger_keeps_formulas_as_stored_text(tmp_path: Path) -> None:
    data = roads()
    data.frame = pd.concat([data.frame] * 3, ignore_index=True)
    data.frame["id"] = range(1, len(data.frame) + 1)
    data.frame["name"] = FORMULAS
    write_export([data], ExportOptions(fmt="xlsx", filter_text="=HYPERLINK(\"x\")"),
                 tmp_path / "l.xlsx")
    book = openpyxl.load_workbook(tmp_path / "l.xlsx")
    names = [row[2] for row in book["水毁公路"].iter_rows(min_row=2)]
    assert [c.value for c in names] == [t.replace("\r", "\n") for t in FORMULAS]
    assert all(c.data_type == "s" and c.quotePrefix for c in names)
    about = {row[0].value: row[1] for row in book["说明"].iter_rows()}
    assert about["筛选 Filter"].value == "=HYPERLINK(\"x\")" and about["筛选 Filter"].quotePrefix


def test_the_field_dictionary_csv_guards_formulas(tmp_path: Path) -> None:
    data = roads()
    spec = data.fields[0]
    assert isinstance(spec, Field)
    first = dataclasses.replace(spec, meaning="=cmd|' /C calc'!A0", en="@evil")
    data = LayerData(data.name, data.zh, data.en, [first, *data.fields[1:]], data.frame)
    write_export([data], ExportOptions(fmt="shp"), tmp_path / "r.zip")
    text = zipfile.ZipFile(tmp_path / "r.zip").read("field_dictionary.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    row = next(r for r in rows if r[1] == first.shp)
    assert row[3] == "'@evil" and row[5] == "'=cmd|' /C calc'!A0"
    assert not [cell for r in rows for cell in r if cells.looks_like_formula(cell)]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_reads_back_literally_after_the_guard(text: str) -> None:
    """The CSV guard adds exactly one character a reader can take off again."""
    guarded = cells.csv_text(text)
    assert isinstance(guarded, str) and guarded[0] == "'" and guarded[1:] == text

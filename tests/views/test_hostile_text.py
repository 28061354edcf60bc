"""The fuzz test: hostile text in every free text field of every layer (tests.helpers.nasty) goes
through the map, the repair list, the detail panel and every export format, and comes back
literally — with only each format's documented limits — while nothing in it runs.

Expected values are read straight from the database, never from the code under test.
"""

from __future__ import annotations

import csv
import html
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import openpyxl
import pyogrio
import pytest
import sqlalchemy as sa

from geo.io import cells
from geo.settings import get_settings
from layers import REGISTRY
from layers.base import Layer
from layers.filter import Filter
from layers.roles import Actor, Scope
from tests.helpers.nasty import (
    EVALUATED,
    LISTS,
    MARKER,
    NASTY,
    free_text_columns,
    nasty_database_url,
    payload_values,
    property_texts,
)
from views import queue, tabular
from views.detail import feature_record, record_facts
from views.downloads import ExportRequest, export_to_file
from views.map import data as map_data
from views.map import render
from views.names import load_names
from views.selection import queue_rows, select

__all__ = ["nasty_database_url"]

pytestmark = pytest.mark.postgis
LAYERS = [layer for layer in REGISTRY if free_text_columns(layer) or LISTS.get(layer.name)]


@pytest.fixture(scope="module")
def conn(nasty_database_url: str) -> Iterator[sa.Connection]:
    engine = sa.create_engine(nasty_database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def stored(conn: sa.Connection, layer: Layer) -> dict[int, dict[str, str]]:
    """id → {column: text} of every free text (lists joined by ';') as the database holds it."""
    columns = [*free_text_columns(layer), *LISTS.get(layer.name, ())]
    table = layer.table
    rows = conn.execute(sa.select(table.c.id, *(table.c[c] for c in columns))).mappings()
    return {row["id"]: {c: ";".join(row[c]) if isinstance(row[c], list) else row[c]
                        for c in columns if row[c] is not None} for row in rows}


def lf(text: str) -> str:
    """CR and CRLF as LF: how HTML (and XML) read line ends."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def html_text(value: str) -> str:
    """What a browser shows of the map's escaped text."""
    return lf(html.unescape(value))


def test_the_map_carries_every_text_literally_and_runs_none(
        conn: sa.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    names = load_names(conn)
    frames = map_data.frame_collections(conn, names, "zh")
    chosen = select(conn, Filter(), queue_rows(conn), with_households=False)
    assets = map_data.map_collections(chosen, names, "zh", frames["plan"]["tolerance"])
    assets["households"] = map_data.household_map(conn, (), (), names, "zh")
    compiled: list[str] = []
    original = jinja2.Environment.compile

    def spy(self: jinja2.Environment, source: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(source, str):
            compiled.append(source)
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    MARKER.unlink(missing_ok=True)
    m = render.base_map(frames, get_settings({}), "zh")
    for group in render.feature_groups(assets, "zh"):
        group.add_to(m)
    page = m.get_root().render()
    assert not MARKER.exists() and EVALUATED not in page
    assert [t[:30] for t in NASTY if any(t in source for source in compiled)] == []
    shown = {html_text(t) for t in property_texts(payload_values(page))}
    for layer in LAYERS:  # names, codes, responsible units, helpers … of every row
        seen_in = {"county", "townships", "villages", "flood_extent"}  # tooltips only
        for row in stored(conn, layer).values():
            for column, text in row.items():
                if layer.name in seen_in and column != "name":
                    continue  # frames carry their name only (other texts are in the detail)
                if column in ("updated_by", "feeder", "substation", "operator", "phone",
                              *LISTS.get(layer.name, ())):
                    continue  # not on the map by design: the detail panel and exports
                assert any(lf(text) in t for t in shown), (layer.name, column, text[:30])


def test_the_repair_list_and_its_downloads_keep_every_name(conn: sa.Connection) -> None:
    ranked, _ = queue_rows(conn)
    frame = queue.queue_frame(ranked, load_names(conn), "zh")
    names = set(frame["名称"])
    for text in NASTY:
        assert text in names, text[:30]
    sheet = openpyxl.load_workbook(io.BytesIO(tabular.xlsx_bytes(frame, "清单")))["清单"]
    header = [c.value for c in sheet[1]]
    column = [row[header.index("名称")] for row in sheet.iter_rows(min_row=2)]
    assert {c.value for c in column} >= {lf(t) for t in NASTY}  # xlsx is XML: line ends as LF
    assert all(c.data_type == "s" and c.quotePrefix for c in column
               if cells.looks_like_formula(c.value))
    text = tabular.csv_bytes(frame).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {r["名称"] for r in rows} >= {cells.csv_text(t) for t in NASTY}
    assert not [v for r in rows for v in r.values() if cells.looks_like_formula(v)]


def test_the_detail_panel_shows_every_text_as_stored(conn: sa.Connection) -> None:
    names = load_names(conn)
    for layer in LAYERS:
        public = {f.column for f in layer.public_fields()}
        for feature_id, row in stored(conn, layer).items():
            record = feature_record(conn, layer, feature_id)
            assert record is not None
            facts = dict(record_facts(layer, record, names, "zh"))
            for column, text in row.items():
                if column not in public:
                    continue  # private fields are never in the panel
                label = layer.field(column).zh
                assert text in facts[label], (layer.name, column, text[:30])  # lists hold one


# --- exports -----------------------------------------------------------------------------------
def shp_text(text: str, encoding: str) -> str:
    """A DBF text field: characters the encoding lacks become '?', cut at 254 bytes whole."""
    data = text.encode(encoding, errors="replace")
    return data[:254].decode(encoding, errors="ignore")


def exported_rows(path: Path, fmt: str, layer: Layer, encoding: str) -> dict[int, dict[str, Any]]:
    """id → {column: value} of one layer read back from an export file."""
    fields = {f.column: f for f in layer.fields}
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(path)[layer.zh]
        header = [c.value for c in sheet[1]]
        rows = [{h: c for h, c in zip(header, row, strict=True)}
                for row in sheet.iter_rows(min_row=2)]
        return {int(r["要素ID"].value): {c: r[f.zh] for c, f in fields.items() if f.zh in r}
                for r in rows}
    if fmt == "shp":
        frame = pyogrio.read_dataframe(path / f"{layer.name}.shp", encoding=encoding)
        key, named = "fid_trk", {c: f.shp for c, f in fields.items()}
    else:
        frame = pyogrio.read_dataframe(path, layer=layer.name) if fmt == "gpkg" else (
            pyogrio.read_dataframe(path).query(f"图层 == '{layer.zh}'"))
        key, named = "要素ID", {c: f.zh for c, f in fields.items()}
    return {int(r[key]): {c: r[n] for c, n in named.items() if n in r}
            for r in frame.to_dict("records")}


@pytest.mark.parametrize(("fmt", "encoding"), [("shp", "GBK"), ("shp", "UTF-8"), ("gpkg", "UTF-8"),
                                               ("geojson", "UTF-8"), ("xlsx", "UTF-8")])
def test_every_export_format_gives_every_text_back(conn: sa.Connection, tmp_path: Path,
                                                   fmt: str, encoding: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_HOME", str(tmp_path / "home"))
    suffix = {"shp": ".zip", "gpkg": ".gpkg", "geojson": ".geojson", "xlsx": ".xlsx"}[fmt]
    out = tmp_path / f"all{suffix}"
    # every field, personal ones included: what a county administrator may export (and is logged)
    request = ExportRequest(fmt=fmt, encoding=encoding, include_private=True, personal=True,
                            actor=Actor("管理员", Scope("admin")),
                            crs="EPSG:4490" if fmt != "geojson" else None)
    export_to_file(conn, request, out)
    where = out
    if fmt == "shp":
        zipfile.ZipFile(out).extractall(tmp_path / "shp")
        where = tmp_path / "shp"
    for layer in LAYERS:
        back = exported_rows(where, fmt, layer, encoding)
        for feature_id, row in stored(conn, layer).items():
            for column, text in row.items():
                value = back[feature_id][column]
                if fmt == "xlsx":
                    assert value.value == lf(text), (layer.name, column)  # XML line ends
                    assert value.data_type == "s"
                    assert value.quotePrefix == cells.looks_like_formula(text)
                elif fmt == "shp":
                    assert value == shp_text(text, encoding), (layer.name, column, text[:30])
                else:
                    assert value == text, (layer.name, column, text[:30])
    if fmt == "geojson":  # the file itself is JSON a browser would parse: no live markup
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert doc["type"] == "FeatureCollection"

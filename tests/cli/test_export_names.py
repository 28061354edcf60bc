"""``tracker export`` of the demo county read back with GDAL, fiona, pyogrio and openpyxl: township
and village names beside their codes in every format and in the field dictionary, not garbled in
GBK or UTF-8, and every DBF field as wide as its data (the households' .dbf was 16 MB of 80-byte
text fields)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import fiona
import openpyxl
import pandas as pd
import pyogrio
import pytest
import sqlalchemy as sa

from tests.cli.conftest import run_tracker, tracker_env
from tests.helpers.readback import dbf_header, ogr_values, unzip

pytestmark = pytest.mark.postgis


def _places(url: str) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """township code → name, village code → (name, township code), from the database."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        towns = {c: n for c, n in conn.execute(sa.text("SELECT code, name FROM townships"))}
        villages = {c: (n, t) for c, n, t in conn.execute(
            sa.text("SELECT code, name, township_code FROM villages"))}
    engine.dispose()
    return towns, villages


def _export(url: str, tmp_path: Path, out: Path, *args: str) -> None:
    done = run_tracker(["export", *args, "--out", str(out)], tracker_env(url, tmp_path))
    assert done.returncode == 0, done.stderr


def _is_chinese(text: object) -> bool:
    return isinstance(text, str) and bool(text) and all("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("encoding", ["GBK", "UTF-8"])
def test_households_shapefile_has_place_names_and_fitted_fields(demo_url: str, tmp_path: Path,
                                                                encoding: str) -> None:
    out = tmp_path / "names-households.zip"  # file names are unique in the shared export log
    _export(demo_url, tmp_path, out, "--layer", "households", "--personal", "--encoding", encoding)
    unzip(out, tmp_path / "x")
    shp = tmp_path / "x/households.shp"
    back = pyogrio.read_dataframe(shp)  # decoded as the .cpg says
    towns, villages = _places(demo_url)
    assert len(back) > 10_000
    assert back["vil_name"].tolist() == [villages[c][0] for c in back["vil_code"]]
    assert back["twp_name"].tolist() == [towns[villages[c][1]] for c in back["vil_code"]]
    assert all(_is_chinese(v) for v in set(back["vil_name"]) | set(back["twp_name"]))
    # the system GDAL decodes them the same way (ogrinfo), and so does fiona
    assert ogr_values(shp, "twp_name") == back["twp_name"].tolist()
    with fiona.open(shp) as src:
        first = next(iter(src)).properties
        assert (first["vil_name"], first["twp_name"]) == (back["vil_name"].iloc[0],
                                                          back["twp_name"].iloc[0])
    records, record_len, fields = dbf_header(shp.with_suffix(".dbf"))
    assert records == len(back)
    for field in fields:
        if field.type == "C":
            longest = max((len(v.encode(encoding)) for v in back[field.name].dropna()), default=0)
            assert field.width == max(longest, 1), field.name
        elif field.type == "N":
            assert (field.width, field.decimals) != (24, 15), field.name
            digits = back[field.name].dropna().abs().max()
            assert field.width <= len(str(int(digits))) + field.decimals + 2, field.name
    assert record_len == 1 + sum(f.width for f in fields)
    assert shp.with_suffix(".dbf").stat().st_size < records * 200  # 80-wide text: 1,139 a row
    rows = list(csv.reader(io.StringIO((tmp_path / "x/field_dictionary.csv")
                                       .read_text(encoding="utf-8-sig"))))
    by_code = {r[1]: r for r in rows[1:] if r[0] == "households"}
    assert by_code["vil_name"][2:4] == ["村名称", "Village name"]
    assert by_code["twp_name"][2:4] == ["乡镇名称", "Township name"]


def test_roads_shapefile_names_the_township_of_its_code(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "names-roads.zip"
    _export(demo_url, tmp_path, out, "--layer", "roads", "--encoding", "GBK")
    unzip(out, tmp_path / "x")
    back = pyogrio.read_dataframe(tmp_path / "x/roads.shp")
    towns, _ = _places(demo_url)
    names = [f.name for f in dbf_header(tmp_path / "x/roads.dbf")[2]]
    assert names.index("twp_name") == names.index("twp_code") + 1
    known = back["twp_code"].notna()
    assert known.any()
    assert back.loc[known, "twp_name"].tolist() == [towns[c] for c in back.loc[known, "twp_code"]]


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".xlsx"])
def test_every_format_names_townships_and_villages(demo_url: str, tmp_path: Path,
                                                   suffix: str) -> None:
    out = tmp_path / f"names-all{suffix}"
    _export(demo_url, tmp_path, out, "--layer", "roads,pv_stations,villages")
    towns, villages = _places(demo_url)
    frames = _read_all(out, suffix)
    roads, pv, places = frames["水毁公路"], frames["光伏扶贫电站"], frames["行政村"]
    for frame in (roads, pv, places):
        known = frame["乡镇代码"].notna()
        assert frame.loc[known, "乡镇名称"].tolist() == [towns[c] for c in frame.loc[known, "乡镇代码"]]
    placed = pv["村代码"].notna()
    assert placed.any()
    assert pv.loc[placed, "村名称"].tolist() == [villages[c][0] for c in pv.loc[placed, "村代码"]]
    assert "村名称" not in places  # a village's own name is its 村名


def _read_all(out: Path, suffix: str) -> dict[str, pd.DataFrame]:
    """Each layer's attribute table by its Chinese layer name, as that format's reader sees it."""
    if suffix == ".xlsx":
        book = openpyxl.load_workbook(out, read_only=True)
        return {name: _sheet(book[name]) for name in ("水毁公路", "光伏扶贫电站", "行政村")}
    if suffix == ".geojson":
        doc = json.loads(out.read_text(encoding="utf-8"))
        table = pd.DataFrame([f["properties"] for f in doc["features"]])
        return {str(name): part.dropna(axis=1, how="all") for name, part in table.groupby("图层")}
    tables = {"roads": "水毁公路", "pv_stations": "光伏扶贫电站", "villages": "行政村"}
    return {zh: pd.DataFrame(pyogrio.read_dataframe(out, layer=name, read_geometry=False))
            for name, zh in tables.items()}


def _sheet(sheet: object) -> pd.DataFrame:
    rows = list(sheet.iter_rows(values_only=True))  # type: ignore[attr-defined]
    return pd.DataFrame(rows[1:], columns=rows[0])

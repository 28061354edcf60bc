"""Exports without a database: GeoDataFrames in, files out, read back with GDAL, fiona and pyogrio."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
import stat
import subprocess
import zipfile
from collections.abc import Sequence
from pathlib import Path

import fiona
import geopandas as gpd
import openpyxl
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, Point

from geo import crs as geo_crs
from geo.errors import UnknownChoiceError, ValidationError
from geo.io.export import (
    EmptyExportError,
    ExportOptions,
    ExportRecord,
    LayerData,
    check_out_path,
    export_bytes,
    parse_crs,
    parse_encoding,
    parse_format,
    write_export,
)
from layers import REGISTRY
from tests.helpers.readback import check_shapefile, ogr_values, ogrinfo, unzip

BRIDGE = "北舞渡镇沙河大桥<&>"
LONG = "沙河" * 200  # 400 characters, 800 bytes in GBK, 1200 in UTF-8
ROAD_LINE = LineString([(113.64, 33.59), (113.66, 33.61)])
UPDATED = dt.datetime(2021, 7, 21, 3, 0, tzinfo=dt.UTC)


def repair(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "status": "not_started", "severity": "severe", "cost_wan": 12.5, "resp_unit": "县交通运输局",
        "deadline": dt.date(2021, 11, 30), "started_on": None, "finished_on": None, "version": 1,
        "updated_at": UPDATED, "updated_by": "测试",
    }
    return {**base, **extra}


def frame(rows: list[dict[str, object]], geoms: Sequence[object]) -> gpd.GeoDataFrame:
    data = [{"id": i + 1, **row} for i, row in enumerate(rows)]
    return gpd.GeoDataFrame(data, geometry=geoms, crs=geo_crs.STORAGE_EPSG)


def roads() -> LayerData:
    layer = REGISTRY.get("roads")
    asset = {"township_code": "411121102", "route_code": "X012", "road_class": "county",
             "structure": "bridge", "chainage": "K12+300", "damage_type": "bridge",
             "passable": "blocked", "length_m": 180.0}
    rows = [
        {"code": "X012-001", "name": BRIDGE, **asset, **repair()},
        {"code": "X012-002", "name": LONG, **asset, **repair(status="opening", deadline=None)},
    ]
    shifted = shapely.affinity.translate(ROAD_LINE, 0.01, 0.0)
    return LayerData(layer.name, layer.zh, layer.en, layer.fields, frame(rows, [ROAD_LINE, shifted]))


def water_works() -> LayerData:
    layer = REGISTRY.get("water_works")
    common = {"township_code": "411121102", "use": "living", "emergency_supply": True, **repair()}
    rows = [
        {"code": "W-1", "name": "北舞渡镇水厂", "kind": "plant",
         "villages_served": ["411121102201", "411121102202"], **common},
        {"code": "W-2", "name": "沙河湾输水管", "kind": "network", "villages_served": [], **common},
    ]
    geoms = [Point(113.65, 33.605), LineString([(113.61, 33.6), (113.65, 33.6)])]
    return LayerData(layer.name, layer.zh, layer.en, layer.fields, frame(rows, geoms))


def households() -> LayerData:
    layer = REGISTRY.get("households")
    row = {"code": "H-001", "head_name": "王二妮", "id_number": "41112119800101123X",
           "phone": "13800000000", "members": 4, "category": "monitored", "monitor_kind": "sudden",
           "risk_food": False, "risk_clothing": False, "risk_education": False,
           "risk_medical": False, "risk_housing": True, "risk_water": True, "house_grade": "D",
           "flood_damage": "severe", "income_per_capita": 5200.0, "helper": "李帮扶",
           "village_code": "411121102201", "updated_at": UPDATED}
    return LayerData(layer.name, layer.zh, layer.en, layer.fields,
                     frame([row], [Point(113.655, 33.605)]))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TRACKER_HOME in the test's folder, so the export log is the test's own."""
    monkeypatch.setenv("TRACKER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TRACKER_USER", "测试员")
    return tmp_path / "home"


class Log(list[ExportRecord]):
    """Where a test's exports are logged (the app and the command line log into the database)."""

    def __call__(self, record: ExportRecord) -> None:
        self.append(record)


def shp_options(**kw: object) -> ExportOptions:
    return ExportOptions(**{"fmt": "shp", "user": "测试员", **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["GBK", "UTF-8"])
def test_shapefile_zip_reads_back_in_gdal_fiona_and_pyogrio(tmp_path: Path, encoding: str) -> None:
    out = tmp_path / "roads.zip"
    summary = write_export([roads()], shp_options(encoding=encoding), out)
    names = unzip(out, tmp_path / "x")
    assert sorted(names) == sorted(
        [f"roads{s}" for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
        + ["field_dictionary.csv", "README.txt"])
    shp = tmp_path / "x" / "roads.shp"
    back = check_shapefile(shp, epsg=4547, encoding=encoding, count=2, geometry="Line String")
    # Chinese values round-trip exactly through every reader; vocab codes become labels
    assert back["name"].iloc[0] == BRIDGE
    assert ogr_values(shp, "name")[0] == BRIDGE
    with fiona.open(shp) as src:
        first = next(iter(src))
        assert first.properties["name"] == BRIDGE
        assert first.properties["status"] == "未开工"
        assert first.properties["class"] == "县道"
    assert list(back["status"]) == ["未开工", "抢通中"]
    assert BRIDGE.encode(encoding.replace("UTF-8", "utf-8")) in (tmp_path / "x/roads.dbf").read_bytes()
    # geometry in Gauss-Kruger metres, the same line as stored
    expected = gpd.GeoSeries([ROAD_LINE], crs=4490).to_crs(4547).iloc[0]
    assert back.geometry.iloc[0].equals_exact(expected, 0.001)
    assert 450_000 < back.geometry.iloc[0].coords[0][0] < 490_000
    assert summary.counts == {"roads": 2}


def test_prj_is_the_one_arcgis_knows(tmp_path: Path) -> None:
    out = tmp_path / "roads.zip"
    write_export([roads()], shp_options(), out)
    prj = zipfile.ZipFile(out).read("roads.prj").decode("ascii")
    assert prj.startswith('PROJCS["CGCS2000_3_Degree_GK_CM_114E"')
    assert 'PARAMETER["Central_Meridian",114.0]' in prj
    assert 'PARAMETER["False_Easting",500000.0]' in prj
    names = {4526: 'PROJCS["CGCS2000_3_Degree_GK_Zone_38"',
             4490: 'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"',
             4326: 'GEOGCS["GCS_WGS_1984"'}
    for epsg, start in names.items():
        write_export([roads()], shp_options(epsg=epsg), tmp_path / f"r{epsg}.zip")
        assert zipfile.ZipFile(tmp_path / f"r{epsg}.zip").read("roads.prj").decode().startswith(start)


def test_zone_prefixed_and_geographic_crs(tmp_path: Path) -> None:
    for epsg, low, high in ((4526, 38_450_000, 38_490_000), (4490, 113.5, 113.8),
                            (4326, 113.5, 113.8)):
        out = tmp_path / f"r{epsg}.zip"
        write_export([roads()], shp_options(epsg=epsg), out)
        unzip(out, tmp_path / str(epsg))
        back = check_shapefile(tmp_path / str(epsg) / "roads.shp", epsg=epsg, encoding="UTF-8",
                               count=2, geometry="Line String")
        assert low < back.geometry.iloc[0].coords[0][0] < high


def test_dates_are_real_dbf_dates_and_fields_are_short(tmp_path: Path) -> None:
    out = tmp_path / "roads.zip"
    write_export([roads()], shp_options(), out)
    unzip(out, tmp_path / "x")
    report = ogrinfo(tmp_path / "x/roads.shp", "-so", "-al")
    assert "deadline: Date" in report
    # DBF has no date-time: the day in Beijing time as a real date, the time of day beside it
    assert "upd_at: Date" in report and "upd_time: String (5.0)" in report
    back = pyogrio.read_dataframe(tmp_path / "x/roads.shp")
    assert str(back["deadline"].iloc[0])[:10] == "2021-11-30"
    assert str(back["upd_at"].iloc[0])[:10] == "2021-07-21" and back["upd_time"].iloc[0] == "11:00"
    with fiona.open(tmp_path / "x/roads.shp") as src:
        assert src.schema["properties"]["deadline"] == "date"
        assert src.schema["properties"]["upd_at"] == "date"
        assert all(len(name.encode()) <= 10 for name in src.schema["properties"])


def test_every_layer_has_short_unique_shapefile_field_codes() -> None:
    for layer in REGISTRY:
        codes = [f.shp for f in layer.fields]
        assert all(c.isascii() and 0 < len(c) <= 10 for c in codes), layer.name
        assert len({c.lower() for c in codes}) == len(codes), layer.name
        assert "fid_trk" not in codes


@pytest.mark.parametrize("encoding", ["GBK", "UTF-8"])
def test_long_text_is_cut_on_a_character_boundary_and_reported(tmp_path: Path,
                                                                encoding: str) -> None:
    out = tmp_path / "roads.zip"
    summary = write_export([roads()], shp_options(encoding=encoding), out)
    unzip(out, tmp_path / "x")
    back = pyogrio.read_dataframe(tmp_path / "x/roads.shp")
    cut = back["name"].iloc[1]
    assert LONG.startswith(cut)
    assert 254 - 3 < len(cut.encode(encoding)) <= 254
    readme = (tmp_path / "x/README.txt").read_text(encoding="utf-8-sig")
    assert "roads.name: 1 value(s) longer than 254 bytes" in readme
    assert summary.notes


def test_characters_gbk_cannot_hold_are_replaced_and_reported(tmp_path: Path) -> None:
    data = roads()
    data.frame.loc[0, "name"] = "𠀀村桥"  # CJK Extension B: not in GBK
    summary = write_export([data], shp_options(encoding="GBK"), tmp_path / "r.zip")
    unzip(tmp_path / "r.zip", tmp_path / "x")
    assert pyogrio.read_dataframe(tmp_path / "x/roads.shp")["name"].iloc[0] == "?村桥"
    assert any("GBK cannot hold" in note for note in summary.notes)


def test_mixed_water_works_become_a_point_and_a_line_file(tmp_path: Path) -> None:
    out = tmp_path / "water.zip"
    summary = write_export([water_works()], shp_options(encoding="GBK"), out)
    names = unzip(out, tmp_path / "x")
    assert "water_works_point.shp" in names and "water_works_line.shp" in names
    point = check_shapefile(tmp_path / "x/water_works_point.shp", epsg=4547, encoding="GBK",
                            count=1, geometry="Point")
    line = check_shapefile(tmp_path / "x/water_works_line.shp", epsg=4547, encoding="GBK",
                           count=1, geometry="Line String")
    assert point["villages"].iloc[0] == "411121102201;411121102202"
    assert point["kind"].iloc[0] == "水厂" and line["kind"].iloc[0] == "输配水管网"
    assert point["emerg_sup"].iloc[0] == "是"
    assert summary.counts == {"water_works_point": 1, "water_works_line": 1}


def test_field_dictionary_and_readme(tmp_path: Path) -> None:
    out = tmp_path / "all.zip"
    write_export([roads(), water_works()], shp_options(filter_text="状态 status: 未开工"), out)
    archive = zipfile.ZipFile(out)
    rows = list(csv.reader(io.StringIO(archive.read("field_dictionary.csv").decode("utf-8-sig"))))
    by_code = {(r[0], r[1]): r for r in rows[1:]}
    assert by_code[("roads", "status")][2] == "状态"
    assert "not_started=未开工" in by_code[("roads", "status")][6]
    assert by_code[("roads", "start_on")][2] == "开工日期"
    assert by_code[("water_works", "villages")][4].startswith("编码列表")
    # one row per DBF field: the id, every field, and the time of day after each date-time
    assert len(rows) - 1 == sum(len(la.fields) + 1 + sum(f.kind == "datetime" for f in la.fields)
                                for la in (REGISTRY.get("roads"), REGISTRY.get("water_works")))
    assert by_code[("roads", "upd_time")][4] == "文本 text HH:MM"
    readme = archive.read("README.txt").decode("utf-8-sig")
    for text in ("EPSG:4547", "UTF-8", "状态 status: 未开工", "要素总数 Features    : 4",
                 "roads.shp", "water_works_line.shp", "测试员"):
        assert text in readme


def test_households_leave_out_personal_data_unless_asked(tmp_path: Path, home: Path) -> None:
    log = Log()
    # names and helpers are personal data too: without a log such a file is refused, not written
    with pytest.raises(ValidationError, match="logged export"):
        write_export([households()], shp_options(), tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()

    write_export([households()], shp_options(), tmp_path / "h.zip", log=log)
    unzip(tmp_path / "h.zip", tmp_path / "a")
    public = pyogrio.read_dataframe(tmp_path / "a/households.shp")
    assert public["head_name"].iloc[0] == "王二妮"
    assert not {"id_number", "phone", "income"} & set(public.columns)
    assert not (home / "export-log.jsonl").exists()
    readme = (tmp_path / "a/README.txt").read_text(encoding="utf-8-sig")
    assert "个人信息 Personal data: 包含 included" in readme and "户主 head_name" in readme
    assert "身份证号" not in readme
    assert log[0].personal_fields == ["head_name", "helper"]

    summary = write_export([households()], shp_options(include_private=True, filter_text="全部"),
                           tmp_path / "p.zip", log=log)
    unzip(tmp_path / "p.zip", tmp_path / "b")
    private = pyogrio.read_dataframe(tmp_path / "b/households.shp")
    assert private["id_number"].iloc[0] == "41112119800101123X"
    assert private["phone"].iloc[0] == "13800000000"
    assert len(log) == 2
    record = log[1]
    assert record.user == "测试员"
    assert record.layers == ["households"]
    assert record.personal_fields == ["head_name", "helper", "id_number", "income_per_capita", "phone"]
    assert record.filter_text == "全部" and record.fmt == "shp"
    assert record.file_name == "p.zip"
    assert record.sha256 == hashlib.sha256((tmp_path / "p.zip").read_bytes()).hexdigest()
    assert record.features == summary.total == 1
    assert record.time.utcoffset() == dt.timedelta(hours=8)  # China Standard Time


def test_geopackage_has_all_layers_with_chinese_field_names(tmp_path: Path) -> None:
    out = tmp_path / "all.gpkg"
    write_export([roads(), water_works(), households()], ExportOptions(fmt="gpkg"), out, log=Log())
    listed = [name for name, _ in pyogrio.list_layers(out)]
    assert listed == ["roads", "water_works_point", "water_works_line", "households",
                      "field_dictionary"]
    assert fiona.listlayers(out) == listed
    fields = pyogrio.read_dataframe(out, layer="field_dictionary")
    status = fields[(fields["图层 layer"] == "roads") & (fields["字段代码 field"] == "status")]
    assert status["中文名 name (zh)"].iloc[0] == "状态"
    assert "身份证号" not in set(fields["中文名 name (zh)"])
    report = ogrinfo(out, "-so", "-al")
    assert "名称: String" in report and "完成时限: Date" in report
    back = pyogrio.read_dataframe(out, layer="roads")
    assert back["名称"].iloc[0] == BRIDGE and back["名称"].iloc[1] == LONG  # GPKG keeps it whole
    assert back["状态"].iloc[0] == "未开工"
    assert back.crs.to_epsg() == 4547
    with fiona.open(out, layer="households") as src:
        assert src.crs.to_epsg() == 4547
        assert "身份证号" not in src.schema["properties"]
        assert next(iter(src)).properties["户主"] == "王二妮"
    line = pyogrio.read_dataframe(out, layer="water_works_line")
    assert line.geometry.iloc[0].geom_type == "LineString"


def test_geojson_is_rfc7946_lon_lat(tmp_path: Path) -> None:
    out = tmp_path / "roads.geojson"
    summary = write_export([roads(), water_works()], ExportOptions(fmt="geojson", epsg=4547), out)
    assert summary.epsg == 4326
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    first = doc["features"][0]
    lon, lat = first["geometry"]["coordinates"][0]
    assert (lon, lat) == pytest.approx((113.64, 33.59), abs=1e-7)
    assert first["properties"]["名称"] == BRIDGE and first["properties"]["图层"] == "水毁公路"
    assert first["properties"]["完成时限"] == "2021-11-30"
    assert len(doc["features"]) == 4
    assert pyogrio.read_info(out)["features"] == 4
    with fiona.open(out) as src:
        assert src.crs.to_epsg() == 4326 and len(src) == 4
    assert "Feature Count: 4" in ogrinfo(out, "-so", "-al")


def test_excel_ledger(tmp_path: Path) -> None:
    out = tmp_path / "ledger.xlsx"
    write_export([roads(), water_works(), households()], ExportOptions(fmt="xlsx"), out, log=Log())
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["水毁公路", "水毁水利工程", "农户", "说明"]
    sheet = book["水毁公路"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["要素ID", "编码", "名称"]
    assert "经度(CGCS2000)" in headers and "X坐标(EPSG:4547)" in headers
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width > 10
    row = {h: c.value for h, c in zip(headers, sheet[2], strict=True)}
    assert row["名称"] == BRIDGE and row["状态"] == "未开工"
    assert row["完成时限"].date() == dt.date(2021, 11, 30)
    middle = ROAD_LINE.interpolate(0.5, normalized=True)
    assert (row["经度(CGCS2000)"], row["纬度(CGCS2000)"]) == pytest.approx((middle.x, middle.y))
    water = book["水毁水利工程"]
    water_row = {h.value: c.value for h, c in zip(water[1], water[2], strict=True)}
    assert water_row["临时应急供水"] == "是" and water_row["经度(CGCS2000)"] == pytest.approx(113.65)
    people = [c.value for c in book["农户"][1]]
    assert "户主" in people and "身份证号" not in people


def test_formula_like_text_stays_text_in_excel(tmp_path: Path) -> None:
    data = roads()
    data.frame.loc[0, "name"] = "=HYPERLINK(\"http://x\")"
    write_export([data], ExportOptions(fmt="xlsx"), tmp_path / "l.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "l.xlsx")["水毁公路"]["C2"]
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://x\")"


def test_export_bytes_gives_a_named_download(tmp_path: Path) -> None:
    name, data, summary = export_bytes([roads()], shp_options(encoding="GBK"), "roads")
    assert name.startswith("roads-") and name.endswith(".zip")
    unzip(data, tmp_path)
    check_shapefile(tmp_path / "roads.shp", epsg=4547, encoding="GBK", count=2,
                    geometry="Line String")
    assert summary.total == 2


def test_nothing_matched_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    empty = roads()
    empty.frame = empty.frame.iloc[0:0]
    with pytest.raises(EmptyExportError, match="no feature matches the filter"):
        write_export([empty], shp_options(filter_text="状态 status: 已验收"), tmp_path / "r.zip")
    assert list(tmp_path.iterdir()) == []


def test_failed_export_leaves_no_file_or_temp_folder(tmp_path: Path) -> None:
    from dataclasses import replace

    data = roads()
    bad_field = replace(REGISTRY.get("roads").fields[1], shp="名称名称")
    data.fields = [bad_field]
    with pytest.raises(ValidationError, match="shapefile field codes"):
        write_export([data], shp_options(), tmp_path / "r.zip")
    assert list(tmp_path.iterdir()) == []


def test_bad_choices_list_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownChoiceError, match=r"shp .*gpkg.*geojson.*xlsx"):
        parse_format("dwg")
    with pytest.raises(UnknownChoiceError, match="UTF-8, GBK"):
        parse_encoding("BIG5")
    with pytest.raises(UnknownChoiceError, match=r"EPSG:4547.*EPSG:4526.*EPSG:4490.*EPSG:4326"):
        parse_crs("EPSG:3857", "shp")
    with pytest.raises(ValidationError, match="GeoJSON is always written in EPSG:4326"):
        parse_crs("4547", "geojson")
    assert parse_crs(None, "shp") == 4547 and parse_crs(None, "geojson") == 4326
    assert parse_encoding("cp936") == "GBK" and parse_format("Shapefile") == "shp"
    with pytest.raises(ValidationError, match="does not exist"):
        check_out_path(tmp_path / "missing" / "r.zip", "shp")
    with pytest.raises(ValidationError, match=r"must end in \.zip"):
        check_out_path(tmp_path / "r.gpkg", "shp")
    with pytest.raises(UnknownChoiceError, match="roads"):
        REGISTRY.get("bridges")


def test_long_code_lists_are_cut_after_a_whole_code(tmp_path: Path) -> None:
    data = water_works()
    codes = [f"411121102{200 + i:03d}" for i in range(30)]  # 30 × 13 bytes: over 254
    data.frame.at[0, "villages_served"] = codes
    summary = write_export([data], shp_options(), tmp_path / "w.zip")
    unzip(tmp_path / "w.zip", tmp_path / "x")
    kept = pyogrio.read_dataframe(tmp_path / "x/water_works_point.shp")["villages"].iloc[0]
    assert kept.split(";") == codes[: len(kept.split(";"))]
    assert len(kept.split(";")) == 19  # 19 codes and 18 separators = 246 bytes ≤ 254
    assert any("after a whole code" in note for note in summary.notes)


def test_every_zip_member_extracts_readable_not_private(tmp_path: Path) -> None:
    out = tmp_path / "all.zip"
    write_export([roads(), water_works()], shp_options(), out)
    archive = zipfile.ZipFile(out)
    modes = {info.filename: (info.external_attr >> 16) & 0o777 for info in archive.infolist()}
    assert modes["README.txt"] == modes["field_dictionary.csv"] == modes["roads.dbf"] == 0o644
    assert set(modes.values()) == {0o644}
    unzip = shutil.which("unzip")
    if unzip:  # as a person's unzip leaves them (Python's extractall applies no modes)
        subprocess.run([unzip, "-q", str(out), "-d", str(tmp_path / "x")], check=True)
        for name in ("README.txt", "field_dictionary.csv"):
            assert stat.S_IMODE((tmp_path / "x" / name).stat().st_mode) & 0o044 == 0o044

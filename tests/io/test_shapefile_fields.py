"""Shapefile fields as ArcGIS and QGIS see them: widths and decimals fitted to the data (read from the
DBF header's own bytes), readable field codes, a real date for the last change, and the GeoPackage's
real date-time. Exports are written from GeoDataFrames and read back with GDAL, fiona and pyogrio.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import warnings
import zipfile
from pathlib import Path

import fiona
import pandas as pd
import pyogrio
import pytest

from geo.io.export import ExportOptions, LayerData, write_export
from geo.io.model import decimals, time_code
from layers import REGISTRY
from layers.places import name_fields
from tests.helpers.readback import dbf_column, dbf_header, ogr_values, ogrinfo, unzip
from tests.io.test_writers import BRIDGE, LONG, Log, households, roads, shp_options

# 02:30 on 21 July in China Standard Time, still 20 July in UTC: the day must be the CST one
LATE = dt.datetime(2021, 7, 20, 18, 30, 59, tzinfo=dt.UTC)


def _roads(**columns: object) -> LayerData:
    data = roads()
    for column, values in columns.items():
        data.frame[column] = values
    return data


def _write(tmp_path: Path, data: LayerData, encoding: str = "UTF-8") -> Path:
    out = tmp_path / f"{data.name}.zip"
    write_export([data], shp_options(encoding=encoding), out, log=Log())
    unzip(out, tmp_path / "x")
    return tmp_path / "x" / f"{data.name}.dbf"


def test_real_fields_have_the_fields_decimals_and_the_datas_width(tmp_path: Path) -> None:
    data = _roads(length_m=[1092.2, 180.04], cost_wan=[12.5, 3.456], est_days=[None, 2.25])
    dbf = _write(tmp_path, data)
    _, _, fields = dbf_header(dbf)
    by_name = {f.name: f for f in fields}
    for code, spec_column, whole_digits in (("length_m", "length_m", 4), ("cost_wan", "cost_wan", 2),
                                            ("est_days", "est_days", 1)):
        spec = REGISTRY.get("roads").field(spec_column)
        field = by_name[code]
        # digits before and after the point, a sign and the point itself: no more 24.15
        assert (field.type, field.decimals) == ("N", decimals(spec)), code
        assert field.width == whole_digits + decimals(spec) + 2, code
    assert [v.strip() for v in dbf_column(dbf, "length_m")] == [b"1092.2", b"180.0"]
    assert [v.strip() for v in dbf_column(dbf, "cost_wan")] == [b"12.50", b"3.46"]
    assert [v.strip() for v in dbf_column(dbf, "est_days")] == [b"****", b"2.2"]  # shapelib's null
    assert ogr_values(dbf.with_suffix(".shp"), "length_m") == ["1092.2", "180.0"]
    assert "length_m: Real (7.1)" in ogrinfo(dbf.with_suffix(".shp"), "-so", "-al")
    back = pyogrio.read_dataframe(dbf.with_suffix(".shp"))
    assert back["length_m"].tolist() == [1092.2, 180.0]
    assert back["est_days"].isna().tolist() == [True, False]
    assert all((f.width, f.decimals) != (24, 15) for f in fields)


def test_a_huge_value_keeps_its_digits_and_gives_up_decimals(tmp_path: Path) -> None:
    data = _roads(length_m=[1234567890123.25, float("inf")])  # 13 digits before the point
    fields = REGISTRY.get("roads").fields
    data.fields = [dataclasses.replace(f, decimals=6) if f.column == "length_m" else f
                   for f in fields]
    dbf = _write(tmp_path, data)
    field = {f.name: f for f in dbf_header(dbf)[2]}["length_m"]
    # a 20-character DBF number holds 18 digits: 13 + 5 of the 6 decimals asked for
    assert (field.width, field.decimals) == (20, 5)
    back = pyogrio.read_dataframe(dbf.with_suffix(".shp"))
    assert back["length_m"].iloc[0] == 1234567890123.25 and pd.isna(back["length_m"].iloc[1])


def test_every_float_field_names_sensible_decimals() -> None:
    chosen = {(layer.name, f.column): decimals(f) for layer in REGISTRY for f in layer.fields
              if f.kind == "float"}
    assert chosen[("roads", "length_m")] == 1  # metres to the decimetre
    assert chosen[("townships", "seat_lon")] == chosen[("townships", "seat_lat")] == 6  # ≈ 0.1 m
    assert chosen[("roads", "cost_wan")] == 2  # 万元 to the hundred yuan, as stored (NUMERIC 12,2)
    assert chosen[("households", "income_per_capita")] == 0  # whole yuan, as stored
    assert all(0 <= d <= 6 for d in chosen.values())


@pytest.mark.parametrize("encoding", ["GBK", "UTF-8"])
def test_text_fields_are_as_wide_as_their_longest_value(tmp_path: Path, encoding: str) -> None:
    data = _roads(resp_unit=[None, None])  # a field that is empty everywhere
    dbf = _write(tmp_path, data, encoding)
    records, record_len, fields = dbf_header(dbf)
    back = pyogrio.read_dataframe(dbf.with_suffix(".shp"))
    text = [f for f in fields if f.type == "C"]
    assert text and records == 2
    for field in text:
        longest = max((len(str(v).encode(encoding)) for v in back[field.name] if v is not None),
                      default=0)
        assert field.width == max(longest, 1), field.name  # ≥ 1: a DBF field cannot be 0 wide
        assert 1 <= field.width <= 254
    by_name = {f.name: f for f in fields}
    assert by_name["resp_unit"].width == 1
    # the 400-character name is cut to ≤ 254 bytes on a character boundary: 2 bytes a character
    # in GBK (254), 3 in UTF-8 (252)
    assert by_name["name"].width == {"GBK": 254, "UTF-8": 252}[encoding]
    assert by_name["status"].width == len("抢通中".encode(encoding))
    assert record_len == 1 + sum(f.width for f in fields)
    assert back["name"].iloc[0] == BRIDGE and LONG.startswith(back["name"].iloc[1])


def test_integer_fields_fit_their_largest_value(tmp_path: Path) -> None:
    data = _roads()
    data.frame["id"] = [7, 123456]
    _, _, fields = dbf_header(_write(tmp_path, data))
    by_name = {f.name: f for f in fields}
    assert (by_name["fid_trk"].type, by_name["fid_trk"].width) == ("N", 6)
    assert (by_name["version"].width, by_name["version"].decimals) == (1, 0)


def test_field_codes_are_readable_whole_words_and_unique() -> None:
    for layer in REGISTRY:
        specs = name_fields(layer)
        codes = ["fid_trk", *(f.shp for f in specs),
                 *(time_code(f) for f in specs if f.kind == "datetime")]
        assert all(c.isascii() and 0 < len(c) <= 10 for c in codes), layer.name
        assert len({c.lower() for c in codes}) == len(codes), layer.name
        # no code is a column name cut at 10 bytes (that gave "r_educatio")
        assert not [f.shp for f in specs if len(f.column) > 10 and f.shp == f.column[:10]], layer.name
    risks = {f.column: f.shp for f in REGISTRY.get("households").fields if f.kind == "bool"}
    assert risks == {"risk_food": "r_food", "risk_clothing": "r_clothing",
                     "risk_education": "r_edu", "risk_medical": "r_medical",
                     "risk_housing": "r_housing", "risk_water": "r_water"}


def test_households_dbf_carries_the_readable_risk_codes(tmp_path: Path) -> None:
    data = households()
    out = tmp_path / "h.zip"
    write_export([data], shp_options(include_private=True), out, log=Log())
    unzip(out, tmp_path / "x")
    _, _, fields = dbf_header(tmp_path / "x/households.dbf")
    names = [f.name for f in fields]
    assert {"r_edu", "r_medical", "r_housing", "r_water"} <= set(names)
    assert "r_educatio" not in names
    with fiona.open(tmp_path / "x/households.shp") as src:
        assert src.schema["properties"]["income"].startswith("int")  # whole yuan: N(6,0)
        assert next(iter(src)).properties["r_housing"] == "是"


def test_last_change_is_a_dbf_date_of_the_cst_day_with_the_time_beside_it(tmp_path: Path) -> None:
    dbf = _write(tmp_path, _roads(updated_at=[LATE, None]))
    _, _, fields = dbf_header(dbf)
    by_name = {f.name: f for f in fields}
    assert (by_name["upd_at"].type, by_name["upd_at"].width) == ("D", 8)
    assert (by_name["upd_time"].type, by_name["upd_time"].width) == ("C", 5)
    assert [f.name for f in fields].index("upd_time") == [f.name for f in fields].index("upd_at") + 1
    assert dbf_column(dbf, "upd_at") == [b"20210721", b"00000000"]  # GDAL's empty date
    assert [v.strip() for v in dbf_column(dbf, "upd_time")] == [b"02:30", b""]
    shp = dbf.with_suffix(".shp")
    assert "upd_at: Date" in ogrinfo(shp, "-so", "-al")
    with fiona.open(shp) as src:
        assert src.schema["properties"]["upd_at"] == "date"
        first, second = iter(src)
        assert first.properties["upd_at"] == "2021-07-21" and second.properties["upd_at"] is None
    rows = list(csv.reader(io.StringIO(zipfile.ZipFile(tmp_path / "roads.zip")
                                       .read("field_dictionary.csv").decode("utf-8-sig"))))
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code["upd_at"][4].startswith("日期 date") and "China Standard Time" in by_code["upd_at"][4]
    assert "upd_time" in by_code["upd_at"][4]
    assert by_code["upd_time"][2:5] == ["更新时间(时:分)", "Updated at (HH:MM)", "文本 text HH:MM"]
    assert by_code["length_m"][4] == "小数 decimal (1 位小数 decimals)"


def test_geopackage_keeps_a_real_date_time_in_utc(tmp_path: Path) -> None:
    out = tmp_path / "roads.gpkg"
    write_export([_roads(updated_at=[LATE, None])], ExportOptions(fmt="gpkg"), out)
    assert "更新时间: DateTime" in ogrinfo(out, "-so", "-al")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # GDAL warns about a non-UTC GeoPackage date-time
        back = pyogrio.read_dataframe(out, layer="roads")
    assert back["更新时间"].iloc[0] == LATE.replace(second=59)
    assert str(back["更新时间"].dt.tz) == "UTC"
    dictionary = pyogrio.read_dataframe(out, layer="field_dictionary")
    row = dictionary[dictionary["字段代码 field"] == "upd_at"]
    assert "UTC" in row["类型 type"].iloc[0] and "北京时间" in row["类型 type"].iloc[0]

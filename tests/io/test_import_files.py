"""Reading other bureaus' files (geo.io, no database): hostile and broken files are refused with one
sentence and leave no temporary file; good ones are read with the right encoding and CRS."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openpyxl
import pyogrio
import pytest
import shapely

from geo import crs as geo_crs
from geo.errors import TrackerError
from geo.io import coords
from geo.io.archive import BrokenFileError, Limits, UnsafeFileError, read_member
from geo.io.encoding import AmbiguousEncodingError, EncodingError, decide
from geo.io.readers import SourceTable, open_source
from tests.helpers.bureau import ROAD_LONLAT, feeders_gpkg, register_workbook, transport_zip, zip_bytes

SHAPE = {"a.shp": b"", "a.shx": b"", "a.dbf": b""}


@pytest.fixture
def tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The reader's temporary folders go here, and must all be gone after each read."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == [], "a temporary file was left behind"


def read(path: Path, limits: Limits | None = None) -> SourceTable:
    with open_source(path, path.name, limits=limits) as source:
        return source.read()


def refused(path: Path, match: str, kind: type[Exception] = TrackerError,
            limits: Limits | None = None) -> str:
    with pytest.raises(kind, match=match) as caught:
        read(path, limits)
    message = str(caught.value)
    assert "\n" not in message and message.endswith((".", ")")), message
    return message


# --- zips ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("member", ["../evil.shp", "/etc/evil.shp", "sub/../../evil.shp",
                                    "C:/evil.shp", "..\\evil.shp"])
def test_zip_member_escaping_the_folder_is_refused(tmp_path: Path, tmp: Path, member: str) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(zip_bytes({member: b"x", "a.dbf": b"x", "a.shx": b"x"}))
    refused(path, "unsafe path", UnsafeFileError)
    assert not (tmp_path / "evil.shp").exists() and not Path("/etc/evil.shp").exists()


def test_zip_bomb_by_declared_size_is_refused_before_extracting(tmp_path: Path, tmp: Path) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(zip_bytes({"a.shp": b"\0" * (50 * 1024 * 1024), "a.shx": b"", "a.dbf": b""}))
    assert path.stat().st_size < 200_000  # 50 MB of zeros packs to ~50 KB: a ratio near 1000
    refused(path, "zip bomb", UnsafeFileError)


def test_zip_bomb_by_total_size_is_refused(tmp_path: Path, tmp: Path) -> None:
    path = tmp_path / "big.zip"
    path.write_bytes(zip_bytes({**SHAPE, "a.shp": os.urandom(1_500_000)}))  # incompressible
    refused(path, "would unpack to", UnsafeFileError,
            limits=Limits(max_unpacked_bytes=1_000_000))


def test_forged_header_cannot_unpack_more_than_it_declares(tmp_path: Path, tmp: Path) -> None:
    """A member whose headers understate its size passes the declared-size checks, but reading
    stops at the declared size and the mismatch is refused."""
    data = bytearray(zip_bytes({"a.shp": b"\x00" * 600_000, "a.shx": b"x", "a.dbf": b"x"},
                               compression=zipfile.ZIP_STORED))
    small = (1000).to_bytes(4, "little")
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        found = data.find(signature)  # the first entry is a.shp in both headers
        data[found + offset:found + offset + 4] = small
    path = tmp_path / "forged.zip"
    path.write_bytes(bytes(data))
    refused(path, "cannot be unpacked|not a shapefile", TrackerError)


def test_bytes_read_are_capped_whatever_the_header_says(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(zip_bytes({"a.shp": b"\x00" * 5000}))
    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    with pytest.raises(UnsafeFileError, match="unpacks to more than"):
        read_member(path, info, "x.zip", budget=1000)


def test_file_over_the_size_limit_is_refused(tmp_path: Path, tmp: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("a,b\n" + "1,2\n" * 400_000)
    refused(path, "over the import limit", UnsafeFileError, limits=Limits(max_file_bytes=1_000_000))


def test_encrypted_zip_is_refused(tmp_path: Path, tmp: Path) -> None:
    path = tmp_path / "secret.zip"
    data = bytearray(zip_bytes(SHAPE, compression=zipfile.ZIP_STORED))
    # set the "encrypted" flag (bit 0) in every local and central header, as an encrypting tool does
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := data.find(signature, start)) != -1:
            data[found + offset] |= 0x01
            start = found + 4
    path.write_bytes(bytes(data))
    refused(path, "password-protected", BrokenFileError)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_zip_is_refused(tmp_path: Path, tmp: Path, cut: float) -> None:
    good = transport_zip(tmp_path / "good.zip").read_bytes()
    path = tmp_path / "cut.zip"
    path.write_bytes(good[: int(len(good) * cut)])
    refused(path, "not a readable zip|cannot be unpacked|truncated", BrokenFileError)


def test_corrupt_member_data_is_refused(tmp_path: Path, tmp: Path) -> None:
    good = bytearray(transport_zip(tmp_path / "good.zip").read_bytes())
    for index in range(200, 400):  # scribble over compressed data, leave the directory intact
        good[index] ^= 0x5A
    path = tmp_path / "corrupt.zip"
    path.write_bytes(bytes(good))
    refused(path, "damaged|not a shapefile|not a dBASE|cannot be read", TrackerError)


@pytest.mark.parametrize(("members", "match"), [
    ({"readme.txt": b"hello"}, "holds no .shp"),
    ({"a.shp": b"x", "a.shx": b"x", "a.dbf": b"x", "b.shp": b"x", "b.shx": b"x", "b.dbf": b"x"},
     "holds 2 shapefiles"),
    ({"a.shp": b"x", "a.shx": b"x"}, "has no .dbf"),
    ({"a.shp": b"x", "a.dbf": b"x"}, "has no .shx"),
])
def test_zip_without_exactly_one_complete_shapefile(tmp_path: Path, tmp: Path,
                                                    members: dict[str, bytes], match: str) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(zip_bytes(members))
    refused(path, match, BrokenFileError)


# --- files that would make GDAL read something else -------------------------------------------

VRT = (b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource>'
       b"</OGRVRTLayer></OGRVRTDataSource>")


def test_vrt_inside_a_zip_is_never_read(tmp_path: Path, tmp: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(zip_bytes({"layer.vrt": VRT}))
    refused(path, "holds no .shp", BrokenFileError)


def test_vrt_renamed_to_shp_is_refused_by_its_content(tmp_path: Path, tmp: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(zip_bytes({"a.shp": VRT, "a.shx": VRT, "a.dbf": b"\x03" + b"\0" * 40}))
    refused(path, "not a shapefile", UnsafeFileError)


@pytest.mark.parametrize("name", ["x.geojson", "x.csv", "x.gpkg", "x.json"])
def test_vrt_under_another_extension_is_refused(tmp_path: Path, tmp: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(VRT)
    refused(path, "VRT|not a GeoPackage|holds", UnsafeFileError if name != "x.gpkg" else TrackerError)


def test_vrt_drivers_are_not_registered() -> None:
    assert "OGR_VRT" not in pyogrio.list_drivers() and "VRT" not in pyogrio.list_drivers()


def test_geopackage_with_a_virtual_table_is_refused(tmp_path: Path, tmp: Path) -> None:
    path = feeders_gpkg(tmp_path / "feeders.gpkg")
    db = sqlite3.connect(path)
    db.execute("PRAGMA writable_schema = ON")
    db.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES ('table', "
               "'evil', 'evil', 0, 'CREATE VIRTUAL TABLE evil USING VirtualOGR(''/etc/passwd'')')")
    db.commit()
    db.close()
    refused(path, "virtual table", UnsafeFileError)


def test_geopackage_with_a_view_is_refused(tmp_path: Path, tmp: Path) -> None:
    path = feeders_gpkg(tmp_path / "feeders.gpkg")
    with sqlite3.connect(path) as db:
        db.execute("CREATE VIEW v AS SELECT 1")
    refused(path, "a view", UnsafeFileError)


def test_geojson_link_crs_is_not_followed(tmp_path: Path, tmp: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": {
        "type": "link", "properties": {"href": "http://127.0.0.1:9/crs", "type": "proj4"}},
        "features": [{"type": "Feature", "properties": {"名称": "甲"},
                      "geometry": {"type": "Point", "coordinates": [113.6, 33.5]}}]}),
        encoding="utf-8")
    table = read(path)
    assert table.epsg is None and "not followed" in table.crs_how
    assert table.frame["名称"].tolist() == ["甲"]


def test_extension_and_content_must_agree(tmp_path: Path, tmp: Path) -> None:
    path = tmp_path / "roads.geojson"
    path.write_bytes(transport_zip(tmp_path / "r.zip").read_bytes())
    refused(path, "named like GeoJSON but holds Shapefile", BrokenFileError)


def test_bare_shp_is_explained(tmp_path: Path, tmp: Path) -> None:
    path = tmp_path / "roads.shp"
    path.write_bytes(b"\0" * 100)
    refused(path, "zip it together", BrokenFileError)


# --- spreadsheets -------------------------------------------------------------------------------

def test_formulas_are_refused_with_the_cell(tmp_path: Path, tmp: Path) -> None:
    path = register_workbook(tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    book.active["H4"] = "=H3+1"  # type: ignore[index]
    book.save(path)
    message = refused(path, "holds formulas", BrokenFileError)
    assert "H4" in message


def test_merged_header_is_refused(tmp_path: Path, tmp: Path) -> None:
    path = register_workbook(tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("I2:J2")  # type: ignore[union-attr]
    book.save(path)
    refused(path, r"merged header cells \(I2:J2\)", BrokenFileError)


def test_merged_data_cells_are_refused(tmp_path: Path, tmp: Path) -> None:
    path = register_workbook(tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("C3:C4")  # type: ignore[union-attr]
    book.save(path)
    refused(path, r"merged data cells \(C3:C4\)", BrokenFileError)


def test_empty_sheet_is_refused(tmp_path: Path, tmp: Path) -> None:
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    refused(path, "is empty", BrokenFileError)


def test_title_row_above_the_header_is_skipped(tmp_path: Path, tmp: Path) -> None:
    table = read(register_workbook(tmp_path / "r.xlsx"))
    assert list(table.frame.columns)[:5] == ["序号", "县(市、区)", "乡(镇)", "行政村", "户主姓名"]
    assert table.row_numbers.tolist() == [3, 4, 5, 6]  # Excel's own row numbers
    assert any("above the header were skipped" in n for n in table.notes)


def test_old_xls_is_explained(tmp_path: Path, tmp: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    refused(path, "old Excel .xls or a password-protected", BrokenFileError)


# --- encodings ----------------------------------------------------------------------------------

def test_gbk_shapefile_without_cpg_is_detected(tmp_path: Path, tmp: Path) -> None:
    table = read(transport_zip(tmp_path / "roads.zip"))
    assert table.encoding is not None and table.encoding.encoding == "GBK"
    assert "detected" in table.encoding.how
    assert "路线编号" in table.frame.columns and table.frame["名称"].iloc[0] == "北舞渡镇沙河大桥"
    assert table.epsg is None and table.crs_how == "no .prj in the zip"


def test_cpg_that_contradicts_the_bytes_is_refused(tmp_path: Path, tmp: Path) -> None:
    path = transport_zip(tmp_path / "roads.zip", cpg="UTF-8")
    refused(path, "not valid in its declared encoding", EncodingError)


def test_utf8_csv_and_gbk_csv_read_the_same(tmp_path: Path, tmp: Path) -> None:
    text = "名称,经度,纬度\n北舞渡镇水厂,113.65,33.605\n"
    for encoding in ("utf-8", "gbk", "utf-8-sig"):
        path = tmp_path / f"x-{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        table = read(path)
        assert table.frame["名称"].tolist() == ["北舞渡镇水厂"], encoding


def test_undecidable_encoding_shows_both_readings_and_asks() -> None:
    values = [b"\xc2\x80\xc3\x81"]  # valid in both, and reads as Chinese text in neither
    with pytest.raises(AmbiguousEncodingError) as caught:
        decide(values, "x.csv")
    assert set(caught.value.readings) == {"GBK", "UTF-8"}
    assert "--encoding GBK" in str(caught.value)
    assert decide(values, "x.csv", chosen="GBK").encoding == "GBK"


def test_chosen_encoding_that_does_not_fit_is_refused() -> None:
    with pytest.raises(EncodingError, match="not valid in the chosen encoding"):
        decide(["沙河".encode("gbk")], "x.csv", chosen="UTF-8")


# --- coordinates --------------------------------------------------------------------------------

def _gk(epsg: int, points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    x, y = geo_crs.project_xy(np.array([p[0] for p in points]), np.array([p[1] for p in points]),
                              geo_crs.STORAGE_EPSG, epsg)
    return x, y


@pytest.mark.parametrize(("epsg", "words"), [(4526, "zone number 38"), (4547, "without a zone number")])
def test_gauss_kruger_with_and_without_zone_prefix(epsg: int, words: str) -> None:
    x, y = _gk(epsg, ROAD_LONLAT[0])
    guess = coords.guess_crs(x, y, (113.5, 33.4, 113.8, 33.7))
    assert guess.epsg == epsg and not guess.swapped and words in guess.how


def test_surveyors_xy_order_is_caught() -> None:
    x, y = _gk(4526, ROAD_LONLAT[0])
    guess = coords.guess_crs(y, x)  # X = northing, as Chinese surveying writes it
    assert guess.epsg == 4526 and guess.swapped and "northing first" in guess.how


def test_swapped_degrees_and_six_degree_zone() -> None:
    guess = coords.guess_crs(np.array([33.5, 33.6]), np.array([113.6, 113.7]))
    assert guess.swapped and guess.epsg == geo_crs.STORAGE_EPSG and "swapped" in guess.how
    x, y = _gk(geo_crs.gk6_epsg(113.6), ROAD_LONLAT[0])
    assert coords.guess_crs(x, y, (113.5, 33.4, 113.8, 33.7)).epsg == 4508


def test_degrees_minutes_seconds_and_gcj02() -> None:
    assert coords.parse_numbers(np.array(["113°36'36\"E", "33.5", None, "x"], dtype=object))[:2] == \
        pytest.approx([113.61, 33.5])
    truth = shapely.Point(113.65, 33.605)
    shown = shapely.Point(*geo_crs.wgs84_to_gcj02(truth.x, truth.y))
    back = coords.to_storage(np.array([shown], dtype=object), 4490, from_gcj02=True)[0]
    assert back.distance(truth) < 1e-7 and shown.distance(truth) > 0.004  # ≈ 0.5 km off before

"""Importing bureaus' files into a real PostGIS through views.imports (the CLI's and the page's path).

Each test runs in a rolled-back transaction; ``run_import`` works in a savepoint of it, so a dry
run, a refused file or a file with errors can be shown to have written nothing at all.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
import sqlalchemy as sa

from geo.errors import TrackerError
from layers.store import read_layer, set_status
from tests.helpers.bureau import (
    HOUSE_ID,
    IMPORTER,
    ROAD_LONLAT,
    TOWNSHIP2,
    VILLAGE2,
    VILLAGE3,
    WORKS_LONLAT,
    add_places,
    counts,
    feeders_gpkg,
    register_rows,
    register_workbook,
    to_gk38,
    transport_zip,
    water_workbook,
    zip_bytes,
)
from tests.helpers.samples import TOWNSHIP, VILLAGE
from views import import_report
from views.imports import ImportReport, ImportRequest, run_import

pytestmark = pytest.mark.postgis


@pytest.fixture
def places(db_conn: sa.Connection) -> sa.Connection:
    add_places(db_conn)
    return db_conn


@pytest.fixture
def tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TRACKER_USER", IMPORTER)
    yield folder
    assert list(folder.iterdir()) == [], "a temporary file was left behind"


def run(conn: sa.Connection, path: Path, layer: str, **kw: Any) -> ImportReport:
    return run_import(conn, ImportRequest(path, path.name, layer=layer, **kw))


def rows(conn: sa.Connection, layer: str) -> list[dict[str, Any]]:
    """The stored features, by code; NaN (a missing float) as None so that rows compare."""
    frame = read_layer(conn, layer, include_private=True)
    frame = frame.sort_values("code") if "code" in frame else frame
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


def reasons(report: ImportReport) -> list[str]:
    return [f"{p.row}|{p.column}|{p.reason}" for p in report.errors]


# --- 交通局: GBK shapefile without .cpg or .prj, Gauss-Kruger zone 38 --------------------------

def test_transport_shapefile_dry_run_then_commit_then_again(places: sa.Connection, tmp_path: Path,
                                                            tmp: Path) -> None:
    path = transport_zip(tmp_path / "交通局水毁路段.zip")
    before = counts(places)
    dry = run(places, path, "roads")
    assert not dry.errors and not dry.committed
    assert counts(places) == before  # a dry run writes nothing
    staged = dry.layers[0].staged
    assert staged is not None and "zone number 38" in staged.crs_text and "no .prj" in staged.crs_text
    assert staged.source.encoding is not None and staged.source.encoding.encoding == "GBK"
    assert dry.layers[0].table == "水毁路段"  # the zip's GBK member name, read as GBK
    assert dry.layers[0].outcome is not None and dry.layers[0].outcome.inserted == 2

    done = run(places, path, "roads", commit=True)
    assert done.committed and not done.errors
    stored = rows(places, "roads")
    assert [r["name"] for r in stored] == ["北舞渡镇沙河大桥", "舞泉镇东关连接线"]
    first = stored[0]
    assert (first["route_code"], first["road_class"], first["structure"], first["damage_type"],
            first["passable"], first["status"], first["severity"], first["cost_wan"]) == \
        ("X012", "county", "bridge", "bridge", "blocked", "not_started", "severe", 12.5)
    assert shapely.equals_exact(first["geom"], shapely.LineString(ROAD_LONLAT[0]), 1e-7)
    logged = places.execute(sa.text("SELECT layer, sha256, imported_by, inserted FROM import_log")).one()
    assert logged.layer == "roads" and len(logged.sha256) == 64 and logged.imported_by == "导入员"
    assert logged.inserted == 2

    after = counts(places)
    again = run(places, path, "roads", commit=True)  # the same file: nothing changes
    assert "was imported into roads" in again.layers[0].skipped
    assert counts(places) == after and rows(places, "roads") == stored


def test_declared_crs_wins_and_a_wrong_choice_puts_rows_outside(places: sa.Connection,
                                                               tmp_path: Path, tmp: Path) -> None:
    path = transport_zip(tmp_path / "r.zip")
    chosen = run(places, path, "roads", crs="EPSG:4547")  # wrong: the eastings carry the zone 38
    assert any("outside the range of their coordinate system" in r for r in reasons(chosen))
    right = run(places, path, "roads", crs="EPSG:4526")
    assert not right.errors


def test_unknown_values_come_with_a_proposal_and_can_be_confirmed(places: sa.Connection,
                                                                  tmp_path: Path, tmp: Path) -> None:
    path = transport_zip(tmp_path / "r.zip", records=[
        ["X012-001", "甲桥", "X012", "县道", "桥梁", "K12+300", "桥梁损毁", "中断", "已开工", "严重", 1.0, "甲"],
        ["X012-001", "乙桥", "X012", "县道", "桥梁", "K1+000", "桥梁损毁", "中断", "未开工", "严重", 1.0, "乙"],
    ])
    report = run(places, path, "roads")
    found = {(p.row, p.column): p for p in report.errors}
    assert "not a known status" in found[(1, "进展")].reason and found[(1, "进展")].value == "已开工"
    assert found[(2, "编号")].reason.startswith("appears more than once")
    assert report.layers[0].staged is not None
    assert "已开工" in report.layers[0].staged.unknown_values["status"]
    fixed = run(places, path, "roads", values={"status": {"已开工": "repairing"}})
    assert [p.column for p in fixed.errors] == ["编号"]  # only the duplicate code is left


# --- 水利局: Excel with GCJ-02 lon/lat ------------------------------------------------------------

def test_water_works_from_amap_coordinates(places: sa.Connection, tmp_path: Path, tmp: Path) -> None:
    path = water_workbook(tmp_path / "水利局.xlsx")
    report = run(places, path, "water_works", from_gcj02=True, commit=True)
    assert report.committed, reasons(report)
    stored = rows(places, "water_works")
    for row, truth in zip(stored, WORKS_LONLAT, strict=True):
        assert row["geom"].distance(shapely.Point(truth)) < 1e-7
    plant, pump = stored
    assert plant["villages_served"] == [VILLAGE, VILLAGE3]  # 东关村 of the row's township
    assert pump["villages_served"] == [VILLAGE2] and pump["status"] == "done"  # 已修复
    assert (plant["kind"], plant["use"], pump["township_code"]) == ("plant", "living", TOWNSHIP2)


def test_amap_coordinates_without_conversion_land_half_a_kilometre_off(places: sa.Connection,
                                                                       tmp_path: Path, tmp: Path) -> None:
    path = water_workbook(tmp_path / "水利局.xlsx")
    report = run(places, path, "water_works", commit=True)
    assert report.committed
    plant = rows(places, "water_works")[0]
    assert plant["geom"].distance(shapely.Point(WORKS_LONLAT[0])) > 0.004


def test_swapped_and_missing_coordinates_are_caught(places: sa.Connection, tmp_path: Path,
                                                    tmp: Path) -> None:
    x, y = WORKS_LONLAT[0]
    path = water_workbook(tmp_path / "w.xlsx", gcj02=False, rows=[
        ["SL-1", "甲", "水厂", "生活", "北舞渡镇", "沙河湾村", "未开工", x, y],
        ["SL-2", "乙", "水厂", "生活", "北舞渡镇", "沙河湾村", "未开工", y, x],
        ["SL-3", "丙", "水厂", "生活", "北舞渡镇", "沙河湾村", "未开工", "", y],
        ["SL-4", "丁", "水厂", "生活", "北舞渡镇", "沙河湾村", "未开工", 116.4, 39.9],
    ])
    before = counts(places)
    report = run(places, path, "water_works", commit=True)
    found = reasons(report)
    assert any(r.startswith("4|geometry|longitude and latitude seem swapped") for r in found)
    assert any(r.startswith("5|经度/纬度|missing or unreadable coordinate") for r in found)
    assert any(r.startswith("6|geometry|outside the county") for r in found)
    assert not report.committed and counts(places) == before


# --- 供电公司: GeoPackage with its own column names --------------------------------------------

def test_feeders_need_their_code_column_confirmed(places: sa.Connection, tmp_path: Path,
                                                  tmp: Path) -> None:
    path = feeders_gpkg(tmp_path / "供电公司.gpkg")
    first = run(places, path, "power_lines")
    staged = first.layers[0].staged
    assert staged is not None
    unknown = next(c for c in staged.choices if c.source == "线路编号")
    assert unknown.target is None and unknown.proposal == "code"
    assert any("required, but the file has no column for it" in r for r in reasons(first))
    mapping = import_report.mapping_frame(first.layers[0], "zh")
    assert "未识别，不导入" in mapping["识别方式"].tolist()

    done = run(places, path, "power_lines", columns={"线路编号": "code"}, commit=True,
               bureau="供电公司", save_mapping=True)
    assert done.committed, reasons(done)
    second = rows(places, "power_lines")[1]
    assert (second["parent_code"], second["feeder"], second["villages_fed"], second["filing"]) == \
        ("P-100", "沙河线", [VILLAGE, VILLAGE3], "filing")
    # the bureau's next file: the saved mapping is used without --map
    again = run(places, feeders_gpkg(tmp_path / "next.gpkg"), "power_lines", bureau="供电公司")
    assert again.layers[0].staged is not None
    pick = next(c for c in again.layers[0].staged.choices if c.source == "线路编号")
    assert (pick.target, pick.how) == ("code", "saved")


# --- 防返贫监测信息系统: the household register -------------------------------------------------

def test_household_register(places: sa.Connection, tmp_path: Path, tmp: Path) -> None:
    path = register_workbook(tmp_path / "监测对象.xlsx")
    report = run(places, path, "households", commit=True)
    assert report.committed, reasons(report)
    stored = {r["head_name"]: r for r in rows(places, "households")}
    assert set(stored) == {"王二妮", "赵大山", "钱小花"}  # the spouse's row is not a household
    wang, zhao, qian = stored["王二妮"], stored["赵大山"], stored["钱小花"]
    assert (wang["category"], wang["monitor_kind"], wang["risk_housing"], wang["risk_water"],
            wang["risk_food"], wang["members"], wang["id_number"], wang["phone"]) == \
        ("monitored", "sudden", True, True, False, 4, HOUSE_ID, "13800000000")
    assert (zhao["village_code"], zhao["category"], zhao["risk_medical"]) == (VILLAGE2, "monitored", True)
    assert qian["village_code"] == VILLAGE3 and qian["category"] == "general"
    assert wang["code"] == f"{VILLAGE}0001" and qian["code"] == f"{VILLAGE3}0001"
    assert wang["geom"].equals(shapely.Point(113.65, 33.6))  # the village's centre
    warnings = [p for p in report.layers[0].problems if p.severity == "warning"]
    assert any(p.value == "因灾" and "no risk flag set" in p.reason for p in warnings)
    lines = import_report.summary_lines(report, "en")
    assert any("1 rows of other family members" in line for line in lines)
    assert any("placed at their village's centre" in line for line in lines)

    # next month's register: the same people without codes are matched by ID number
    changed = register_rows()
    changed[0][7] = 5
    again = run(places, register_workbook(tmp_path / "十月.xlsx", changed), "households", commit=True)
    outcome = again.layers[0].outcome
    assert outcome is not None and (outcome.inserted, outcome.updated, outcome.unchanged) == (0, 1, 2)
    assert {r["head_name"]: r["members"] for r in rows(places, "households")}["王二妮"] == 5


def test_imported_risk_flags_open_problems_on_the_ledger_once(places: sa.Connection,
                                                              tmp_path: Path, tmp: Path) -> None:
    """A register's raised flags become 待处理 problems (issue 13's ledger keeps the flags), once:
    importing next month's register again opens nothing more."""
    run(places, register_workbook(tmp_path / "监测对象.xlsx"), "households", commit=True)
    flagged = places.execute(sa.text(
        "SELECT count(*) FILTER (WHERE risk_food) + count(*) FILTER (WHERE risk_clothing)"
        " + count(*) FILTER (WHERE risk_education) + count(*) FILTER (WHERE risk_medical)"
        " + count(*) FILTER (WHERE risk_housing) + count(*) FILTER (WHERE risk_water)"
        " FROM households")).scalar_one()
    opened = places.execute(sa.text(
        "SELECT count(*) FROM problems WHERE state = 'open' AND created_by = :who"),
        {"who": IMPORTER}).scalar_one()
    assert flagged >= 3 and opened == flagged  # 王二妮 housing + water, 赵大山 medical, …
    history = places.execute(sa.text(
        "SELECT count(*) FROM change_history WHERE table_name = 'problems'")).scalar_one()
    assert history == opened
    run(places, register_workbook(tmp_path / "十月.xlsx"), "households", commit=True)
    assert places.execute(sa.text("SELECT count(*) FROM problems")).scalar_one() == opened


def test_register_problems_and_the_masked_report(places: sa.Connection, tmp_path: Path,
                                                 tmp: Path) -> None:
    bad = register_rows()
    bad[0][6] = 4.11121198001011e17  # Excel turned the ID number into a number
    bad[2][9] = ""  # 脱贫户 without a monitoring kind: fine; now a 监测户 without one
    bad[2][8] = "监测户"
    bad[3][2] = ""  # 东关村 without a township: two villages have that name
    bad[1][5] = "户主"  # the spouse's row as a second household, with a 17-digit ID number
    bad[1][6] = "41112119820202123"
    before = counts(places)
    report = run(places, register_workbook(tmp_path / "r.xlsx", bad), "households", commit=True)
    found = reasons(report)
    assert any(r.startswith("3|证件号码|stored as a number") for r in found)
    assert any(r.startswith("5|户类型|a 监测对象 needs its 监测对象类别") for r in found)
    assert any("found in 2 townships" in r and r.startswith("6|行政村") for r in found)
    assert counts(places) == before
    assert any(r.startswith("4|证件号码|not an 18-character ID number") for r in found)
    csv_text = import_report.report_csv(report, "zh").decode("utf-8-sig")
    assert "41112119820202123" not in csv_text  # masked, and still findable in the file:
    assert "411************23" in csv_text


# --- edits in the app are never silently overwritten ------------------------------------------

def test_status_changed_in_the_app_is_kept_unless_overwritten(
        fresh_database: Callable[..., str], tmp_path: Path, tmp: Path) -> None:
    """Separate transactions, as in life: the import, then an edit in the app, then the next file."""
    engine = sa.create_engine(fresh_database(), poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        add_places(conn)
    first = transport_zip(tmp_path / "九月.zip")
    assert run_import(engine, ImportRequest(first, first.name, layer="roads", commit=True)).committed
    with engine.begin() as conn:
        road = rows(conn, "roads")[0]
        set_status(conn, "roads", int(road["id"]), "opened", int(road["version"]), "镇干部")
    records = [["X012-001", "北舞渡镇沙河大桥", "X012", "县道", "桥梁", "K12+300", "桥梁损毁", "中断",
                "抢通中", "严重", 20.0, "县交通运输局"]]
    later = transport_zip(tmp_path / "十月.zip", records=records, lines=[to_gk38(ROAD_LONLAT[0])])
    kept = run_import(engine, ImportRequest(later, later.name, layer="roads", commit=True))
    outcome = kept.layers[0].outcome
    assert outcome is not None and outcome.kept == 1 and outcome.updated == 1
    found = {c.column: c for c in outcome.conflicts}  # set_status also opened the road
    assert (found["status"].code, found["status"].app_value, found["status"].file_value,
            found["status"].changed_by) == ("X012-001", "opened", "opening", "镇干部")
    assert (found["passable"].app_value, found["passable"].file_value) == ("open", "blocked")
    with engine.begin() as conn:
        now = rows(conn, "roads")[0]
        assert now["status"] == "opened" and now["cost_wan"] == 20.0  # the rest of the row updated
        set_status(conn, "roads", int(now["id"]), "repairing", int(now["version"]), "镇干部")
    records[0][10] = 21.0  # another month's estimate: another file
    third = transport_zip(tmp_path / "十一月.zip", records=records, lines=[to_gk38(ROAD_LONLAT[0])])
    chosen = run_import(engine, ImportRequest(third, third.name, layer="roads", commit=True,
                                              overwrite=frozenset({"X012-001"})))
    assert chosen.layers[0].outcome is not None and chosen.layers[0].outcome.overwritten == 1
    with engine.connect() as conn:
        assert rows(conn, "roads")[0]["status"] == "opening"
    engine.dispose()


# --- geometry problems -------------------------------------------------------------------------

def _villages_geojson(path: Path, features: list[tuple[str, str, dict[str, Any]]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"村代码": code, "村名": name}, "geometry": geometry}
        for code, name, geometry in features]}, ensure_ascii=False), encoding="utf-8")
    return path


BOW_TIE = {"type": "Polygon", "coordinates": [[[113.60, 33.50], [113.62, 33.52], [113.62, 33.50],
                                               [113.60, 33.52], [113.60, 33.50]]]}


def test_bow_tie_is_refused_then_repaired_on_request_with_a_preview(places: sa.Connection,
                                                                    tmp_path: Path, tmp: Path) -> None:
    path = _villages_geojson(tmp_path / "自然资源局村界.geojson", [("411121102209", "新村", BOW_TIE)])
    refused = run(places, path, "villages", commit=True)
    assert any("bow-tie" in r and "make_valid" in r for r in reasons(refused))
    preview = import_report.repairs_frame(refused.layers[0], "en")
    assert preview["Area before"].iloc[0] < 1000 < preview["Area after"].iloc[0]  # lobes cancel
    assert not refused.committed
    repaired = run(places, path, "villages", commit=True, make_valid=True)
    assert repaired.committed, reasons(repaired)
    stored = next(r for r in rows(places, "villages") if r["code"] == "411121102209")
    assert stored["geom"].is_valid and stored["geom"].geom_type == "MultiPolygon"
    assert stored["township_code"] == TOWNSHIP  # from the village code's first nine digits


@pytest.mark.parametrize(("geometry", "reason"), [
    ({"type": "Point", "coordinates": [float("nan"), 33.5]}, "cannot be read"),
    ({"type": "LineString", "coordinates": [[113.6, 33.5], [113.6, 33.5]]}, "two distinct points"),
    ({"type": "Polygon", "coordinates": []}, "empty geometry"),
    ({"type": "LineString", "coordinates": [[113.6, 33.5]]}, "cannot be read"),
])
def test_broken_geometries_are_refused(places: sa.Connection, tmp_path: Path, tmp: Path,
                                       geometry: dict[str, Any], reason: str) -> None:
    path = tmp_path / "x.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "编码": "C-9", "名称": "卫生室", "机构类别": "村卫生室"}, "geometry": geometry}]})
    path.write_text(text, encoding="utf-8")
    before = counts(places)
    report = run(places, path, "clinics", commit=True)
    assert any(reason in r for r in reasons(report)), reasons(report)
    assert counts(places) == before


def test_nan_coordinates_in_a_shapefile_are_refused(places: sa.Connection, tmp_path: Path,
                                                    tmp: Path) -> None:
    import shapefile

    folder = tmp_path / "parts"
    folder.mkdir()
    writer = shapefile.Writer(str(folder / "clinics"), shapeType=shapefile.POINT, encoding="utf-8")
    for name in ("编码", "名称", "类别"):
        writer.field(name, "C", 20)
    writer.point(float("nan"), 33.5)
    writer.record("C-9", "卫生室", "村卫生室")
    writer.close()
    path = _write(tmp_path / "clinics.zip", zip_bytes({p.name: p.read_bytes() for p in folder.iterdir()}))
    before = counts(places)
    report = run(places, path, "clinics", commit=True, crs="EPSG:4490")
    assert any("NaN or infinite coordinates" in r for r in reasons(report)), reasons(report)
    assert counts(places) == before


# --- hostile files: one sentence, nothing written, no temporary file ---------------------------

def _vrt(path: Path) -> Path:
    path.write_bytes(b"<OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>/etc/passwd"
                     b"</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>")
    return path


HOSTILE: dict[str, Callable[[Path], Path]] = {
    "traversal": lambda p: _write(p / "x.zip", zip_bytes({"../x.shp": b"1", "x.dbf": b"1", "x.shx": b"1"})),
    "absolute": lambda p: _write(p / "x.zip", zip_bytes({"/tmp/x.shp": b"1", "x.dbf": b"1"})),
    "bomb": lambda p: _write(p / "x.zip", zip_bytes({"a.shp": b"\0" * 30_000_000, "a.dbf": b"1"})),
    "truncated": lambda p: _write(p / "x.zip", transport_zip(p / "t.zip").read_bytes()[:300]),
    "no shp": lambda p: _write(p / "x.zip", zip_bytes({"a.dbf": b"1"})),
    "two shp": lambda p: _write(p / "x.zip", zip_bytes({f"{s}{e}": b"1" for s in "ab"
                                                        for e in (".shp", ".shx", ".dbf")})),
    "no dbf": lambda p: _write(p / "x.zip", zip_bytes({"a.shp": b"1", "a.shx": b"1"})),
    "vrt": lambda p: _vrt(p / "x.geojson"),
    "vrt in zip": lambda p: _write(p / "x.zip", zip_bytes({"a.vrt": _vrt(p / "v.vrt").read_bytes()})),
    "empty": lambda p: _write(p / "x.csv", b""),
    "encrypted": lambda p: _write(p / "x.zip", _encrypted(transport_zip(p / "t.zip").read_bytes())),
    "corrupt": lambda p: _write(p / "x.zip", _scribbled(transport_zip(p / "t.zip").read_bytes())),
    "empty sheet": lambda p: _empty_sheet(p / "x.xlsx"),
}


def _encrypted(data: bytes) -> bytes:
    """The "encrypted" flag set in every header, as an encrypting zip tool sets it."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := out.find(signature, start)) != -1:
            out[found + offset] |= 0x01
            start = found + 4
    return bytes(out)


def _scribbled(data: bytes) -> bytes:
    out = bytearray(data)
    for index in range(120, 400):  # compressed data; the central directory stays readable
        out[index] ^= 0x5A
    return bytes(out)


def _empty_sheet(path: Path) -> Path:
    import openpyxl

    openpyxl.Workbook().save(path)
    return path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_file_writes_nothing(places: sa.Connection, tmp_path: Path, tmp: Path,
                                     kind: str) -> None:
    path = HOSTILE[kind](tmp_path)
    before = counts(places)
    with pytest.raises(TrackerError) as caught:
        run(places, path, "roads", commit=True)
    assert "\n" not in str(caught.value)
    assert counts(places) == before


def test_file_over_the_size_limit_writes_nothing(places: sa.Connection, tmp_path: Path, tmp: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_IMPORT_MAX_MB", "1")
    path = water_workbook(tmp_path / "big.xlsx")
    path.write_bytes(path.read_bytes() + b"\0" * (2 * 1024 * 1024))
    before = counts(places)
    with pytest.raises(TrackerError, match="over the import limit of 1 MB"):
        run(places, path, "water_works", commit=True)
    assert counts(places) == before


def test_spreadsheet_with_formula_writes_nothing(places: sa.Connection, tmp_path: Path, tmp: Path) -> None:
    import openpyxl

    path = register_workbook(tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    book.active["H3"] = "=SUM(H4:H5)"  # type: ignore[index]
    book.save(path)
    before = counts(places)
    with pytest.raises(TrackerError, match="holds formulas"):
        run(places, path, "households", commit=True)
    assert counts(places) == before


def test_one_bad_row_writes_no_row_of_the_file(places: sa.Connection, tmp_path: Path, tmp: Path) -> None:
    path = transport_zip(tmp_path / "r.zip", records=[
        ["X012-001", "好桥", "X012", "县道", "桥梁", "K12+300", "桥梁损毁", "中断", "未开工", "严重", 1.0, "甲"],
        ["X012-002", "坏桥", "Q9", "县道", "桥梁", "12km", "桥梁损毁", "中断", "未开工", "严重", 1.0, "乙"],
    ])
    before = counts(places)
    report = run(places, path, "roads", commit=True)
    found = reasons(report)
    assert any(r.startswith("2|路线编号|breaks the rule ck_roads_route_code") for r in found)
    assert any(r.startswith("2|桩号|breaks the rule ck_roads_chainage") for r in found)
    assert counts(places) == before and not report.committed

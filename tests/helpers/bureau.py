"""Files that look like what the county's bureaus hand over, built directly with pyshp, openpyxl and
GDAL (pyogrio) — never with the tracker's exporter — plus the places they refer to.

- 交通局: a GBK shapefile zip from ArcGIS, Chinese field names, no .cpg, no .prj, Gauss-Kruger
  metres with the zone number 38 in the easting (EPSG:4526).
- 水利局: an Excel sheet with 经度/纬度 copied from AMap (GCJ-02), a title row merged above.
- 供电公司: a GeoPackage of feeders with its own column names.
- 防返贫监测信息系统: the household register, one row per member, national headers.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pyogrio
import shapefile
import shapely
import sqlalchemy as sa
from pyproj import Transformer
from sqlalchemy.orm import Session

from layers import REGISTRY, accounts
from tests.helpers.samples import TOWNSHIP, insert_samples, square, wkt

TOWNSHIP2 = "411121100"  # 舞泉镇
VILLAGE2 = "411121100201"  # 东关村 of 舞泉镇
VILLAGE3 = "411121102202"  # 东关村 of 北舞渡镇: the same name in another township
ROAD_LONLAT = [[(113.64, 33.59), (113.65, 33.60), (113.66, 33.61)],
               [(113.55, 33.45), (113.57, 33.47)]]
WORKS_LONLAT = [(113.650, 33.605), (113.552, 33.452)]


def id_number(first17: str) -> str:
    """An ID number with its ISO 7064 check digit."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


HOUSE_ID = id_number("41112119800101123")


IMPORTER = "导入员"  # the county administrator account the import tests act as


def add_importer(conn: sa.Connection) -> None:
    """The account imports run as (only the county administrator or a layer's department may)."""
    accounts.add_account(conn, IMPORTER, "admin", password=secrets.token_urlsafe(16),
                         by="test fixture")


def add_places(conn: sa.Connection) -> None:
    """County, two townships and three villages (two named 东关村), and the importing account,
    committed to ``conn``'s transaction only."""
    add_importer(conn)
    session = Session(bind=conn, join_transaction_mode="create_savepoint")
    insert_samples(session, {"county"})
    towns, villages = REGISTRY.get("townships").model, REGISTRY.get("villages").model
    session.add(towns(code=TOWNSHIP2, name="舞泉镇", kind="zhen", geom=wkt(square(113.5, 33.4, 0.1))))
    session.flush()
    session.add(villages(code=VILLAGE2, name="东关村", township_code=TOWNSHIP2,
                         centre=wkt("POINT(113.55 33.45)"), geom=wkt(square(113.52, 33.42, 0.06))))
    session.add(villages(code=VILLAGE3, name="东关村", township_code=TOWNSHIP,
                         centre=wkt("POINT(113.70 33.62)"), geom=wkt(square(113.69, 33.61, 0.03))))
    session.commit()  # releases the session's savepoint into the test's transaction
    session.close()


def counts(conn: sa.Connection) -> dict[str, int]:
    """Rows in every layer and the import tables: what 'nothing was written' is checked against."""
    names = [*REGISTRY.names, "import_log", "import_mappings"]
    return {n: int(conn.execute(sa.text(f"SELECT count(*) FROM {n}")).scalar() or 0) for n in names}


def to_gk38(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """CGCS2000 lon/lat → 3-degree Gauss-Kruger zone 38 with the zone number (pyproj directly)."""
    move = Transformer.from_crs(4490, 4526, always_xy=True)
    return [tuple(move.transform(x, y)) for x, y in points]  # type: ignore[misc]


def transport_zip(path: Path, *, records: list[list[Any]] | None = None, cpg: str | None = None,
                  prj: str | None = None, lines: list[list[tuple[float, float]]] | None = None) -> Path:
    """交通局's damaged roads: GBK, Chinese field names, GK zone 38 metres, no .cpg/.prj."""
    rows = records or [
        ["X012-001", "北舞渡镇沙河大桥", "X012", "县道", "桥梁", "K12+300", "桥梁损毁", "中断", "未开工",
         "严重", 12.5, "县交通运输局"],
        ["X020-001", "舞泉镇东关连接线", "X020", "县道", "路段", "K3+100", "路基冲毁", "限行", "抢通中",
         "中等", 8.0, "县交通运输局"],
    ]
    folder = path.parent / (path.stem + "_parts")
    folder.mkdir(exist_ok=True)
    writer = shapefile.Writer(str(folder / "水毁路段"), shapeType=shapefile.POLYLINE, encoding="gbk")
    for name, kind, size, decimals in (("编号", "C", 20, 0), ("名称", "C", 60, 0), ("路线编号", "C", 10, 0),
                                       ("公路等级", "C", 10, 0), ("构造物", "C", 10, 0),
                                       ("桩号", "C", 12, 0), ("损毁类型", "C", 20, 0),
                                       ("通行情况", "C", 10, 0), ("进展", "C", 10, 0),
                                       ("损毁程度", "C", 10, 0), ("估算投资", "N", 12, 2),
                                       ("责任单位", "C", 40, 0)):
        writer.field(name, kind, size, decimals)
    for row, line in zip(rows, lines or [to_gk38(p) for p in ROAD_LONLAT], strict=False):
        writer.line([[list(xy) for xy in line]])
        writer.record(*row)
    writer.close()
    if cpg:
        (folder / "水毁路段.cpg").write_text(cpg)
    if prj:
        (folder / "水毁路段.prj").write_text(prj)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.iterdir()):
            archive.writestr(GbkName(part.name), part.read_bytes())
    return path


class GbkName(zipfile.ZipInfo):
    """A member name stored as GBK bytes without the UTF-8 flag, as Windows' zip tools do."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.compress_type = zipfile.ZIP_DEFLATED

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("gbk"), self.flag_bits


def water_workbook(path: Path, rows: list[list[Any]] | None = None, *, gcj02: bool = True) -> Path:
    """水利局's works: a merged title row, then 经度/纬度 taken from AMap (GCJ-02)."""
    from geo.crs import wgs84_to_gcj02

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "水毁工程"
    sheet.append(["舞阳县水毁水利工程统计表（2021年9月）"])
    sheet.merge_cells("A1:I1")
    sheet.append(["工程编号", "工程名称", "工程类型", "用途", "所属乡镇", "受益村", "进展", "经度", "纬度"])
    where = [wgs84_to_gcj02(*p) if gcj02 else p for p in WORKS_LONLAT]
    body = rows or [
        ["SL-001", "北舞渡镇水厂", "水厂", "生活", "北舞渡镇", "沙河湾村、东关村", "未开工", *where[0]],
        ["SL-002", "东关泵站", "灌溉泵站", "生产", "舞泉镇", "东关村", "已修复", *where[1]],
    ]
    for row in body:
        sheet.append(row)
    book.save(path)
    return path


def feeders_gpkg(path: Path) -> Path:
    """供电公司's feeders: GDAL-written GeoPackage, lon/lat, its own column names."""
    frame = gpd.GeoDataFrame({
        "线路编号": ["P-100", "P-101"], "名称": ["沙河线1段", "沙河线2段"], "线路名称": ["沙河线", "沙河线"],
        "所属变电站": ["北舞渡35kV变电站", "北舞渡35kV变电站"], "上级线路": [None, "P-100"],
        "供电范围": ["沙河湾村", "411121102201;东关村"], "乡镇": ["北舞渡镇", "北舞渡镇"],
        "修复状态": ["抢通中", "未开工"], "备案": ["未备案", "备案中"],
    }, geometry=[shapely.LineString([(113.61, 33.60), (113.63, 33.60)]),
                 shapely.LineString([(113.63, 33.60), (113.65, 33.61)])], crs=4490)
    pyogrio.write_dataframe(frame, path, layer="10kV线路", driver="GPKG")
    return path


REGISTER_HEADERS = ["序号", "县(市、区)", "乡(镇)", "行政村", "户主姓名", "与户主关系", "证件号码",
                    "家庭人口数", "户类型", "监测对象类别", "风险类型", "帮扶责任人", "联系电话"]


def register_rows() -> list[list[Any]]:
    return [
        [1, "舞阳县", "北舞渡镇", "沙河湾村", "王二妮", "户主", HOUSE_ID, 4, "监测户", "突发严重困难户",
         "因灾;住房出现安全问题;饮水安全", "李帮扶", "13800000000"],
        [2, "舞阳县", "北舞渡镇", "沙河湾村", "王二妮", "配偶", "411121198202021234", 4, "监测户",
         "突发严重困难户", "", "李帮扶", ""],
        [3, "舞阳县", "舞泉镇", "东关村", "赵大山", "户主", id_number("41112119700505111"), 3, "脱贫户",
         "脱贫不稳定户", "因病", "孙干部", "13700000000"],
        [4, "舞阳县", "北舞渡镇", "东关村", "钱小花", "户主", id_number("41112119900909000"), 2, "一般户", "",
         "", "周帮扶", "13600000000"],
    ]


def register_workbook(path: Path, rows: list[list[Any]] | None = None) -> Path:
    """The national register's export: title row merged across, then one row per member."""
    book = openpyxl.Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.title = "监测对象"
    sheet.append(["防返贫监测对象信息表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(REGISTER_HEADERS))
    sheet.append(REGISTER_HEADERS)
    for row in rows if rows is not None else register_rows():
        sheet.append(row)
    for cell in sheet["G"]:  # ID numbers as text, as the system exports them
        cell.number_format = "@"
    book.save(path)
    return path


def zip_bytes(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()

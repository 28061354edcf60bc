"""Exports end to end: features in PostGIS → views.downloads / ``tracker export`` → files read back."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fiona
import pyogrio
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import cli
from geo.errors import UnknownChoiceError, ValidationError
from geo.io.export import EmptyExportError
from layers import REGISTRY
from layers.filter import parse_filter
from tests.helpers.readback import check_shapefile, ogr_values, unzip
from tests.helpers.samples import insert_samples, sample_rows
from views.downloads import ExportRequest, export_bytes, export_to_file

pytestmark = pytest.mark.postgis
BRIDGE = "北舞渡镇沙河大桥<&>"


def req(db: Session, *, layers: Any = None, statuses: Any = None, townships: Any = None,
        villages: Any = None, ids: dict[str, list[int]] | None = None,
        **options: Any) -> ExportRequest:
    """An export request as a person types it: the filter parsed from labels, names or codes."""
    chosen = parse_filter(db, layers=layers, statuses=statuses, townships=townships,
                          villages=villages)
    return ExportRequest(chosen.with_ids(ids) if ids is not None else chosen, **options)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACKER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TRACKER_USER", "工程师甲")
    return tmp_path / "home"


def test_roads_by_status_and_township_in_gbk(db: Session, tmp_path: Path, home: Path) -> None:
    insert_samples(db)
    request = req(db, layers="roads", statuses="未开工,抢通中", townships="北舞渡镇",
                            crs="EPSG:4547", encoding="GBK", fmt="shp")
    name, data, summary = export_bytes(db, request)
    assert name.startswith("roads-") and name.endswith(".zip")
    unzip(data, tmp_path)
    shp = tmp_path / "roads.shp"
    back = check_shapefile(shp, epsg=4547, encoding="GBK", count=1, geometry="Line String")
    assert back["name"].iloc[0] == BRIDGE and ogr_values(shp, "name") == [BRIDGE]
    assert back["status"].iloc[0] == "未开工" and back["twp_code"].iloc[0] == "411121102"
    readme = (tmp_path / "README.txt").read_text(encoding="utf-8-sig")
    assert "未开工 (not_started), 抢通中 (opening)" in readme and "北舞渡镇 (411121102)" in readme
    assert "工程师甲" in readme
    assert summary.total == 1
    assert not (home / "export-log.jsonl").exists()


def test_codes_work_like_labels(db: Session, tmp_path: Path) -> None:
    insert_samples(db, {"roads"})
    request = req(db, layers="水毁公路", statuses=["not_started"], townships=["411121102"])
    summary = export_to_file(db, request, tmp_path / "r.zip")
    assert summary.counts == {"roads": 1}


def test_a_filter_that_matches_nothing_is_one_clear_sentence(db: Session, tmp_path: Path) -> None:
    insert_samples(db, {"roads"})
    with pytest.raises(EmptyExportError, match=r"no feature matches the filter \(状态 status: 已验收"):
        export_to_file(db, req(db, layers="roads", statuses="已验收"), tmp_path / "r.zip")
    assert list(tmp_path.iterdir()) == []


def test_unknown_choices_list_the_valid_ones(db: Session, tmp_path: Path) -> None:
    insert_samples(db, {"roads"})
    out = tmp_path / "r.zip"
    with pytest.raises(UnknownChoiceError, match="未开工"):
        export_to_file(db, req(db, layers="roads", statuses="已完成了"), out)
    with pytest.raises(UnknownChoiceError, match="北舞渡镇"):
        export_to_file(db, req(db, layers="roads", townships="东京镇"), out)
    with pytest.raises(UnknownChoiceError, match=r"roads \(水毁公路\)"):
        export_to_file(db, req(db, layers="bridges"), out)
    with pytest.raises(UnknownChoiceError, match="UTF-8, GBK"):
        export_to_file(db, req(db, layers="roads", encoding="latin-1"), out)
    with pytest.raises(ValidationError, match="carry no repair status"):
        export_to_file(db, req(db, layers="households", statuses="未开工"), out)


def test_households_private_fields_only_on_request_and_logged(db: Session, tmp_path: Path,
                                                              home: Path) -> None:
    insert_samples(db, {"households"})
    export_to_file(db, req(db, layers="households", fmt="gpkg"), tmp_path / "h.gpkg")
    public = pyogrio.read_dataframe(tmp_path / "h.gpkg", layer="households")
    assert public["户主"].iloc[0] == "王二妮"
    assert not {"身份证号", "联系电话", "人均纯收入(元)"} & set(public.columns)
    assert not (home / "export-log.jsonl").exists()

    request = req(db, layers="households", townships="北舞渡镇", fmt="xlsx",
                            include_private=True)
    name, data, _ = export_bytes(db, request)
    (tmp_path / name).write_bytes(data)
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / name)["农户"]
    row = {h.value: c.value for h, c in zip(sheet[1], sheet[2], strict=True)}
    assert row["身份证号"] == "41112119800101123X" and row["联系电话"] == "13800000000"
    record = json.loads((home / "export-log.jsonl").read_text(encoding="utf-8"))
    assert record["user"] == "工程师甲" and record["format"] == "xlsx"
    assert "北舞渡镇" in record["filter"] and record["out"] == f"download:{name}"


def test_all_layers_to_one_geopackage(db: Session, tmp_path: Path) -> None:
    insert_samples(db)
    summary = export_to_file(db, req(db, fmt="gpkg"), tmp_path / "all.gpkg")
    layers = fiona.listlayers(tmp_path / "all.gpkg")
    assert "roads" in layers and "households" in layers and "water_works" in layers
    assert summary.total == 12
    roads = pyogrio.read_dataframe(tmp_path / "all.gpkg", layer="roads")
    assert roads["名称"].iloc[0] == BRIDGE and roads.crs.to_epsg() == 4547


def _commit_samples(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with Session(engine) as session:
        insert_samples(session)
        session.commit()
    engine.dispose()


def test_cli_exports_the_issue_example(fresh_database: Callable[..., str], tmp_path: Path,
                                       home: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    url = fresh_database()
    _commit_samples(url)
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    out = tmp_path / "roads.zip"
    code = cli.main(["export", "--layer", "roads", "--status", "未开工,抢通中", "--township",
                     "北舞渡镇", "--crs", "EPSG:4547", "--encoding", "GBK", "--format", "shp",
                     "--out", str(out)])
    assert code == 0
    assert "1 features" in capsys.readouterr().out
    assert "roads.cpg" in zipfile.ZipFile(out).namelist()

    code = cli.main(["export", "--layer", "roads", "--status", "已验收", "--out", str(out),
                     "--force"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no feature matches the filter" in err

    code = cli.main(["export", "--layer", "roads", "--crs", "EPSG:3857", "--out", str(out)])
    assert code == 2 and "EPSG:4547" in capsys.readouterr().err

    code = cli.main(["export", "--out", str(tmp_path / "nowhere" / "x.zip")])
    assert code == 2 and "does not exist" in capsys.readouterr().err

    code = cli.main(["export", "--layer", "households", "--include-private",
                     "--out", str(tmp_path / "h.geojson")])
    assert code == 0
    doc = json.loads((tmp_path / "h.geojson").read_text(encoding="utf-8"))
    assert doc["features"][0]["properties"]["身份证号"] == "41112119800101123X"
    log = (home / "export-log.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(log) == 1 and json.loads(log[0])["out"] == str((tmp_path / "h.geojson").resolve())


def test_what_the_map_shows_layers_statuses_townships_villages(db: Session, tmp_path: Path) -> None:
    insert_samples(db)
    request = req(db, layers=["roads", "water_works", "households"], statuses=["未开工"],
                            townships=["北舞渡镇"], villages=["沙河湾村"], fmt="gpkg")
    summary = export_to_file(db, request, tmp_path / "map.gpkg")
    # the status applies to repairable layers; households pass by township and village
    assert summary.counts == {"roads": 1, "water_works": 1, "households": 1}
    assert pyogrio.read_info(tmp_path / "map.gpkg", layer="households")["features"] == 1
    # households carry no status: with them in the request, a status nobody has still exports them
    request = req(db, layers=["roads", "households"], statuses=["已验收"],
                            villages=["411121102201"])
    summary = export_to_file(db, request, tmp_path / "h.zip")
    assert summary.counts == {"households": 1}
    readme = zipfile.ZipFile(tmp_path / "h.zip").read("README.txt").decode("utf-8-sig")
    assert "roads (水毁公路): 没有要素符合筛选 no feature matched the filter" in readme
    with pytest.raises(EmptyExportError):
        export_to_file(db, req(db, layers=["roads", "water_works"], statuses=["已验收"],
                                         villages=["沙河湾村"]), tmp_path / "none.zip")


def test_ids_export_exactly_those_features(db: Session, tmp_path: Path) -> None:
    objects = insert_samples(db)
    road = sample_rows()["roads"]
    extra = []
    for code, name in (("X012-002", "沙河湾村道"), ("X012-003", "澧河堤顶路")):
        obj: Any = REGISTRY.get("roads").model(**{**road, "code": code, "name": name})
        db.add(obj)
        db.flush()
        extra.append(obj.id)
    # the map shows two of the three roads (say after a 重点 filter) and the water plant
    ids = {"roads": [objects["roads"].id, extra[1]], "water_works": [objects["water_works"].id]}
    request = req(db, layers=["roads", "water_works", "households"], ids=ids, fmt="gpkg")
    summary = export_to_file(db, request, tmp_path / "map.gpkg")
    assert summary.counts == {"roads": 2, "water_works": 1, "households": 1}  # households: no entry
    roads = pyogrio.read_dataframe(tmp_path / "map.gpkg", layer="roads")
    assert sorted(roads["名称"]) == sorted([BRIDGE, "澧河堤顶路"])
    # ids combine with the other filters, and an empty list means no feature of that layer
    request = req(db, layers=["roads", "water_works"], statuses=["未开工"],
                            ids={"roads": [extra[0]], "water_works": []})
    name, data, summary = export_bytes(db, request)
    assert summary.counts == {"roads": 1}
    unzip(data, tmp_path / "zip")
    back = pyogrio.read_dataframe(tmp_path / "zip" / "roads.shp")
    assert back["name"].tolist() == ["沙河湾村道"]
    readme = (tmp_path / "zip" / "README.txt").read_text(encoding="utf-8-sig")
    assert "地图当前显示的要素" in readme and "水毁公路 roads 1" in readme
    with pytest.raises(UnknownChoiceError):
        export_bytes(db, req(db, layers="roads", ids={"bridges": [1]}))

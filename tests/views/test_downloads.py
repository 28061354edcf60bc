"""Exports end to end: features in PostGIS → views.downloads / ``tracker export`` → files read back."""

from __future__ import annotations

import hashlib
import json
import secrets
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
from geo.errors import AccessDeniedError, UnknownChoiceError, ValidationError
from geo.io.export import EmptyExportError
from layers import REGISTRY, accounts, audit
from layers.filter import parse_filter
from layers.roles import Actor, Scope
from tests.helpers.readback import check_shapefile, ogr_values, unzip
from tests.helpers.samples import insert_samples, sample_rows
from views.downloads import ExportRequest, export_bytes, export_to_file

pytestmark = pytest.mark.postgis
BRIDGE = "北舞渡镇沙河大桥<&>"
ADMIN = Actor("工程师甲", Scope("admin"))  # who exports personal data (a role that may)


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
    # names and house points are personal: not without their own choice and a role that may
    with pytest.raises(AccessDeniedError, match="personal data"):
        export_to_file(db, req(db, layers="households", fmt="gpkg"), tmp_path / "n.gpkg")
    with pytest.raises(AccessDeniedError, match="needs an account"):
        export_to_file(db, req(db, layers="households", fmt="gpkg", personal=True), tmp_path / "n.gpkg")
    assert not (tmp_path / "n.gpkg").exists()

    export_to_file(db, req(db, layers="households", fmt="gpkg", personal=True, actor=ADMIN),
                   tmp_path / "h.gpkg")
    public = pyogrio.read_dataframe(tmp_path / "h.gpkg", layer="households")
    assert public["户主"].iloc[0] == "王二妮"
    assert not {"身份证号", "联系电话", "人均纯收入(元)"} & set(public.columns)
    assert not (home / "export-log.jsonl").exists()  # the log is in the database now
    first = audit.exports(db)[0]
    assert first["personal"] and first["personal_fields"] == ["geom", "head_name", "helper"]

    request = req(db, layers="households", townships="北舞渡镇", fmt="xlsx",
                  include_private=True, actor=ADMIN)
    name, data, _ = export_bytes(db, request)
    (tmp_path / name).write_bytes(data)
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / name)["农户"]
    row = {h.value: c.value for h, c in zip(sheet[1], sheet[2], strict=True)}
    assert row["身份证号"] == "41112119800101123X" and row["联系电话"] == "13800000000"
    record = audit.exports(db)[0]
    assert record["username"] == "工程师甲" and record["fmt"] == "xlsx"
    assert "北舞渡镇" in str(record["filter_text"]) and record["file_name"] == name
    assert record["sha256"] == hashlib.sha256(data).hexdigest() and record["row_count"] == 1
    assert "id_number" in record["personal_fields"]  # type: ignore[operator]
    # ID numbers in full only for a county administrator, whatever the role's other rights
    township = Actor("乡镇甲", Scope("township", township="411121102"))
    with pytest.raises(AccessDeniedError, match="county administrator"):
        export_bytes(db, req(db, layers="households", include_private=True, actor=township))


def test_the_default_export_leaves_the_households_out_and_says_so(db: Session, tmp_path: Path) -> None:
    insert_samples(db)
    summary = export_to_file(db, req(db, fmt="shp"), tmp_path / "all.zip")
    archive = zipfile.ZipFile(tmp_path / "all.zip")
    assert "households.shp" not in archive.namelist() and "roads.shp" in archive.namelist()
    readme = archive.read("README.txt").decode("utf-8-sig")
    assert "个人信息 Personal data: 不含 not included" in readme
    assert "households (农户): 未导出 left out" in readme
    assert "households" not in summary.counts and summary.total == 11
    for layer in ("roads", "water_works_point", "households"):
        if f"{layer}.dbf" in archive.namelist():
            assert "王二妮" not in archive.read(f"{layer}.dbf").decode("utf-8", "replace")
    logged = audit.exports(db)[0]
    assert not logged["personal"] and logged["row_count"] == 11


def test_a_department_exports_its_own_layers_only(db: Session, tmp_path: Path) -> None:
    insert_samples(db)
    transport = Actor("交通局", Scope("department", department="transport"))
    summary = export_to_file(db, req(db, fmt="gpkg", actor=transport), tmp_path / "t.gpkg")
    assert set(summary.counts) == {"county", "townships", "villages", "flood_extent", "roads"}
    with pytest.raises(AccessDeniedError, match="water_works"):
        export_to_file(db, req(db, layers="water_works", actor=transport), tmp_path / "w.zip")
    with pytest.raises(AccessDeniedError, match=r"county administrator|乡镇"):
        export_to_file(db, req(db, layers="households", personal=True, actor=transport),
                       tmp_path / "h.zip")


def test_all_layers_to_one_geopackage(db: Session, tmp_path: Path) -> None:
    insert_samples(db)
    # every layer including the households: the personal export of a role that may
    summary = export_to_file(db, req(db, fmt="gpkg", personal=True, actor=ADMIN),
                             tmp_path / "all.gpkg")
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
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:  # TRACKER_USER's account: personal data needs a role that may
        accounts.add_account(conn, "工程师甲", "admin", password=secrets.token_urlsafe(16), by="test")
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
    with engine.connect() as conn:
        log = [r for r in audit.exports(conn) if r["personal"]]
    engine.dispose()
    assert len(log) == 1 and log[0]["file_name"] == "h.geojson" and log[0]["username"] == "工程师甲"
    assert log[0]["sha256"] == hashlib.sha256((tmp_path / "h.geojson").read_bytes()).hexdigest()


def test_what_the_map_shows_layers_statuses_townships_villages(db: Session, tmp_path: Path) -> None:
    insert_samples(db)
    request = req(db, layers=["roads", "water_works", "households"], statuses=["未开工"],
                  townships=["北舞渡镇"], villages=["沙河湾村"], fmt="gpkg", personal=True,
                  actor=ADMIN)
    summary = export_to_file(db, request, tmp_path / "map.gpkg")
    # the status applies to repairable layers; households pass by township and village
    assert summary.counts == {"roads": 1, "water_works": 1, "households": 1}
    assert pyogrio.read_info(tmp_path / "map.gpkg", layer="households")["features"] == 1
    # households carry no status: with them in the request, a status nobody has still exports them
    request = req(db, layers=["roads", "households"], statuses=["已验收"],
                  villages=["411121102201"], personal=True, actor=ADMIN)
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
    request = req(db, layers=["roads", "water_works", "households"], ids=ids, fmt="gpkg",
                  personal=True, actor=ADMIN)
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

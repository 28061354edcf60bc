"""``tracker import`` end to end against a committed throwaway PostGIS: dry run by default, exit
codes, the report file with its formula guard, one sentence for a refused file."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

import cli
from tests.helpers.bureau import IMPORTER, add_places, counts, transport_zip, zip_bytes

pytestmark = pytest.mark.postgis


@pytest.fixture
def url(fresh_database: Callable[..., str], monkeypatch: pytest.MonkeyPatch) -> str:
    database = fresh_database()
    engine = sa.create_engine(database, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        add_places(conn)
    engine.dispose()
    monkeypatch.setenv("TRACKER_DATABASE_URL", database)
    monkeypatch.setenv("TRACKER_USER", IMPORTER)
    return database


def table_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        found = counts(conn)
    engine.dispose()
    return found


def test_dry_run_by_default_then_commit(url: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = transport_zip(tmp_path / "交通局.zip")
    before = table_counts(url)
    assert cli.main(["import", str(path), "--layer", "水毁公路", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "2 rows read, 2 new" in out and "Checked (nothing written)" in out
    assert "zone number 38" in out and "GBK" in out
    assert "路线编号" in out and "synonym" in out  # the column mapping is shown
    assert table_counts(url) == before
    assert cli.main(["import", str(path), "--layer", "roads", "--commit"]) == 0
    assert "已导入并记录" in capsys.readouterr().out
    after = table_counts(url)
    assert after["roads"] == 2 and after["import_log"] == 1
    assert cli.main(["import", str(path), "--layer", "roads", "--commit", "--lang", "en"]) == 0
    assert "nothing changed" in capsys.readouterr().out and table_counts(url) == after


def test_problems_give_exit_1_and_a_guarded_report(url: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = transport_zip(tmp_path / "r.zip", records=[
        ["X012-001", "甲桥", "X012", "县道", "桥梁", "K12+300", "桥梁损毁", "中断", "=1+2", "严重", 1.0, "甲"],
    ])
    report = tmp_path / "report.csv"
    before = table_counts(url)
    assert cli.main(["import", str(path), "--layer", "roads", "--commit", "--report", str(report)]) == 1
    out = capsys.readouterr().out
    assert "未写入任何数据" in out and table_counts(url) == before
    rows = list(csv.reader(io.StringIO(report.read_bytes().decode("utf-8-sig"))))
    assert rows[0][:5] == ["图层", "行号", "列", "值", "原因"]
    assert rows[1][2:4] == ["进展", "'=1+2"]  # shown as text in Excel, never run


def test_refused_file_is_one_sentence(url: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "evil.zip"
    path.write_bytes(zip_bytes({"../../etc/x.shp": b"1", "x.dbf": b"1", "x.shx": b"1"}))
    assert cli.main(["import", str(path), "--layer", "roads", "--commit"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tracker: evil.zip holds a file with an unsafe path")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_unknown_field_in_map_is_one_sentence(url: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = transport_zip(tmp_path / "r.zip")
    assert cli.main(["import", str(path), "--layer", "roads", "--map", "桩号=mileage"]) == 2
    assert "is no field of roads" in capsys.readouterr().err

"""``tracker ledger`` against a committed throwaway PostGIS, as a terminal user runs it: register,
measure, done, verify (by someone else, with a photo), list, export; bad input is one sentence."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import Session

import cli
from layers import accounts, ledger
from layers.history import history
from tests.helpers.samples import TOWNSHIP, insert_samples

pytestmark = pytest.mark.postgis


@pytest.fixture
def url(fresh_database: Callable[..., str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    made = fresh_database()
    engine = sa.create_engine(made, poolclass=sa.pool.NullPool)
    with Session(engine) as session:
        insert_samples(session)
        session.commit()
    with engine.begin() as conn:
        for name, role, town in (("clerk", "township", TOWNSHIP), ("county", "admin", None)):
            accounts.add_account(conn, name, role, password="a-Long-passw0rd!", by="test", township=town)
    engine.dispose()
    monkeypatch.setenv("TRACKER_DATABASE_URL", made)
    yield made


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, user: str,
        *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("TRACKER_USER", user)
    code = cli.main(["ledger", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def state(url: str, pid: int) -> str:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        value = conn.execute(sa.select(ledger.PROBLEMS_TABLE.c.state)
                             .where(ledger.PROBLEMS_TABLE.c.id == pid)).scalar_one()
    engine.dispose()
    return str(value)


def test_from_registration_to_销号(url: str, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, err = run(capsys, monkeypatch, "clerk", "add", "H-001", "饮水安全", "--cause", "W-001",
                         "--found", "2021-08-02")
    assert code == 0, err
    pid = int(out.split("#")[1].split()[0])
    assert run(capsys, monkeypatch, "clerk", "measure", str(pid), "临时应急供水", "--note", "送水车")[0] == 0
    code, out, _ = run(capsys, monkeypatch, "clerk", "done", str(pid), "--date", "2021-09-01")
    assert code == 0 and "待核实" in out
    code, _, err = run(capsys, monkeypatch, "clerk", "verify", str(pid), "--method", "入户核实")
    assert code == 2 and "another person" in err and "Traceback" not in err
    picture = tmp_path / "check.png"
    Image.new("RGB", (4, 4)).save(picture)
    code, out, err = run(capsys, monkeypatch, "county", "verify", str(pid), "--method", "电话",
                         "--note", "户主确认", "--photo", str(picture))
    assert code == 0 and "已销号" in out, err
    assert state(url, pid) == "closed"
    code, out, _ = run(capsys, monkeypatch, "county", "list", "--state", "已销号", "--format", "csv")
    assert code == 0 and "H-001" in out and "饮水安全" in out and "已销号" in out
    target = tmp_path / "台账.xlsx"
    code, out, err = run(capsys, monkeypatch, "county", "export", "--out", str(target))
    assert code == 0 and target.exists(), err
    sheet = openpyxl.load_workbook(io.BytesIO(target.read_bytes()))["问题台账"]
    assert any(c.value == "4111**********123X" for row in sheet.iter_rows() for c in row)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        fields = [c.field for c in history(conn, "problems", pid)]
    engine.dispose()
    assert fields.count("state") == 4 and "photo" in fields  # open, 处理中, 待核实, 已销号


def test_bad_input_is_one_sentence(url: str, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, _, err = run(capsys, monkeypatch, "clerk", "add", "H-001", "饮水安全", "--cause", "W-001",
                       "--due", "2021-07-01")
    assert code == 2 and "before the flood" in err
    code, out, _ = run(capsys, monkeypatch, "clerk", "add", "H-001", "饮水安全", "--cause", "W-001")
    pid = out.split("#")[1].split()[0]
    code, _, err = run(capsys, monkeypatch, "clerk", "measure", pid, "发红包")
    assert code == 2 and "unknown measure" in err and "临时救助" in err
    code, _, err = run(capsys, monkeypatch, "county", "verify", pid, "--method", "入户核实")
    assert code == 2 and "cannot go to 已销号" in err
    not_a_picture = tmp_path / "scan.jpg"
    not_a_picture.write_bytes(b"%PDF-1.4 pretending")
    run(capsys, monkeypatch, "clerk", "measure", pid, "临时救助")
    run(capsys, monkeypatch, "clerk", "done", pid)
    code, _, err = run(capsys, monkeypatch, "county", "verify", pid, "--method", "材料", "--photo",
                       str(not_a_picture))
    assert code == 2 and "not a readable picture" in err
    assert state(url, int(pid)) == "to_verify"
    code, _, err = run(capsys, monkeypatch, "nobody", "list")
    assert code == 3 and "no account" in err

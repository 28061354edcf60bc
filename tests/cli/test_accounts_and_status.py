"""``tracker user``, ``tracker status``, ``tracker filing``, ``tracker history`` and ``tracker report``
against a committed throwaway PostGIS, as a terminal user runs them."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import cli
from layers import REGISTRY, accounts
from layers.history import history
from tests.helpers.samples import insert_samples

pytestmark = pytest.mark.postgis


@pytest.fixture
def url(fresh_database: Callable[..., str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    made = fresh_database()
    engine = sa.create_engine(made, poolclass=sa.pool.NullPool)
    with Session(engine) as session:
        insert_samples(session)
        session.commit()
    engine.dispose()
    monkeypatch.setenv("TRACKER_DATABASE_URL", made)
    for name in ("TRACKER_ADMIN_USER", "TRACKER_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    yield made


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def printed_password(out: str) -> str:
    found = re.search(r"password for \S+: (\S+)", out)
    assert found, out
    return found.group(1)


def test_bootstrap_adds_users_lists_and_disables(url: str, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_ADMIN_USER", "county-admin")
    code, out, _ = run(capsys, "user", "bootstrap")
    assert code == 0 and "county-admin" in out
    first = printed_password(out)
    code, out, _ = run(capsys, "user", "bootstrap")  # once only: no second password, ever
    assert code == 0 and "exist already" in out and "password for" not in out
    code, out, _ = run(capsys, "user", "add", "bwd", "--role", "乡镇", "--township", "北舞渡镇")
    assert code == 0 and "乡镇" in out
    clerk = printed_password(out)
    assert clerk != first
    monkeypatch.setattr("sys.stdin", io.StringIO("a-chosen-password-2021\n"))
    code, out, _ = run(capsys, "user", "passwd", "bwd", "--password-stdin")
    assert code == 0 and "password for" not in out
    code, out, err = run(capsys, "user", "add", "x", "--role", "department")
    assert code == 2 and "needs a department" in err and err.count("\n") == 1
    run(capsys, "user", "disable", "bwd")
    code, out, _ = run(capsys, "user", "list")
    assert re.search(r"bwd\s+乡镇 · 411121102\s+disabled", out) and "county-admin" in out
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert accounts.authenticate(conn, "county-admin", first).role == "admin"
        stored = str(conn.execute(sa.text("SELECT string_agg(password_hash, ' ') FROM accounts")).scalar())
    engine.dispose()
    assert first not in stored and "a-chosen-password-2021" not in stored


def test_status_goes_through_the_rules_as_tracker_user(url: str, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_USER", "nobody-here")
    code, _, err = run(capsys, "status", "X012-001", "抢通中")
    assert code == 3 and "no account 'nobody-here'" in err
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        for name, dept in (("jiaotong", "transport"), ("jiaoyu", "education")):
            accounts.add_account(conn, name, "department", department=dept, by="t",
                                 password="a-long-password-" + name)
    monkeypatch.setenv("TRACKER_USER", "jiaotong")
    code, out, err = run(capsys, "status", "X012-001", "已完工")
    assert code == 2 and "allowed next" in err
    code, out, _ = run(capsys, "status", "X012-001", "抢通中", "--note", "便道施工", "--date", "2021-09-16")
    assert code == 0 and "未开工 → 抢通中" in out and "jiaotong" in out
    code, _, err = run(capsys, "status", "S-001", "修复中")  # the school is not transport's
    assert code == 3 and "may not change" in err
    code, _, err = run(capsys, "status", "X012-001", "已抢通", "--date", "16/09/2021")
    assert code == 2 and "YYYY-MM-DD" in err
    code, out, _ = run(capsys, "history", "X012-001")
    assert code == 0 and "jiaotong" in out and "便道施工" in out and "2021-09-16" in out
    with engine.connect() as conn:
        road = conn.execute(sa.select(REGISTRY.get("roads").table.c.id)).scalar_one()
        assert [(c.new_value, c.changed_by) for c in history(conn, "roads", road)] == [
            ("opening", "jiaotong")]
    engine.dispose()


def test_filing_and_the_report(url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        accounts.add_account(conn, "dianli", "department", department="power", by="t",
                             password="a-long-password-power")
    engine.dispose()
    monkeypatch.setenv("TRACKER_USER", "dianli")
    code, _, err = run(capsys, "filing", "P-001", "已备案", "--date", "2021-09-20")
    assert code == 2 and "document number" in err
    code, out, _ = run(capsys, "filing", "P-001", "已备案", "--date", "2021-09-20", "--doc", "舞电备〔2021〕3号")
    assert code == 0 and "未备案 → 已备案" in out
    code, out, _ = run(capsys, "report", "--date", "2021-09-30", "--out", str(tmp_path / "通报.xlsx"))
    assert code == 0 and "2021-09-30" in out
    book = openpyxl.load_workbook(tmp_path / "通报.xlsx")
    assert "按行业部门" in book.sheetnames and "2021-09-30" in str(book["通报"]["A2"].value)
    code, _, err = run(capsys, "report", "--out", str(tmp_path / "x.docx"))
    assert code == 2 and ".pdf or .xlsx" in err

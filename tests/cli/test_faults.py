"""Every failure from below the tracker ends in one sentence and an exit code, never a traceback.

Real faults only: a full file system (a small tmpfs, and /dev/full), /proc and /sys, a name the
file system refuses, a user that does not exist, a database without the schema, a database
server that drops the connection mid-load, an unknown migration, TRACKER_HOME naming a file.
"""

from __future__ import annotations

import errno
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli import main as tracker
from geo.faults import os_error
from tests.cli.conftest import TRACKER, one_sentence, run_tracker, tracker_env

pytestmark = pytest.mark.postgis


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 300 kB tmpfs: a real file system that fills up."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs the tests as root)")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


@pytest.mark.parametrize("fmt", ["zip", "gpkg", "geojson", "xlsx"])
def test_a_full_disk_on_export(demo_url: str, tmp_path: Path, small_disk: Path, fmt: str) -> None:
    # the temporary files and the target both on the full disk, then the target alone
    for temp in (small_disk, tmp_path / "tmp"):
        env = tracker_env(demo_url, tmp_path, TMPDIR=str(temp))
        done = run_tracker(["export", "--out", str(small_disk / f"all.{fmt}")], env)
        assert done.returncode == 74
        assert "no space is left on the device" in one_sentence(done.stderr)
        assert "nothing was written" in done.stderr
        left = [p for p in small_disk.rglob("*") if p.name != "tracker-exports-0"]
        assert left == [], left


def test_a_full_disk_under_the_output(demo_url: str, tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:  # every write to /dev/full fails with ENOSPC
        done = run_tracker(["rank", "--format", "csv"], tracker_env(demo_url, tmp_path),
                           stdout=full)
    assert done.returncode == 74
    assert "no space is left on the device" in one_sentence(done.stderr)


@pytest.mark.parametrize(("out", "reason"), [
    ("/proc/roads.zip", "it does not exist or cannot hold files"),
    ("/sys/roads.zip", "permission denied"),
    ("/tmp/" + "长" * 100 + ".zip", "the name is too long for the file system"),
])
def test_an_output_the_system_refuses(out: str, reason: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert tracker(["export", "--layer", "roads", "--out", out]) == 74
    assert reason in one_sentence(capsys.readouterr().err)


def test_an_unknown_home_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert tracker(["export", "--out", "~nosuchuser/roads.zip"]) == 2
    assert "'~nosuchuser' is not a known user's home folder" in one_sentence(
        capsys.readouterr().err)


def test_an_unknown_revision(fresh_database: Callable[..., str], monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", fresh_database())
    for args in (["db", "migrate", "--revision", "nosuch"],
                 ["db", "migrate", "--downgrade", "--revision", "nosuch", "--yes"]):
        assert tracker(args) == 2
        line = one_sentence(capsys.readouterr().err)
        assert "unknown revision 'nosuch'" in line and "base, head, 0001" in line


@pytest.mark.parametrize("command", [["rank"], ["export", "--layer", "roads", "--out", "{out}"]])
def test_a_database_without_the_schema(command: list[str], fresh_database: Callable[..., str],
                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", fresh_database(migrated=False))
    args = [a.replace("{out}", str(tmp_path / "roads.zip")) for a in command]
    assert tracker(args) == 2
    assert "run 'tracker db migrate'" in one_sentence(capsys.readouterr().err)
    assert not (tmp_path / "roads.zip").exists()


def test_tracker_home_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder")
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRACKER_HOME", str(home))
    assert tracker(["db", "up"]) == 2
    line = one_sentence(capsys.readouterr().err)
    assert "set TRACKER_HOME to a folder" in line and str(home) in line


def test_the_server_drops_the_connection_mid_load(fresh_database: Callable[..., str],
                                                  pg_admin_url: str, tmp_path: Path) -> None:
    url = fresh_database()
    name = sa.engine.make_url(url).database
    process = subprocess.Popen(
        [str(TRACKER), "demo"],
        env=tracker_env(url, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    killed = 0
    deadline = time.monotonic() + 120
    with admin.connect() as conn:
        while not killed and process.poll() is None and time.monotonic() < deadline:
            killed = conn.execute(sa.text(  # the loader's backend, once it is copying rows
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :db AND query ILIKE 'COPY%' AND pid <> pg_backend_pid()"),
                {"db": name}).scalar() or 0
            time.sleep(0.01)
    _, stderr = process.communicate(timeout=120)
    admin.dispose()
    assert killed, "the load finished before its connection could be dropped"
    assert process.returncode == 2
    assert "the connection to the database was lost" in one_sentence(stderr)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:  # the load was one transaction: nothing of it stayed
        assert conn.execute(sa.text("SELECT count(*) FROM households")).scalar() == 0
    engine.dispose()


def test_os_errors_name_what_failed_and_what_to_do() -> None:
    full = os_error(OSError(errno.ENOSPC, "No space left on device"), "/data/x.zip", "write")
    assert str(full) == ("cannot write '/data/x.zip': no space is left on the device; free some "
                         "space or choose another folder.")
    assert full.exit_code == 74
    long = str(os_error(OSError(errno.ENAMETOOLONG, "File name too long"), "/t/" + "a" * 300))
    assert "(303 characters)" in long and len(long) < 200

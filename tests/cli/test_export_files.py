"""What ``tracker export`` leaves on disk: the file whole or nothing, never a stray temporary,
an existing file only replaced with --force, personal data logged before it is delivered and
readable by its owner.

Killed exports are real ``tracker export`` processes of the demo county (kill -9 and SIGTERM
while they write); the next export sweeps what a killed one could not remove.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from layers import audit
from tests.cli.conftest import OPERATOR, TRACKER, one_sentence, run_tracker, tracker_env

pytestmark = pytest.mark.postgis


def _temp_root(tmp_path: Path) -> Path:
    return tmp_path / "tmp" / f"tracker-exports-{os.geteuid()}"


def _logged(url: str, file_name: str) -> list[sa.Row]:  # type: ignore[type-arg]
    """The export log's rows for one file name (the database log of issue 12)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit.EXPORTS).where(
            audit.EXPORTS.c.file_name == file_name)).all()
    engine.dispose()
    return list(rows)


def _kill_while_writing(demo_url: str, tmp_path: Path, out: Path, sig: int
                        ) -> subprocess.CompletedProcess[str]:
    """Start a private export of every layer and send ``sig`` once it has written bytes."""
    process = subprocess.Popen(
        [str(TRACKER), "export", "--include-private", "--out", str(out)],
        env=tracker_env(demo_url, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        written = [p for p in _temp_root(tmp_path).glob("run-*/**/*")
                   if p.is_file() and p.stat().st_size > 0]
        if written:
            process.send_signal(sig)
            break
        time.sleep(0.02)
    out_text, err = process.communicate(timeout=120)
    assert written, "the export finished before it could be killed"
    return subprocess.CompletedProcess(process.args, process.returncode, out_text, err)


def test_kill_9_leaves_nothing_beside_the_target_and_the_next_run_sweeps(
        demo_url: str, tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    killed = _kill_while_writing(demo_url, tmp_path, target / "all.xlsx", signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    assert list(target.iterdir()) == []  # no half-written file, no hidden folder beside it
    left = list(_temp_root(tmp_path).glob("run-*"))
    assert left, "kill -9 cannot be cleaned up by the process itself"
    # what it left is private to its owner, and nothing was delivered, so nothing was logged
    assert all(stat.S_IMODE(folder.stat().st_mode) == 0o700 for folder in left)
    assert _logged(demo_url, "all.xlsx") == []

    done = run_tracker(["export", "--layer", "roads", "--out", str(target / "roads.zip")],
                       tracker_env(demo_url, tmp_path))
    assert done.returncode == 0, done.stderr
    assert [p.name for p in target.iterdir()] == ["roads.zip"]
    assert list(_temp_root(tmp_path).iterdir()) == []  # the killed run's folder was swept


def test_sigterm_removes_the_temporary_files(demo_url: str, tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    stopped = _kill_while_writing(demo_url, tmp_path, target / "all.xlsx", signal.SIGTERM)
    assert stopped.returncode == 130
    assert "interrupted" in one_sentence(stopped.stderr)
    assert list(target.iterdir()) == []
    assert list(_temp_root(tmp_path).iterdir()) == []


def test_an_existing_file_is_replaced_only_with_force(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "a.zip"
    out.write_text("x")
    env = tracker_env(demo_url, tmp_path)
    refused = run_tracker(["export", "--layer", "roads", "--out", str(out)], env)
    assert refused.returncode == 2
    assert "exists already" in one_sentence(refused.stderr) and "--force" in refused.stderr
    assert out.read_text() == "x"
    done = run_tracker(["export", "--layer", "roads", "--out", str(out), "--force"], env)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:2] == b"PK"  # the zip replaced it


def test_private_files_are_the_owners_and_a_layer_without_personal_data_says_so(
        demo_url: str, tmp_path: Path) -> None:
    env = tracker_env(demo_url, tmp_path)
    private = tmp_path / "h.geojson"
    done = run_tracker(["export", "--layer", "households", "--include-private",
                        "--out", str(private)], env)
    assert done.returncode == 0, done.stderr
    assert "this export was logged" in done.stdout
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    [entry] = _logged(demo_url, "h.geojson")
    assert entry.personal and {"id_number", "phone"} <= set(entry.personal_fields)
    assert entry.username == OPERATOR

    roads = run_tracker(["export", "--layer", "roads", "--include-private",
                         "--out", str(tmp_path / "r.zip")], env)
    assert roads.returncode == 0, roads.stderr
    assert "no exported layer holds personal data" in roads.stdout
    assert "this export was logged" not in roads.stdout
    [entry] = _logged(demo_url, "r.zip")  # every export is logged; this one as not personal
    assert not entry.personal and entry.personal_fields == []


def test_a_target_on_another_file_system_appears_whole(demo_url: str, tmp_path: Path) -> None:
    """Temporary files on tmpfs (/dev/shm), the target here: the file is copied into a hidden
    part file beside the target and renamed; no part file is left."""
    shm = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        assert shm.stat().st_dev != tmp_path.stat().st_dev
        env = tracker_env(demo_url, tmp_path, TMPDIR=str(shm))
        out = tmp_path / "out" / "roads.gpkg"
        out.parent.mkdir()
        done = run_tracker(["export", "--layer", "roads", "--out", str(out)], env)
        assert done.returncode == 0, done.stderr
        assert [p.name for p in out.parent.iterdir()] == ["roads.gpkg"]
        assert list((shm / f"tracker-exports-{os.geteuid()}").iterdir()) == []
    finally:
        shutil.rmtree(shm)

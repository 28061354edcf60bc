"""Shared by the CLI tests: the demo county in a committed database, and running ``tracker``."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo.demo.generate import generate
from geo.demo.load import load
from geo.testing import databases
from layers import accounts

TRACKER = Path(sys.executable).with_name("tracker")
OPERATOR = "测试员"  # the account the commands act as


@pytest.fixture(scope="package")
def demo_url(pg_admin_url: str) -> Iterator[str]:
    """A committed database holding the demo county, for commands run as real processes."""
    url = databases.create_database(pg_admin_url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        load(conn, generate(1), progress=False)
        # the TRACKER_USER of tracker_env: personal exports need an account of a role that may
        accounts.add_account(conn, OPERATOR, "admin", password=secrets.token_urlsafe(16),
                             by="test fixture")
    engine.dispose()
    yield url
    databases.drop_database(pg_admin_url, url)


def tracker_env(url: str | None, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``tracker`` process: its own home, temporary folder and database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update({"TRACKER_HOME": str(tmp_path / "home"), "TRACKER_USER": OPERATOR,
                "TMPDIR": str(tmp_path / "tmp")})
    (tmp_path / "tmp").mkdir(exist_ok=True)
    if url:
        env["TRACKER_DATABASE_URL"] = url
    env.update(extra)
    return env


def run_tracker(args: list[str], env: dict[str, str], stdout: object = subprocess.PIPE,
                stdin: object = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TRACKER), *args], env=env, stdout=stdout, stderr=subprocess.PIPE,
                          stdin=stdin, text=True, timeout=300, check=False)  # type: ignore[call-overload]


def one_sentence(stderr: str) -> str:
    """The command's error: one last line ``tracker: …`` (after any progress), no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    said = [line for line in lines if line.startswith("tracker: ")]
    assert len(said) == 1 and lines[-1] == said[0], stderr
    return said[0]

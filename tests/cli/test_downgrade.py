"""``tracker db migrate --downgrade`` drops tables: it says how many rows, and asks first."""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.db import migrate
from tests.cli.conftest import TRACKER, one_sentence, run_tracker, tracker_env
from tests.helpers.samples import insert_samples

pytestmark = pytest.mark.postgis


def _with_samples(url: str) -> int:
    """Commit one row per layer; return how many rows the database holds."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with Session(engine) as session:
        insert_samples(session)
        session.commit()
    with engine.connect() as conn:
        total = sum(migrate.table_rows(conn).values())
    engine.dispose()
    return total


def _state(url: str) -> tuple[str | None, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        state = migrate.current_revision(conn), sum(migrate.table_rows(conn).values())
    engine.dispose()
    return state


def _tables(url: str) -> int:
    """How many tables the schema holds (the downgrade names them all: accounts, history …)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        count = len(migrate.table_rows(conn))
    engine.dispose()
    return count


def _on_a_terminal(args: list[str], env: dict[str, str], answer: str
                   ) -> subprocess.CompletedProcess[str]:
    """Run ``tracker`` with a real terminal (a pty) as its input, typing ``answer``."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([str(TRACKER), *args], env=env, stdin=follower,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(follower)
    os.write(leader, answer.encode() + b"\n")
    out, err = process.communicate(timeout=120)
    os.close(leader)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_a_downgrade_to_base_is_refused_without_yes(fresh_database: Callable[..., str],
                                                   tmp_path: Path) -> None:
    url = fresh_database()
    rows = _with_samples(url)
    env = tracker_env(url, tmp_path)
    down = ["db", "migrate", "--downgrade", "--revision", "base"]
    refused = run_tracker(down, env, stdin=subprocess.DEVNULL)  # not a terminal: nobody to ask
    assert refused.returncode == 2
    line = one_sentence(refused.stderr)
    assert f"holds {rows:,} rows in {_tables(url)} tables" in line and "--yes" in line
    assert _state(url) == (migrate.head_revision(), rows)  # nothing was dropped

    done = run_tracker([*down, "--yes"], env, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert _state(url) == (None, 0)


def test_a_downgrade_asks_on_a_terminal(fresh_database: Callable[..., str], tmp_path: Path) -> None:
    url = fresh_database()
    rows = _with_samples(url)
    env = tracker_env(url, tmp_path)
    down = ["db", "migrate", "--downgrade", "--revision", "base"]
    declined = _on_a_terminal(down, env, "no")
    assert declined.returncode == 1
    assert f"{rows:,} rows in {_tables(url)} tables" in declined.stdout
    assert "Type 'yes'" in declined.stdout
    assert "Nothing was changed." in declined.stdout
    assert _state(url) == (migrate.head_revision(), rows)

    accepted = _on_a_terminal(down, env, "yes")
    assert accepted.returncode == 0, accepted.stderr
    assert _state(url) == (None, 0)


def test_an_empty_database_downgrades_without_a_question(fresh_database: Callable[..., str],
                                                         tmp_path: Path) -> None:
    url = fresh_database()
    done = run_tracker(["db", "migrate", "--downgrade", "--revision", "0001"],
                       tracker_env(url, tmp_path), stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert _state(url) == ("0001", 0)

"""``tracker rank`` and ``tracker db status`` as a person reads them in a terminal (issue 16)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from tests.cli.conftest import demo_url, one_sentence, run_tracker, tracker_env

__all__ = ["demo_url"]

pytestmark = pytest.mark.postgis


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@pytest.mark.parametrize("columns", [100, 200])
def test_rank_fits_the_terminal_and_wraps_the_reason(demo_url: str, tmp_path: Path,
                                                     columns: int) -> None:
    env = tracker_env(demo_url, tmp_path, COLUMNS=str(columns))
    done = run_tracker(["rank", "--limit", "10"], env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = lines[1]
    assert header.startswith("序号") and header.rstrip().endswith("理由")
    reason_at = _width(header[: header.index("理由")])
    rows = lines[2:]
    assert len([r for r in rows if r[:1].strip()]) == 10  # ten tasks, the rest continuations
    assert len(rows) > 10  # the reasons are longer than the room: wrapped, not cut
    for row in rows:
        assert _width(row) <= max(columns, reason_at + 24), row
    for row in rows:
        if not row[:1].strip():  # a continuation sits under the reason
            assert _width(row) - _width(row.lstrip()) == reason_at


@pytest.mark.parametrize(("args", "words"), [
    (["--status", "已验收"], "finished work (已完工 done, 已验收 accepted) is never queued"),
    (["--layer", "households"], "households are not repair tasks"),
])
def test_rank_says_why_a_choice_can_have_no_task(demo_url: str, tmp_path: Path, args: list[str],
                                                words: str) -> None:
    done = run_tracker(["rank", *args], tracker_env(demo_url, tmp_path))
    assert done.returncode != 0 and done.stdout == ""
    assert words in one_sentence(done.stderr)


def test_rank_help_describes_the_command(demo_url: str, tmp_path: Path) -> None:
    done = run_tracker(["rank", "--help"], tracker_env(demo_url, tmp_path, COLUMNS="100"))
    assert done.returncode == 0
    assert "key (重点) before general (一般)" in " ".join(done.stdout.split())


def test_db_status_columns_line_up_next_to_chinese_names(demo_url: str, tmp_path: Path) -> None:
    done = run_tracker(["db", "status"], tracker_env(demo_url, tmp_path))
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines()
            if line.startswith("  ") and line.split()[-1].replace(",", "").isdigit()]
    assert len(rows) > 5
    ends = {_width(line) for line in rows}
    assert len(ends) == 1, done.stdout  # the counts end in one column

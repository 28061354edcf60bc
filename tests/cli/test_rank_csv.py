"""``tracker rank --format csv`` against a database whose names are formulas: none may run."""

from __future__ import annotations

import csv
import io

import pytest

from cli import main as tracker
from geo.io import cells
from tests.helpers.nasty import NASTY, nasty_database_url

__all__ = ["nasty_database_url"]

pytestmark = pytest.mark.postgis


def test_rank_csv_guards_every_formula(nasty_database_url: str, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", nasty_database_url)
    assert tracker(["rank", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out, newline="")))
    assert rows, "the hostile database has damaged assets to rank"
    formulas = [cell for row in rows for cell in row.values() if cells.looks_like_formula(cell)]
    assert formulas == []
    names = {row["name"] for row in rows}
    for text in NASTY:  # every name comes back: formulas behind one apostrophe, the rest as is
        assert cells.csv_text(text) in names, text[:40]

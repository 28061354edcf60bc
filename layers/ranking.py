"""The repair priority queue as the app's pages call it: ``rank_queue(conn, …)``.

The reading and ranking live in geo (geo/rank_inputs.py, geo/rank.py) so that the ``tracker rank``
command can use them without importing layers; this module hands them the real ``REGISTRY``.
"""

from __future__ import annotations

import json
from typing import Any

from geo.rank import CannotRank, QueueRow, RankResult, row_dict, rows_frame
from geo.rank_inputs import load_registry_rules, rank_from_db
from geo.rank_rules import Rules
from layers import REGISTRY

__all__ = ["CannotRank", "QueueRow", "RankResult", "load_rules", "queue_json", "rank_queue",
           "rows_frame"]


def rank_queue(conn: Any, *, township: str | list[str] | None = None,
               layer: str | list[str] | None = None, status: str | list[str] | None = None,
               rules: Rules | str | None = None) -> RankResult:
    """The county's repair queue, best first, filtered; ``.rows`` and ``.cannot_rank``.

    ``conn``: a SQLAlchemy Connection or Session. ``township``: codes or names; ``layer``: table
    names or labels; ``status``: codes or labels (comma-separated or lists). ``rules``: a parsed
    ``Rules``, a path to a rules file, or None for data/rank_rules.toml.
    """
    return rank_from_db(conn, REGISTRY, township=township, layer=layer, status=status,
                        rules=rules)


def load_rules(path: str | None = None) -> Rules:
    """The rules file checked against the registry's vocabularies (categories, risks, statuses)."""
    return load_registry_rules(REGISTRY, path)


def queue_json(rows: list[QueueRow] | RankResult, *, indent: int | None = 2) -> str:
    """The public JSON form: a list, best first, of one object per task (see README)."""
    items = rows.rows if isinstance(rows, RankResult) else rows
    return json.dumps([row_dict(r) for r in items], ensure_ascii=False, indent=indent)

"""The repair queue as the pages and the CLI use it: rank through the one Filter, and show it.

Rows stay ``QueueRow`` / ``CannotRank`` from the ranking core all the way to the page.
"""

from __future__ import annotations

import html
import json

import pandas as pd
import sqlalchemy as sa

from geo.rank.core import CannotRank, QueueRow, RankResult, row_dict
from geo.rank.inputs import load_registry_rules, rank_from_db, read_asset, read_inputs
from geo.rank.live import LiveRanking
from geo.rank.rules import Rules
from layers import REGISTRY
from layers.filter import Filter
from layers.overrides import read_overrides
from layers.vocabularies import STATUS
from views.i18n import t
from views.map.geojson import status_label
from views.names import Names

QUEUE_COLUMNS = ("rank", "layer", "id", "name", "township", "task", "status", "urgency", "use",
                 "importance", "villages_cut_off", "households", "weighted_households", "reason",
                 "county_rank")
# the ranking core's Chinese tier words, as the English list shows them
TIER_WORDS_EN = {"抢通": "Reopen", "修复": "Repair", "应急": "Emergency", "长远": "Long-term",
                 "生活": "Living", "生产": "Production", "防洪": "Flood control",
                 "重点": "Key", "一般": "General"}


def rank_queue(conn: sa.Connection, chosen: Filter | None = None,
               rules: Rules | str | None = None) -> RankResult:
    """The county's repair schedule, best first, then the rows of ``chosen``'s townships, layers
    and statuses (``rank`` renumbered, ``county_rank`` kept). ``rules``: parsed, a path, or None
    for data/rank_rules.toml. The county office's recorded 重点/一般 decisions apply."""
    chosen = chosen or Filter()
    return rank_from_db(conn, REGISTRY, townships=chosen.townships, layers=chosen.layers,
                        statuses=chosen.statuses, rules=rules, overrides=read_overrides(conn))


def live_ranking(conn: sa.Connection) -> LiveRanking:
    """The whole county's schedule with the inputs it came from, kept for edits (the same rows
    as :func:`rank_queue` with no filter)."""
    return LiveRanking.build(read_inputs(conn, REGISTRY, read_overrides(conn)), load_rules())


def after_edit(conn: sa.Connection, live: LiveRanking,
               edits: list[tuple[str, int]]) -> LiveRanking:
    """``live`` once the edited assets (layer, id) are re-read: their rows, not the county."""
    fresh = [(spec.name, asset_id, read_asset(conn, spec, asset_id))
             for spec, asset_id in ((REGISTRY.get(layer), asset_id) for layer, asset_id in edits)
             if spec.repairable]  # boundaries, households: not what an edit in the app changes
    return live.with_assets(fresh)


def load_rules(path: str | None = None) -> Rules:
    """The rules file checked against the registry's vocabularies (categories, risks, statuses)."""
    return load_registry_rules(REGISTRY, path)


def queue_json(rows: list[QueueRow] | RankResult, *, indent: int | None = 2) -> str:
    """The public JSON form: a list, best first, of one object per task (see README)."""
    items = rows.rows if isinstance(rows, RankResult) else rows
    return json.dumps([row_dict(r) for r in items], ensure_ascii=False, indent=indent)


def queue_frame(rows: list[QueueRow], names: Names, lang: str) -> pd.DataFrame:
    """The repair list as a table with headers and labels in ``lang``: 序号 is the position in
    this (filtered) list, 全县排名 the task's place in the whole county's schedule."""
    data = pd.DataFrame([[getattr(row, c) for c in QUEUE_COLUMNS] for row in rows],
                        columns=list(QUEUE_COLUMNS))
    data["rank"] = list(range(1, len(rows) + 1))
    if lang != "zh":
        for column in ("task", "urgency", "use", "importance"):
            data[column] = [TIER_WORDS_EN.get(v, v) for v in data[column]]
    data["layer"] = [REGISTRY.get(v).label(lang) for v in data["layer"]]
    data["status"] = [status_label(v, lang) if v in STATUS else v for v in data["status"]]
    data["township"] = [names.township(row.township_code) or row.township for row in rows]
    return data.rename(columns={c: t(f"col_{c}", lang) for c in QUEUE_COLUMNS})


COMPACT_ROWS = 50  # the phone list: the top of the queue; search or filters narrow it


def compact_frame(frame: pd.DataFrame, lang: str, limit: int = COMPACT_ROWS) -> pd.DataFrame:
    """The repair list for a phone: position, task, place (name · township), status and the
    reason, the first ``limit`` rows of ``queue_frame``'s table."""
    head = frame.head(limit)
    col = {c: t(f"col_{c}", lang) for c in ("rank", "task", "name", "township", "status", "reason")}
    return pd.DataFrame({
        col["rank"]: head[col["rank"]],
        col["task"]: head[col["task"]],
        t("col_place", lang): head[col["name"]].astype(str) + " · " + head[col["township"]].astype(str),
        col["status"]: head[col["status"]],
        col["reason"]: head[col["reason"]],
    })


COMPACT_CLASS = "tracker-compact"


def compact_html(frame: pd.DataFrame) -> str:
    """``frame`` as a plain HTML table whose cells wrap (for ``st.html``): every header and cell
    HTML-escaped, so database text stays text (``st.table`` would read it as Markdown)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return (f"<table class='{COMPACT_CLASS}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def cannot_rank_frame(rows: list[CannotRank], lang: str) -> pd.DataFrame:
    """Assets the ranking could not place (no geometry, no village link), with the reason."""
    return pd.DataFrame({
        t("col_layer", lang): [REGISTRY.get(r.layer).label(lang) for r in rows],
        t("col_code", lang): [r.code for r in rows],
        t("col_name", lang): [r.name for r in rows],
        t("col_township", lang): [r.township for r in rows],
        t("col_problem", lang): [r.reason for r in rows],
    })

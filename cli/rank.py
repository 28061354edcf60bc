"""``tracker rank`` — the repair schedule (先重点后一般), best first, with reasons.

What was typed becomes the one ``Filter``; ``views.queue.rank_queue`` reads the database
(geo/rank/inputs.py) and ranks it (geo/rank/core.py), as the app's repair list does.
``--crews N`` runs the crew what-if (views/schedule.py); ``--override`` records the county
office's 重点/一般 for an asset (layers/overrides.py).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import unicodedata
from typing import Any, TextIO

from sqlalchemy import exc as sa_exc

from geo.db.engine import get_engine, unreachable
from geo.errors import ValidationError
from geo.io import cells
from geo.rank.core import CannotRank, QueueRow, RankResult, row_dict, rows_frame
from geo.settings import get_settings
from layers.filter import Filter, parse_filter
from layers.overrides import clear_override, set_override
from layers.vocabularies import FINISHED_STATUSES
from views import schedule
from views.queue import rank_queue

FORMATS = ("table", "csv", "json")
TABLE_COLUMNS = (
    ("rank", "序号"), ("layer_zh", "图层"), ("code", "编码"), ("name", "名称"),
    ("township", "乡镇"), ("task", "任务"), ("status_zh", "状态"), ("urgency", "缓急"),
    ("use", "用途"), ("importance", "重点"), ("villages_cut_off", "连通村"),
    ("households", "恢复户数"), ("weighted_households", "恢复量"), ("reason", "理由"),
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cmd = sub.add_parser(
        "rank", help="repair priority queue with reasons (先重点后一般)",
        description="The repair priority queue of the damaged assets still to repair (修复优先级队列): "
                    "key (重点) before general (一般), emergency (应急) before long-term (长远), then "
                    "by the households each task gives back; every row says why. Finished work "
                    "(已完工, 已验收) and households are not repair tasks. The table wraps its "
                    "reasons to the terminal's width.")
    cmd.add_argument("--township", help="township code(s) or name(s), comma-separated")
    cmd.add_argument("--layer", help="layer name(s) or label(s), e.g. roads or 水毁公路")
    cmd.add_argument("--status", help="status code(s) or label(s), e.g. not_started,抢通中")
    cmd.add_argument("--format", choices=FORMATS, default="table", help="output (default: table)")
    cmd.add_argument("--rules", help="rules file (default: data/rank_rules.toml)")
    cmd.add_argument("--limit", type=int, default=0, help="show only the first N rows (0: all)")
    cmd.add_argument("--crews", type=int, default=0,
                     help="what-if: N crews work the whole county's list in order; prints the "
                          "day-by-day curve of households with basic services back")
    cmd.add_argument("--override", metavar="LAYER:ID=重点|一般",
                     help="record the county office's 重点/一般 for an asset (id or code); "
                          "needs --reason")
    cmd.add_argument("--reason", help="why the office decided so (recorded with the override)")
    cmd.add_argument("--clear-override", metavar="LAYER:ID",
                     help="remove the office's decision for an asset: the rule decides again")
    cmd.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.override or args.clear_override:
        return override(args)
    if args.crews:
        return crews(args)
    engine = get_engine()
    try:
        with engine.connect() as conn:
            chosen = parse_filter(conn, layers=args.layer, statuses=args.status,
                                  townships=args.township)
            not_queued(chosen)
            result = rank_queue(conn, chosen, rules=args.rules)
    except sa_exc.OperationalError as error:
        raise unreachable(engine.url, error) from None
    write(result, args.format, sys.stdout, limit=args.limit)
    if result.cannot_rank and args.format != "table":
        print(f"tracker: {len(result.cannot_rank)} damaged asset(s) cannot be ranked; "
              "run with --format table to see why.", file=sys.stderr)
    return 0


def override(args: argparse.Namespace) -> int:
    """Record or remove the county office's 重点/一般 for one asset, and say what was done."""
    if args.override and args.clear_override:
        raise ValidationError("give either --override or --clear-override, not both.")
    engine = get_engine()
    try:
        with engine.begin() as conn:
            if args.clear_override:
                layer, asset = _asset_spec(args.clear_override)
                removed = clear_override(conn, layer, asset)
                print(f"{layer}:{asset} 的人工指定已取消，按规则判定重点/一般。" if removed else
                      f"{layer}:{asset} 没有人工指定，无需取消。")
                return 0
            spec, _, importance = args.override.rpartition("=")
            layer, asset = _asset_spec(spec)
            name, asset_id, code, chosen = set_override(conn, layer, asset, importance,
                                                        args.reason or "", get_settings().user)
    except sa_exc.OperationalError as error:
        raise unreachable(engine.url, error) from None
    print(f"已记录：{name} #{asset_id}（{code}）由县防返贫办指定为{chosen}，理由：{args.reason.strip()}")
    return 0


def crews(args: argparse.Namespace) -> int:
    """The what-if: the whole county's list worked in order by N crews."""
    if args.township or args.layer or args.status:
        raise ValidationError("--crews works the whole county's list; leave out --township, "
                              "--layer and --status.")
    schedule.check_crews(args.crews)
    engine = get_engine()
    try:
        with engine.connect() as conn:
            crew = schedule.crew_schedule(conn, args.crews, rules=args.rules)
    except sa_exc.OperationalError as error:
        raise unreachable(engine.url, error) from None
    if args.format == "json":
        json.dump(schedule.schedule_json(crew), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif args.format == "csv":
        schedule.curve_frame(crew, "zh").to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        sys.stdout.write(crew_table(crew))
    return 0


def crew_table(crew: schedule.CrewPlan) -> str:
    curve = schedule.curve_frame(crew, "zh")
    villages = schedule.key_village_frame(crew, "zh")
    lines = [schedule.summary(crew, "zh"), ""]
    lines += _aligned([list(curve.columns)] + [[_cell(v) for v in row] for row in curve.itertuples(index=False)])
    lines += ["", "各村重点群体户全部恢复基本服务的日期"]
    lines += _aligned([list(villages.columns)] +
                      [[_cell(v) for v in row] for row in villages.itertuples(index=False)])
    return "\n".join(lines) + "\n"


def _asset_spec(text: str) -> tuple[str, str]:
    layer, sep, asset = text.strip().partition(":")
    if not sep or not layer.strip() or not asset.strip():
        raise ValidationError(f"{text!r} is not LAYER:ID (e.g. roads:12 or 水毁公路:411121R00012).")
    return layer.strip(), asset.strip()


def write(result: RankResult, fmt: str, out: TextIO, *, limit: int = 0) -> None:
    rows = result.rows[:limit] if limit > 0 else result.rows
    if fmt == "json":
        json.dump([row_dict(r) for r in rows], out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "csv":
        frame = rows_frame(rows)
        for col in ("key_reasons", "cut_off_villages", "bundle", "blocked_by"):
            frame[col] = frame[col].map("、".join)
        frame["override"] = frame["override"].map(lambda o: o["reason"] if o else "")
        # formulas never run; CRLF rows (RFC 4180): a value with a CR is quoted, not split
        cells.csv_frame(frame).to_csv(out, index=False, lineterminator="\r\n")
    else:
        out.write(table(rows, result.cannot_rank, shutil.get_terminal_size((160, 24)).columns))


def not_queued(chosen: Filter) -> None:
    """Refuse, in one sentence, a choice that can never have a repair task."""
    if chosen.layers and set(chosen.layers) <= {"households"}:
        raise ValidationError("households are not repair tasks; see them with 'tracker export "
                              "--layer households' or the 农户 page, or rank --layer roads etc.")
    if chosen.statuses and set(chosen.statuses) <= set(FINISHED_STATUSES):
        raise ValidationError("finished work (已完工 done, 已验收 accepted) is never queued for "
                              "repair; choose an open status, or see progress with 'tracker report'.")


def table(rows: list[QueueRow], cannot: list[CannotRank], width: int = 160) -> str:
    """The queue as aligned columns; the reason, last, wraps to ``width`` under itself."""
    lines = [f"修复优先级队列 Repair priority queue — {len(rows)} 项任务 tasks"]
    cells = [[label for _, label in TABLE_COLUMNS]]
    for row in rows:
        data = row_dict(row) | {"reason": row.reason}
        cells.append([_cell(data.get(key)) for key, _ in TABLE_COLUMNS])
    lines += _aligned(cells, width)
    if cannot:
        lines += ["", f"无法排序 Cannot rank — {len(cannot)} 项"]
        lines += _aligned([["图层", "编码", "名称", "乡镇", "状态", "原因"]] + [
            [c.layer_zh, c.code, c.name, c.township, c.status, c.reason] for c in cannot], width)
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` screen columns (Chinese characters count double)."""
    return text + " " * max(width - _width(text), 0)


MIN_REASON = 24  # screen columns: narrower than this the reason goes on lines of its own width


def _aligned(cells: list[list[str]], width: int = 160) -> list[str]:
    """Pad every column but the last to its widest cell (Chinese characters count double); the
    last wraps to fit ``width``, its further lines indented under it."""
    widths = [max(_width(r[i]) for r in cells) for i in range(len(cells[0]) - 1)]
    indent = sum(widths) + 2 * len(widths)
    room = max(width - indent, MIN_REASON)
    out = []
    for r in cells:
        head = "  ".join([pad(c, w) for c, w in zip(r, widths, strict=False)] + [""])
        parts = _wrap(r[-1], room)
        out.append(head + parts[0])
        out += [" " * indent + part for part in parts[1:]]
    return out


def _wrap(text: str, room: int) -> list[str]:
    """``text`` in pieces of at most ``room`` screen columns (a Chinese character counts two)."""
    parts, line = [], ""
    for ch in text:
        if _width(line + ch) > room:
            parts.append(line)
            line = ""
        if line or not ch.isspace():  # a piece never starts with the space it was cut at
            line += ch
    return [*parts, line]

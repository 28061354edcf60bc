"""``tracker status`` / ``tracker filing`` / ``tracker history`` — move work along from a terminal
or a script, through the same rules as the app, and read an asset's record of changes.

The command acts as the account named by TRACKER_USER (default: the login name); its role and
scope apply, and every change is recorded under that name.

    tracker status X012-001 已抢通 --note "便道通车" --date 2021-09-16
    tracker filing P-001 已备案 --date 2021-10-08 --doc "舞电备〔2021〕12号"
    tracker history roads:12
"""

from __future__ import annotations

import argparse
import datetime as dt

from geo.db.engine import check_connection, get_engine
from geo.errors import ValidationError
from geo.settings import get_settings
from layers import REGISTRY
from layers.accounts import active_actor
from layers.store import lock_row
from layers.vocabularies import FILING, STATUS
from layers.workflow import change_filing, change_status
from views.edits import find_asset, timeline_frame


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    status = sub.add_parser("status", help="change an asset's repair status (as TRACKER_USER)",
                            description="Change one asset's status under the workflow rules "
                                        "(data/status_workflow.toml).")
    status.add_argument("asset", help="asset code (e.g. X012-001) or LAYER:ID (e.g. roads:12)")
    status.add_argument("new", help="new status: " + ", ".join(f"{t.zh}/{t.code}" for t in STATUS))
    status.add_argument("--note", help="what happened; required when moving back")
    status.add_argument("--date", help="the day it happened, YYYY-MM-DD (default: today, CST)")
    status.set_defaults(func=run_status)
    filing = sub.add_parser("filing", help="change a power line's filing (先实施后备案)")
    filing.add_argument("asset", help="power line code or power_lines:ID")
    filing.add_argument("new", help=", ".join(f"{t.zh}/{t.code}" for t in FILING))
    filing.add_argument("--date", help="filing date, YYYY-MM-DD (needed for 已备案)")
    filing.add_argument("--doc", help="filing document number 备案文号 (needed for 已备案)")
    filing.add_argument("--note")
    filing.set_defaults(func=run_filing)
    history = sub.add_parser("history", help="print an asset's record of changes")
    history.add_argument("asset", help="asset code or LAYER:ID")
    history.add_argument("--lang", default="zh", choices=("zh", "en"))
    history.set_defaults(func=run_history)


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"--date {text!r} is not a date; write it as YYYY-MM-DD.") from None


def run_status(args: argparse.Namespace) -> int:
    engine = get_engine()
    check_connection(engine)
    with engine.begin() as conn:
        actor = active_actor(conn, get_settings().user)
        layer, ident = find_asset(conn, args.asset)
        row = lock_row(conn, layer, ident)
        version = change_status(conn, actor, layer, ident, args.new, int(row.version),
                                note=args.note, on=_date(args.date))
    print(f"tracker: {layer}:{ident} {row.name}: {STATUS.label(row.status) or '—'} → "
          f"{STATUS.label(STATUS.code(args.new))} (version {version}), recorded as {actor.username}.")
    return 0


def run_filing(args: argparse.Namespace) -> int:
    engine = get_engine()
    check_connection(engine)
    with engine.begin() as conn:
        actor = active_actor(conn, get_settings().user)
        layer, ident = find_asset(conn, args.asset)
        if layer != "power_lines":
            raise ValidationError(f"{args.asset} is {REGISTRY.get(layer).zh}; only power lines are filed.")
        row = lock_row(conn, layer, ident)
        version = change_filing(conn, actor, ident, args.new, int(row.version),
                                filed_on=_date(args.date), document=args.doc, note=args.note)
    print(f"tracker: {layer}:{ident} {row.name}: {FILING.label(row.filing) or '—'} → "
          f"{FILING.label(FILING.code(args.new))} (version {version}), recorded as {actor.username}.")
    return 0


def run_history(args: argparse.Namespace) -> int:
    engine = get_engine()
    check_connection(engine)
    with engine.connect() as conn:
        layer, ident = find_asset(conn, args.asset)
        row = lock_row(conn, layer, ident)
        frame = timeline_frame(conn, layer, ident, args.lang)
        conn.rollback()
    print(f"{REGISTRY.get(layer).label(args.lang)} {layer}:{ident} {row.name} — "
          f"{STATUS.label(row.status, args.lang) or '—'}, version {row.version}")
    if frame.empty:
        print("  (no recorded change)")
        return 0
    for record in frame.iloc[::-1].to_dict("records"):  # oldest first, like a log
        print("  " + " | ".join(str(v) for v in record.values() if str(v)))
    return 0

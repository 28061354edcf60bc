"""``tracker ledger`` — the problem ledger (问题台账) from a terminal, through the same rules as the
app: list it, register a problem, record the measure, report it done, verify it (销号), and export
the Excel 台账. Acts as the account TRACKER_USER names (its role and scope apply; every change is
recorded under it).

    tracker ledger list --township 北舞渡镇 --state 待核实
    tracker ledger add 4111211022010001 饮水安全 --cause W-001 --measure 临时应急供水
    tracker ledger done 12 --note "已通自来水" --date 2021-09-20
    tracker ledger verify 12 --method 入户核实 --note "户主确认有水" --photo check.jpg
    tracker ledger export --out 问题台账.xlsx
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from geo import chinatime
from geo.db.engine import check_connection, get_engine
from geo.errors import NotFoundError, ValidationError
from geo.settings import get_settings
from layers import REGISTRY, intake, ledger
from layers.accounts import active_actor
from layers.ledger import NewProblem
from layers.roles import Actor
from layers.store import lock_row
from layers.vocabularies import PROBLEM_STATE
from views.ledger import LedgerQuery, export_ledger, ledger_frame, problem_records
from views.names import load_names


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("ledger", help="the household problem ledger 问题台账 (as TRACKER_USER)",
                            description="List and move the problems of households, from found to 销号.")
    commands = parser.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")
    _list(commands)
    _add(commands)
    measure = commands.add_parser("measure", help="record the measure (待处理 → 处理中)")
    measure.add_argument("problem", type=int)
    measure.add_argument("measure", help="a measure of data/ledger.toml, e.g. 临时救助")
    measure.add_argument("--note")
    measure.add_argument("--helper")
    measure.add_argument("--unit")
    measure.add_argument("--due", help="due date YYYY-MM-DD")
    measure.set_defaults(func=run_measure)
    done = commands.add_parser("done", help="report the measure done (→ 待核实)")
    done.add_argument("problem", type=int)
    done.add_argument("--note")
    done.add_argument("--date", help="the day it was done, YYYY-MM-DD (default: today, CST)")
    done.set_defaults(func=run_done)
    verify = commands.add_parser("verify", help="verify and close (销号), by another account")
    verify.add_argument("problem", type=int)
    verify.add_argument("--method", required=True, help="入户核实, 电话 or 材料")
    verify.add_argument("--note")
    verify.add_argument("--date", help="the day of the check, YYYY-MM-DD (default: today, CST)")
    verify.add_argument("--photo", help="a JPEG, PNG or WebP picture of the check")
    verify.set_defaults(func=run_verify)
    unfounded = commands.add_parser("unfounded", help="not true on checking (不属实), with the reason")
    unfounded.add_argument("problem", type=int)
    unfounded.add_argument("--reason", required=True)
    unfounded.set_defaults(func=run_unfounded)
    category = commands.add_parser("category", help="change a household's category (动态监测)")
    category.add_argument("household", help="household code")
    category.add_argument("category", help="e.g. 监测对象")
    category.add_argument("--kind", help="monitoring kind of a 监测对象, e.g. 突发严重困难户")
    category.add_argument("--reason", required=True)
    category.add_argument("--date", help="the day it was decided, YYYY-MM-DD")
    category.set_defaults(func=run_category)
    export = commands.add_parser("export", help="the Excel 台账 (ID numbers masked; logged)")
    _filters(export)
    export.add_argument("--out", required=True, help="an .xlsx file")
    export.add_argument("--private", action="store_true", help="full ID numbers (county administrators)")
    export.set_defaults(func=run_export)


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--township", action="append", default=[], help="name or code (repeatable)")
    parser.add_argument("--village", action="append", default=[], help="name or code (repeatable)")
    parser.add_argument("--kind", action="append", default=[], help="e.g. 饮水安全 (repeatable)")
    parser.add_argument("--state", action="append", default=[], help="e.g. 待核实 (repeatable)")
    parser.add_argument("--helper", default="", help="帮扶责任人 (part of the name)")
    parser.add_argument("--overdue", action="store_true", help="only open problems past due")
    parser.add_argument("--household", default="", help="one household's code")
    parser.add_argument("--date", help="as of this day (overdue), YYYY-MM-DD; default today")


def _list(commands: Any) -> None:
    listing = commands.add_parser("list", help="print the ledger")
    _filters(listing)
    listing.add_argument("--format", choices=("table", "csv"), default="table")
    listing.add_argument("--lang", choices=("zh", "en"), default="zh")
    listing.set_defaults(func=run_list)


def _add(commands: Any) -> None:
    add = commands.add_parser("add", help="register a household's problem")
    add.add_argument("household", help="household code")
    add.add_argument("kind", help="不愁吃, 不愁穿, 义务教育, 基本医疗, 住房安全, 饮水安全 or 收入")
    add.add_argument("--cause", action="append", default=[],
                     help="the damaged asset that caused it: code or LAYER:ID (repeatable)")
    add.add_argument("--situation", help="the household's own situation, when no asset caused it")
    add.add_argument("--measure", help="the measure, if one is under way already")
    add.add_argument("--helper", help="帮扶责任人 (default: the household's)")
    add.add_argument("--unit", help="帮扶单位")
    add.add_argument("--found", help="the day it was found, YYYY-MM-DD (default: today, CST)")
    add.add_argument("--due", help="due date YYYY-MM-DD (default: data/ledger.toml)")
    add.set_defaults(func=run_add)


def _date(text: str | None, what: str = "--date") -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{what} {text!r} is not a date; write it as YYYY-MM-DD.") from None


def _query(args: argparse.Namespace) -> LedgerQuery:
    return LedgerQuery(townships=tuple(args.township), villages=tuple(args.village), kinds=tuple(args.kind),
                       states=tuple(args.state), helper=args.helper, overdue=args.overdue,
                       household=args.household)


def _in_transaction(work: Callable[[sa.Connection, Actor], str]) -> int:
    """Run one change as TRACKER_USER in one transaction and print what it did."""
    engine = get_engine()
    check_connection(engine)
    with engine.begin() as conn:
        message = work(conn, active_actor(conn, get_settings().user))
    print(f"tracker: {message}")
    return 0


def _version(conn: sa.Connection, problem: int) -> int:
    return int(lock_row(conn, ledger.PROBLEMS, problem).version)


def run_list(args: argparse.Namespace) -> int:
    engine = get_engine()
    check_connection(engine)
    as_of = _date(args.date) or chinatime.today()
    with engine.connect() as conn:
        actor = active_actor(conn, get_settings().user)
        records = problem_records(conn, actor.scope, _query(args), as_of)
        frame = ledger_frame(conn, records, load_names(conn), args.lang, as_of)
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif frame.empty:
        print("(no problem matches)")
    else:
        print(frame.to_string(index=False))
    return 0


def run_add(args: argparse.Namespace) -> int:
    def work(conn: sa.Connection, actor: Actor) -> str:
        table = REGISTRY.get("households").table
        household = conn.execute(sa.select(table.c.id).where(table.c.code == args.household.strip())).scalar()
        if household is None:
            raise NotFoundError(f"no household has the code {args.household!r}; check it.")
        new = NewProblem(int(household), args.kind, causes=tuple(args.cause), cause_note=args.situation,
                         measure=args.measure, helper=args.helper, helper_unit=args.unit,
                         found_on=_date(args.found, "--found"), due_on=_date(args.due, "--due"))
        pid = ledger.add_problem(conn, actor, new)
        return f"problem #{pid} registered for household {args.household}, recorded as {actor.username}."
    return _in_transaction(work)


def run_measure(args: argparse.Namespace) -> int:
    def work(conn: sa.Connection, actor: Actor) -> str:
        version = ledger.set_measure(conn, actor, args.problem, _version(conn, args.problem), args.measure,
                                     measure_note=args.note, helper=args.helper, helper_unit=args.unit,
                                     due_on=_date(args.due, "--due"))
        return _moved(conn, args.problem, version, actor)
    return _in_transaction(work)


def run_done(args: argparse.Namespace) -> int:
    def work(conn: sa.Connection, actor: Actor) -> str:
        version = ledger.mark_done(conn, actor, args.problem, _version(conn, args.problem),
                                   on=_date(args.date), note=args.note)
        return _moved(conn, args.problem, version, actor)
    return _in_transaction(work)


def run_verify(args: argparse.Namespace) -> int:
    photo = None
    if args.photo:
        path = Path(args.photo)
        if not path.is_file():
            raise NotFoundError(f"--photo {args.photo!r} is not a file; give the picture's path.")
        photo = path.read_bytes()

    def work(conn: sa.Connection, actor: Actor) -> str:
        version = ledger.verify(conn, actor, args.problem, _version(conn, args.problem), args.method,
                                note=args.note, on=_date(args.date), photo=photo)
        return _moved(conn, args.problem, version, actor)
    return _in_transaction(work)


def run_unfounded(args: argparse.Namespace) -> int:
    def work(conn: sa.Connection, actor: Actor) -> str:
        version = ledger.mark_unfounded(conn, actor, args.problem, _version(conn, args.problem), args.reason)
        return _moved(conn, args.problem, version, actor)
    return _in_transaction(work)


def run_category(args: argparse.Namespace) -> int:
    def work(conn: sa.Connection, actor: Actor) -> str:
        table = REGISTRY.get("households").table
        row = conn.execute(sa.select(table.c.id, table.c.version)
                           .where(table.c.code == args.household.strip())).first()
        if row is None:
            raise NotFoundError(f"no household has the code {args.household!r}; check it.")
        version = intake.change_category(conn, actor, int(row.id), int(row.version), args.category,
                                         args.kind, args.reason, _date(args.date))
        return f"household {args.household}: category changed (version {version}), recorded as {actor.username}."
    return _in_transaction(work)


def run_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise ValidationError(f"--out {args.out!r}: the 台账 is an Excel file; name it *.xlsx.")
    if not out.parent.is_dir():
        raise NotFoundError(f"the folder {str(out.parent)!r} does not exist; create it first.")

    engine = get_engine()
    check_connection(engine)
    with engine.begin() as conn:  # the export log commits before the file is handed out
        actor = active_actor(conn, get_settings().user)
        _, payload, rows = export_ledger(conn, actor, _query(args), _date(args.date) or chinatime.today(),
                                         private=args.private)
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(payload)
    partial.replace(out)  # the file appears whole or not at all
    print(f"tracker: wrote {rows} problems to {out} (logged as {actor.username}).")
    return 0


def _moved(conn: sa.Connection, problem: int, version: int, actor: Actor) -> str:
    state = conn.execute(sa.select(ledger.PROBLEMS_TABLE.c.state)
                         .where(ledger.PROBLEMS_TABLE.c.id == problem)).scalar_one()
    return (f"problem #{problem} is {PROBLEM_STATE.label(state)} (version {version}), "
            f"recorded as {actor.username}.")

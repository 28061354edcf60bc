"""``tracker report`` — the 调度通报 for a date as a printable PDF or an Excel workbook.

    tracker report --date 2021-09-30 --out 调度通报-0930.pdf

Acts as the TRACKER_USER account: a township account's report covers its township.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from cli.status import _date
from geo import chinatime
from geo.db.engine import check_connection, get_engine
from geo.errors import ValidationError
from geo.io.report import report_pdf, report_xlsx
from geo.settings import get_settings
from layers.accounts import active_actor
from views.dispatch import dispatch_report

WRITERS = {".pdf": report_pdf, ".xlsx": report_xlsx}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cmd = sub.add_parser("report", help="the dispatch report 调度通报 (PDF or Excel) for a date")
    cmd.add_argument("--date", help="report date YYYY-MM-DD (default: today, China Standard Time)")
    cmd.add_argument("--out", required=True, help="output file ending in .pdf or .xlsx")
    cmd.add_argument("--lang", default="zh", choices=("zh", "en"))
    cmd.add_argument("--no-map", action="store_true", help="leave the map picture out")
    cmd.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out).expanduser()
    writer = WRITERS.get(out.suffix.lower())
    if writer is None:
        raise ValidationError(f"{args.out!r} must end in .pdf or .xlsx.")
    if not out.parent.is_dir():
        raise ValidationError(f"the folder {str(out.parent)!r} does not exist; create it first.")
    as_of = _date(args.date) or chinatime.today()
    engine = get_engine()
    check_connection(engine)
    with engine.connect() as conn:
        actor = active_actor(conn, get_settings().user)
        report = dispatch_report(conn, actor.scope, as_of, args.lang, actor.username,
                                 with_map=not args.no_map)
    data = writer(report)
    fd, staged = tempfile.mkstemp(prefix=".report-", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(staged, out)
    finally:
        if os.path.exists(staged):
            os.unlink(staged)
    print(f"tracker: wrote {out.name} ({len(data) // 1024} KB), the 调度通报 of {as_of.isoformat()}.")
    return 0

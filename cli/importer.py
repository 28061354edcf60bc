"""``tracker import`` — another bureau's file into a layer, checked first, written only with --commit.

Examples::

    tracker import 交通局水毁路段.zip --layer roads                 # a dry run: what would change
    tracker import 交通局水毁路段.zip --layer roads --commit --bureau 交通局 --save-mapping
    tracker import 水利工程.xlsx --layer water_works --from-gcj02 --map 工程名=name
    tracker import 监测户.xlsx --layer households --report problems.csv
    tracker import wuyang-export.gpkg --commit                      # the tracker's own export

Nothing is written without ``--commit``, and nothing at all when a row has an error; the report
lists each problem with its row. The same path as the app's 导入 page (``views.imports``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from geo.db.engine import check_connection, get_engine
from geo.errors import NotFoundError, ValidationError
from layers import REGISTRY
from layers.imports.columns import parse_choices
from views import import_report
from views.imports import ImportReport, ImportRequest, run_import

SHOWN_PROBLEMS = 20


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cmd = sub.add_parser(
        "import", help="import a bureau's shapefile zip, GeoPackage, GeoJSON, CSV or Excel file",
        description="Check a file against a layer and (with --commit) write it in one "
                    "transaction. Columns are recognised by Chinese or English names and "
                    "synonyms; unrecognised ones are listed with a proposal.")
    cmd.add_argument("file", help="the file: .zip (shapefile), .gpkg, .geojson, .csv or .xlsx")
    cmd.add_argument("--layer", default="all",
                     help="the layer (name or Chinese label); default: each table to the layer "
                          "it is named after (the tracker's own exports)")
    cmd.add_argument("--table", help="the sheet, GeoPackage table or .shp to read")
    cmd.add_argument("--commit", action="store_true", help="write (default: a dry run)")
    cmd.add_argument("--encoding", help="text encoding when it cannot be detected: GBK or UTF-8")
    cmd.add_argument("--crs", help="the coordinates' CRS when there is no .prj, e.g. EPSG:4526")
    cmd.add_argument("--from-gcj02", action="store_true",
                     help="the lon/lat come from AMap/Gaode or Tencent maps (GCJ-02)")
    cmd.add_argument("--make-valid", action="store_true",
                     help="repair invalid polygons with make_valid (check the dry run's preview)")
    cmd.add_argument("--map", action="append", metavar="COLUMN=FIELD",
                     help="use a column for a field (or '-' to leave it out); repeatable")
    cmd.add_argument("--value", action="append", metavar="FIELD:VALUE=CODE",
                     help="read a vocabulary value as a term, e.g. status:已修复=done; repeatable")
    cmd.add_argument("--bureau", help="the bureau the file comes from: its saved mapping is used")
    cmd.add_argument("--save-mapping", action="store_true",
                     help="with --commit and --bureau: save the column mapping for next time")
    overwrite = cmd.add_mutually_exclusive_group()
    overwrite.add_argument("--overwrite-app-edits", action="store_true",
                           help="let the file's status overwrite edits made in the app since the "
                                "last import (default: keep them)")
    overwrite.add_argument("--overwrite", metavar="CODES",
                           help="overwrite app edits only for these codes (comma-separated)")
    cmd.add_argument("--report", help="write every problem to this CSV file")
    cmd.add_argument("--lang", default="zh", choices=("zh", "en"), help="language of the output")
    cmd.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.file).expanduser()
    if not path.is_file():
        raise NotFoundError(f"{args.file!r} is not a file; give the path of the file to import.")
    layer = REGISTRY.get(args.layer) if args.layer != "all" else None
    columns = parse_choices(args.map, layer) if layer and args.map else {}
    if args.map and layer is None:
        raise ValidationError("--map needs --layer: say which layer the columns belong to.")
    request = ImportRequest(
        path, path.name, layer=layer.name if layer else "all", table=args.table,
        encoding=args.encoding, crs=args.crs, from_gcj02=args.from_gcj02,
        make_valid=args.make_valid, columns=columns, values=parse_values(args.value),
        bureau=args.bureau, save_mapping=args.save_mapping, commit=args.commit,
        overwrite=True if args.overwrite_app_edits else
        frozenset(c.strip() for c in args.overwrite.split(",")) if args.overwrite else False)
    engine = get_engine()
    check_connection(engine)
    # disable=None: a bar on a terminal, nothing in logs and pipes
    with tqdm(total=100, unit="%", desc="import", file=sys.stderr, leave=False, disable=None) as bar:
        def progress(fraction: float, text: str) -> None:
            bar.set_postfix_str(text, refresh=False)
            bar.update(max(0, round(fraction * 100) - bar.n))

        report = run_import(engine, request, progress)
    show(report, args.lang, args.report)
    return 1 if report.errors else 0


def parse_values(items: list[str] | None) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for item in items or []:
        field, sep, rest = item.partition(":")
        raw, sep2, code = rest.rpartition("=")
        if not sep or not sep2 or not field.strip() or not raw.strip():
            raise ValidationError(f"--value {item!r} is not FIELD:VALUE=CODE; write e.g. "
                                  "--value status:已修复=done.")
        out.setdefault(field.strip(), {})[raw.strip()] = code.strip()
    return out


def show(report: ImportReport, lang: str, report_path: str | None) -> None:
    for layer_report in report.layers:
        mapping = import_report.mapping_frame(layer_report, lang)
        if len(mapping):
            print(f"{layer_report.layer.label(lang)} ← {report.name} ({layer_report.table}):")
            print(mapping.to_string(index=False))
        for frame in (import_report.unknown_values_frame(layer_report, lang),
                      import_report.conflicts_frame(layer_report, lang),
                      import_report.repairs_frame(layer_report, lang)):
            if len(frame):
                print(frame.to_string(index=False))
    problems = import_report.problems_frame(report, lang)
    if len(problems):
        print(problems.head(SHOWN_PROBLEMS).to_string(index=False))
        if len(problems) > SHOWN_PROBLEMS and not report_path:
            print(f"… {len(problems) - SHOWN_PROBLEMS} more; write them all with --report FILE.csv")
    if report_path:
        Path(report_path).expanduser().write_bytes(import_report.report_csv(report, lang))
        print(f"report: {report_path} ({len(problems)} problems)")
    for line in import_report.summary_lines(report, lang):
        print(line)

"""``tracker export`` — layers to a shapefile zip, GeoPackage, GeoJSON or Excel ledger.

Example::

    tracker export --layer roads --status 未开工,抢通中 --township 北舞渡镇 \\
        --crs EPSG:4547 --encoding GBK --format shp --out roads.zip

The command parses what was typed into the one ``Filter`` and hands it to ``views.downloads``,
the same path as the app's export page.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geo import crs as geo_crs
from geo.db.engine import check_connection, get_engine
from geo.errors import ValidationError
from geo.io import export as geo_export
from geo.settings import get_settings
from layers.accounts import active_actor
from layers.filter import parse_filter
from views.downloads import ExportRequest, export_to_file

SUFFIX_FORMATS = {suffix: fmt for fmt, suffix in geo_export.FORMATS.items()}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    crs_choices = ", ".join(f"EPSG:{code}" for code in geo_crs.EXPORT_EPSGS)
    cmd = sub.add_parser(
        "export", help="export layers for engineers (shapefile zip, GeoPackage, GeoJSON, Excel)",
        description="Export layers, filtered like the map, as files that open in ArcGIS, QGIS "
                    "and Excel. Filters take Chinese labels or stored codes.",
    )
    cmd.add_argument("--layer", default="all",
                     help="layer name(s) or Chinese label(s), comma-separated, or 'all' (default)")
    cmd.add_argument("--status", help="repair statuses, e.g. 未开工,抢通中 (or not_started,opening)")
    cmd.add_argument("--township", help="township names or codes, e.g. 北舞渡镇 or 411121102")
    cmd.add_argument("--village", help="village names or 12-digit codes")
    cmd.add_argument("--format", dest="fmt",
                     help="shp (zip), gpkg, geojson or xlsx; default: from the --out extension")
    cmd.add_argument("--crs", help=f"{crs_choices}; default EPSG:{geo_crs.METRIC_EPSG} "
                                   "(GeoJSON is always EPSG:4326)")
    cmd.add_argument("--encoding", default="UTF-8",
                     help="shapefile text encoding: UTF-8 (default) or GBK")
    cmd.add_argument("--personal", action="store_true",
                     help="also export the households: names, helpers and exact locations "
                          "(personal data; needs a TRACKER_USER account of a role that may; logged)")
    cmd.add_argument("--include-private", action="store_true",
                     help="with the households, also their ID numbers, phones and incomes in full "
                          "(county administrators only; logged)")
    cmd.add_argument("--out", required=True,
                     help="output file: .zip (shp), .gpkg, .geojson or .xlsx; its folder must exist")
    cmd.add_argument("--force", action="store_true",
                     help="replace --out if it exists (without it an existing file is refused)")
    cmd.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    fmt = _format(args.fmt, args.out)
    # Check every choice that needs no database before connecting to it.
    geo_export.parse_encoding(args.encoding)
    geo_export.parse_crs(args.crs, fmt)
    geo_export.check_out_path(args.out, fmt, overwrite=args.force)
    engine = get_engine()
    check_connection(engine)
    personal = args.personal or args.include_private
    with engine.begin() as conn:  # the export is logged in this transaction
        chosen = parse_filter(conn, layers=args.layer, statuses=args.status,
                              townships=args.township, villages=args.village)
        # personal data needs an account of a role that may (the app's rules); else none needed
        actor = active_actor(conn, get_settings().user) if personal else None
        request = ExportRequest(chosen, fmt=fmt, crs=args.crs, encoding=args.encoding,
                                include_private=args.include_private, personal=personal,
                                actor=actor)
        summary = export_to_file(conn, request, args.out, overwrite=args.force)
    print(f"tracker: {summary.sentence()}.")
    for note in summary.notes:
        print(f"  note: {note}")
    if summary.personal_data:
        print("  personal data included; this export was logged and the file is readable by "
              "you only (mode 0600).")
    elif personal:
        print("  no exported layer holds personal data, so none was included.")
    return 0


def _format(text: str | None, out: str) -> str:
    if text:
        return geo_export.parse_format(text)
    suffix = Path(out).suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        raise ValidationError(
            f"cannot tell the format from {out!r}; end it in .zip, .gpkg, .geojson or .xlsx, "
            "or give --format."
        )
    return SUFFIX_FORMATS[suffix]

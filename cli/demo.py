"""``tracker demo`` — load the synthetic 舞阳县 data set as it stood on 2021-09-15."""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy import exc as sa_exc

from geo.db.engine import database_url, get_engine, unreachable
from geo.demo import DEFAULT_SEED, demo_ledger, generate, load, load_ledger
from geo.demo.common import USER
from geo.demo.load import row_counts
from geo.errors import DataExistsError, ValidationError
from layers import REGISTRY
from layers.history import forget, record_loaded_finishes

MAX_SCALE = 400


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "demo", help="load the synthetic 舞阳县 demo data (2021-09-15); --scale N for N counties"
    )
    p.add_argument("--scale", type=int, default=1,
                   help="number of county-sized tiles side by side (100 ≈ a province)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="the same seed gives the same data")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--replace", action="store_true",
                      help="replace whatever the 12 tables hold, in one transaction")
    mode.add_argument("--if-empty", action="store_true",
                      help="load only when the database holds no data; otherwise do nothing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.scale <= MAX_SCALE:
        raise ValidationError(f"--scale must be between 1 and {MAX_SCALE}; got {args.scale}.")
    engine = get_engine(database_url())
    try:
        with engine.connect() as conn:
            held = sum(row_counts(conn).values())
    except sa_exc.OperationalError as error:
        raise unreachable(engine.url, error) from None
    if held and args.if_empty:
        print(f"The database already holds data ({held} rows); the demo was not loaded.")
        return 0
    if held and not args.replace:
        raise DataExistsError(
            f"the database already holds {held} rows, so the demo was not loaded; run "
            "'tracker demo --replace' to replace them."
        )
    start = time.perf_counter()
    print(f"Generating the demo (scale {args.scale}, seed {args.seed}) …", file=sys.stderr)
    data = generate(args.scale, args.seed)
    problems = demo_ledger(data, args.seed)
    with engine.begin() as conn:
        written = load(conn, data, replace=args.replace)  # --replace empties the ledger too (cascade)
        if args.replace:  # the replaced records' ids are reused: their history is no longer theirs
            forget(conn, [*written, "problems"])
        written["problems"] = load_ledger(conn, problems)
        # the demo's finished repairs start the record, so progress over time has a past
        record_loaded_finishes(conn, [la.name for la in REGISTRY.repairable()], USER)
    seconds = time.perf_counter() - start
    summary = ", ".join(f"{table} {n}" for table, n in written.items())
    print(f"Loaded the 舞阳县 demo as of 2021-09-15 in {seconds:.1f} s: {summary}.")
    return 0

"""``tracker db up|status|down|migrate`` — the database the tracker works on."""

from __future__ import annotations

import argparse
import sys

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from cli.rank import pad
from geo.db import migrate
from geo.db.cluster import DB_NAME, Cluster
from geo.db.engine import check_connection, database_url, describe, get_engine, unreachable
from geo.errors import ConfirmationError, DatabaseError
from geo.settings import get_settings
from layers import REGISTRY


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="start, stop, inspect and migrate the database")
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("up", help="start the private PostGIS server (creates it the first time)")
    actions.add_parser("status", help="show where the database is and what it holds")
    actions.add_parser("down", help="stop the private PostGIS server; data is kept")
    mig = actions.add_parser("migrate", help="bring the schema to the newest version")
    mig.add_argument("--revision", default="head", help="target revision (default: head)")
    mig.add_argument(
        "--downgrade", action="store_true", help="go down to --revision (e.g. base) instead"
    )
    mig.add_argument("--yes", action="store_true",
                     help="confirm a downgrade that drops data (asked on a terminal otherwise)")
    db.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "migrate":
        return migrate_cmd(args.revision, args.downgrade, args.yes)
    return {"up": up, "status": status, "down": down}[args.action]()


def up() -> int:
    settings = get_settings()
    if settings.database_url:
        engine = get_engine(database_url(settings))
        check_connection(engine)
        print(f"TRACKER_DATABASE_URL is set, so the tracker uses {describe(str(engine.url))} "
              "and starts no server of its own.")
        return 0
    cluster = Cluster.from_settings(settings)
    if cluster.running():
        print(f"The private PostGIS server is already running (socket in {cluster.sockdir}); "
              "nothing was changed.")
        return 0
    first = not cluster.initialised()
    cluster.start()
    _ensure_database(cluster)
    verb = "Created and started" if first else "Started"
    print(f"{verb} the private PostGIS server: data in {cluster.datadir}, "
          f"socket in {cluster.sockdir}.")
    return 0


def down() -> int:
    settings = get_settings()
    if settings.database_url:
        print("TRACKER_DATABASE_URL is set: that server is not the tracker's to stop.")
        return 0
    cluster = Cluster.from_settings(settings)
    if not cluster.running():
        print("The private PostGIS server is not running; nothing to stop.")
        return 0
    cluster.stop()
    print(f"Stopped the private PostGIS server; its data stays in {cluster.datadir}.")
    return 0


def status() -> int:
    settings = get_settings()
    url = database_url(settings)
    if not settings.database_url:
        cluster = Cluster.from_settings(settings)
        state = "running" if cluster.running() else "stopped"
        print(f"private server: {state}; data {cluster.datadir}")
        if state == "stopped":
            print("start it with: tracker db up")
            return 1
    engine = get_engine(url)
    version = check_connection(engine)
    print(f"database: {describe(url)}")
    print(f"PostGIS: {version}")
    with engine.connect() as conn:
        revision = migrate.current_revision(conn)
        head = migrate.head_revision()
        note = "up to date" if revision == head else f"behind (newest {head}); run: tracker db migrate"
        print(f"schema: {revision or 'empty'} — {note}")
        if revision:
            for layer in REGISTRY:
                count = conn.execute(sa.select(sa.func.count()).select_from(layer.table)).scalar()
                print(f"  {layer.name:<14} {pad(layer.zh, 16)} {count:>9}")
    return 0


def migrate_cmd(revision: str = "head", downgrade: bool = False, yes: bool = False) -> int:
    url = database_url()
    engine = get_engine(url)
    migrate.check_revision(revision)
    try:
        with engine.connect() as conn:
            rows = migrate.table_rows(conn) if downgrade else {}
    except sa_exc.OperationalError as error:
        raise unreachable(engine.url, error) from None
    if downgrade:
        if not _confirmed(describe(url), revision, rows, yes):
            print("Nothing was changed.")
            return 1
        migrate.downgrade(url, revision)
        print(f"Schema of {describe(url)} downgraded to {revision}.")
    else:
        migrate.upgrade(url, revision)
        print(f"Schema of {describe(url)} is at the newest version ({migrate.head_revision()}).")
    return 0


def _confirmed(where: str, revision: str, rows: dict[str, int], yes: bool) -> bool:
    """A downgrade drops tables: say how many rows they hold, and go on only when confirmed
    (--yes, or 'yes' typed on a terminal). Without rows to lose there is nothing to ask."""
    total = sum(rows.values())
    if not total or yes:
        return True
    largest = ", ".join(f"{name} {n:,}" for name, n in
                        sorted(rows.items(), key=lambda item: -item[1])[:3])
    scope = ("drops every tracker table" if revision == "base"
             else "can drop tables and columns")
    loss = f"{total:,} rows in {len(rows)} tables ({largest}, …)"
    if not sys.stdin.isatty():
        raise ConfirmationError(
            f"downgrading to {revision} {scope}, and the database holds {loss}; nothing was "
            "changed; run it again with --yes to confirm (on a terminal you are asked).")
    answer = input(f"Downgrading {where} to {revision} {scope}: {loss} would be lost. "
                   "Type 'yes' to go on: ")
    return answer.strip().lower() == "yes"


def _ensure_database(cluster: Cluster) -> None:
    """Create the tracker database with PostGIS the first time the server comes up."""
    admin = sa.create_engine(cluster.admin_url(), isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME}
        ).scalar()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{DB_NAME}"'))
    engine = sa.create_engine(cluster.url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except sa_exc.DBAPIError:
        raise DatabaseError(
            "PostGIS is not installed for this PostgreSQL; install it with "
            "'sudo apt-get install -y postgis' and run 'tracker db up' again."
        ) from None

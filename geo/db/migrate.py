"""Run the Alembic migrations in migrations/ programmatically (``tracker db migrate``)."""

from __future__ import annotations

import re
from importlib.resources import files

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import exc as sa_exc

from geo.errors import DatabaseError, UnknownChoiceError


def alembic_config(url: str, connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("migrations")))
    # passed as attributes, not options: configparser would choke on '%' in passwords
    config.attributes["url"] = url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head", connection: sa.Connection | None = None) -> None:
    check_revision(revision)
    _run(lambda: command.upgrade(alembic_config(url, connection), revision))


def downgrade(url: str, revision: str = "base", connection: sa.Connection | None = None) -> None:
    check_revision(revision)
    _run(lambda: command.downgrade(alembic_config(url, connection), revision))


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(""))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def check_revision(revision: str) -> None:
    """Refuse a revision the migrations do not have (Alembic would raise its own error)."""
    if re.fullmatch(r"[+-]\d+", revision):  # relative steps: Alembic checks those as it goes
        return
    try:
        if revision.strip():
            ScriptDirectory.from_config(alembic_config("")).get_revisions(revision)
            return
    except CommandError:
        pass
    raise UnknownChoiceError("revision", revision, ["base", "head", *revisions()])


NOT_DATA = {"alembic_version", "spatial_ref_sys"}  # bookkeeping and PostGIS's own reference


def table_rows(conn: sa.Connection) -> dict[str, int]:
    """Rows per table of the connection's schema: what a downgrade may drop."""
    names = [n for n in sa.inspect(conn).get_table_names() if n not in NOT_DATA]
    return {name: int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(name)))
                      .scalar() or 0) for name in sorted(names)}


def current_revision(conn: sa.Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def _run(action: object) -> None:
    try:
        action()  # type: ignore[operator]
    except sa_exc.OperationalError as error:
        raise DatabaseError(
            f"the migration could not run ({_first_line(error)}); check that the database is "
            "reachable ('tracker db status')."
        ) from None
    except sa_exc.ProgrammingError as error:
        text = _first_line(error)
        if "postgis" in text.lower():
            raise DatabaseError(
                "PostGIS is not installed for this PostgreSQL server; install it "
                "('sudo apt-get install -y postgis') and run 'tracker db migrate' again."
            ) from None
        raise DatabaseError(f"the migration failed and was rolled back ({text}).") from None


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", error)).strip()
    return text.splitlines()[0] if text else type(error).__name__

"""Run the Alembic migrations in migrations/ programmatically (``tracker db migrate``)."""

from __future__ import annotations

from importlib.resources import files

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc as sa_exc

from geo.errors import DatabaseError


def alembic_config(url: str, connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("migrations")))
    # passed as attributes, not options: configparser would choke on '%' in passwords
    config.attributes["url"] = url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head", connection: sa.Connection | None = None) -> None:
    _run(lambda: command.upgrade(alembic_config(url, connection), revision))


def downgrade(url: str, revision: str = "base", connection: sa.Connection | None = None) -> None:
    _run(lambda: command.downgrade(alembic_config(url, connection), revision))


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

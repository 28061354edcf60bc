"""Database URL, engine and the checks that turn driver failures into one clear sentence."""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session

from geo.errors import ConfigError, DatabaseError, ValidationError
from geo.settings import Settings, get_settings

URL_HINT = "postgresql+psycopg://USER:PASSWORD@HOST:5432/DBNAME"

# What readers and writers accept: a Connection, or a Session whose connection they use.
Bind = sa.Connection | Session


def connection(bind: Bind) -> sa.Connection:
    """The Connection behind ``bind`` (a Session's current one)."""
    return bind.connection() if isinstance(bind, Session) else bind


def database_url(settings: Settings | None = None) -> str:
    """TRACKER_DATABASE_URL when set (validated), else the private cluster's socket URL."""
    settings = settings or get_settings()
    if settings.database_url:
        return str(parse_url(settings.database_url).render_as_string(hide_password=False))
    from geo.db.cluster import Cluster  # the cluster is only needed without a configured URL

    return Cluster.from_settings(settings).url


def parse_url(text: str) -> URL:
    try:
        url = make_url(text)
    except (sa_exc.ArgumentError, ValueError):
        raise ConfigError(
            f"TRACKER_DATABASE_URL is not a valid database URL; write it as {URL_HINT}."
        ) from None
    if url.get_backend_name() != "postgresql":
        raise ConfigError(
            f"TRACKER_DATABASE_URL points at {url.get_backend_name()!r}, but the tracker needs "
            f"PostgreSQL with PostGIS; write it as {URL_HINT}."
        )
    if url.get_driver_name() != "psycopg":
        url = url.set(drivername="postgresql+psycopg")
    if not url.database:
        raise ConfigError(f"TRACKER_DATABASE_URL names no database; write it as {URL_HINT}.")
    return url


def get_engine(url: str | None = None) -> Engine:
    """One pooled engine per URL for the life of the process (the URL is resolved on every call)."""
    return _engine(url or database_url())


@cache
def _engine(url: str) -> Engine:
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def describe(url: str) -> str:
    """The URL without its password, for messages (socket paths un-escaped for reading)."""
    return unquote(make_url(url).render_as_string(hide_password=True))


def check_connection(engine: Engine) -> str:
    """Connect once; return the PostGIS version or raise one clear sentence."""
    try:
        with engine.connect() as conn:
            version = conn.execute(
                sa.text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
            ).scalar()
    except sa_exc.OperationalError as error:
        raise unreachable(engine.url, error) from None
    if version is None:
        raise DatabaseError(
            f"database {engine.url.database!r} has no PostGIS extension; run 'tracker db migrate' "
            "as its owner (it creates the extension) or ask the administrator to run "
            "'CREATE EXTENSION postgis;' in it."
        )
    return str(version)


def unreachable(url: URL, error: Exception) -> DatabaseError:
    where = url.query.get("host") or url.host or "localhost"
    reason = _first_line(str(getattr(error, "orig", error)))
    return DatabaseError(
        f"cannot reach the database {url.database!r} at {where} ({reason}); start the private "
        "server with 'tracker db up' or check TRACKER_DATABASE_URL."
    )


_CONSTRAINT = re.compile(r"^(?:ck|fk|uq)_(?P<table>[a-z_]+?)_(?P<field>[a-z_]+)$")


def constraint_error(error: sa_exc.DBAPIError) -> ValidationError | None:
    """Turn a constraint violation into a sentence naming the table and field, else None."""
    diag = getattr(getattr(error, "orig", None), "diag", None)
    name = getattr(diag, "constraint_name", None)
    table = getattr(diag, "table_name", None)
    column = getattr(diag, "column_name", None)
    kind = type(getattr(error, "orig", None)).__name__
    if kind == "NotNullViolation" and table and column:
        return ValidationError(f"{table}.{column} must not be empty; give it a value.")
    if not name:
        return None
    field = name
    match = _CONSTRAINT.match(name)
    if match and table and name.startswith(f"{name[:3]}{table}_"):
        field = name[len(name[:3]) + len(table) + 1:]
    elif match:
        field = match.group("field")
    if kind == "UniqueViolation":
        return ValidationError(f"{table}.{field}: that value exists already; use a unique value.")
    if kind == "ForeignKeyViolation":
        return ValidationError(
            f"{table}.{field}: it refers to a record that does not exist; load that record first."
        )
    return ValidationError(
        f"{table}.{field}: the value breaks the rule {name}; correct it and try again."
    )


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip().rstrip(".")
    return "no reason given"

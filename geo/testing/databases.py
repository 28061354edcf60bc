"""Throwaway PostGIS databases for tests and benchmarks — real servers, never mocks.

The server is TRACKER_TEST_DATABASE_URL's (any database on it; we connect to ``postgres`` to
create and drop databases) or else a private test cluster under TRACKER_TEST_HOME, which is kept
apart from the user's own cluster so that tests never touch real data.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from geo.db import migrate
from geo.db.cluster import Cluster, find_bindir
from geo.db.engine import parse_url


def _template_name() -> str:
    """Named after the migrations' content, so an edited migration never reuses a stale template."""
    digest = hashlib.sha256()
    for path in sorted(Path(str(files("migrations"))).glob("versions/*.py")):
        digest.update(path.read_bytes())
    return f"tracker_tpl_{digest.hexdigest()[:12]}"


TEMPLATE = _template_name()


def test_home() -> Path:
    default = Path(tempfile.gettempdir()) / f"flood-tracker-test-{os.geteuid()}"
    return Path(os.environ.get("TRACKER_TEST_HOME", default))


def test_cluster() -> Cluster:
    run_as = os.environ.get("TRACKER_PG_USER", "postgres") if os.geteuid() == 0 else None
    explicit = os.environ.get("TRACKER_PG_BINDIR")
    return Cluster(test_home() / "pg", find_bindir(Path(explicit) if explicit else None), run_as)


@contextmanager
def test_server() -> Iterator[str]:
    """Yield an admin URL (database ``postgres``); start the test cluster if we need it."""
    configured = os.environ.get("TRACKER_TEST_DATABASE_URL")
    if configured:
        yield parse_url(configured).set(database="postgres").render_as_string(hide_password=False)
        return
    cluster = test_cluster()
    if not cluster.running():
        cluster.start()
    # Left running: concurrent test sessions share it, so no one session may stop it.
    # Stop it with TRACKER_TEST_STOP_SERVER=1 (or it ends with the machine; it holds only test data).
    try:
        yield cluster.admin_url()
    finally:
        if os.environ.get("TRACKER_TEST_STOP_SERVER") == "1":
            cluster.stop()


def _autocommit(admin_url: str) -> Engine:
    return sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def ensure_template(admin_url: str) -> None:
    """A migrated template database, so each throwaway database is a cheap file copy."""
    admin = _autocommit(admin_url)
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": TEMPLATE}
        ).scalar()
        if exists:
            template_url = make_url(admin_url).set(database=TEMPLATE)
            with _autocommit(template_url.render_as_string(False)).connect() as tconn:
                if migrate.current_revision(tconn) == migrate.head_revision():
                    return
            conn.execute(sa.text(f'DROP DATABASE "{TEMPLATE}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{TEMPLATE}"'))
    url = make_url(admin_url).set(database=TEMPLATE).render_as_string(hide_password=False)
    migrate.upgrade(url)
    admin.dispose()


def create_database(admin_url: str, *, migrated: bool = True, postgis: bool = True) -> str:
    """Create a uniquely named database; return its URL."""
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    if migrated:
        ensure_template(admin_url)
    with _autocommit(admin_url).connect() as conn:
        template = f' TEMPLATE "{TEMPLATE}"' if migrated else ""
        conn.execute(sa.text(f'CREATE DATABASE "{name}"{template}'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    if postgis and not migrated:
        with sa.create_engine(url, poolclass=sa.pool.NullPool).begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION postgis"))
    return url


def drop_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    with _autocommit(admin_url).connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def temporary_database(*, migrated: bool = True) -> Iterator[Engine]:
    """An Engine on a fresh (migrated) database, dropped afterwards. For benchmarks and tests."""
    with test_server() as admin_url:
        url = create_database(admin_url, migrated=migrated)
        engine = sa.create_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
            drop_database(admin_url, url)


@contextmanager
def rolled_back(engine: Engine) -> Iterator[sa.Connection]:
    """A connection inside a transaction that is rolled back afterwards: nothing it does persists."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()

"""Shared fixtures: a real PostGIS (never a mock, never SQLite), rolled back per test.

The server is TRACKER_TEST_DATABASE_URL's, else a private test cluster (geo.testing.databases) that runs as
an unprivileged user when the tests run as root. Under CI (CI=true) any skipped test fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.demo import DEFAULT_SEED, demo_ledger, generate, load, load_ledger
from geo.testing import databases


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """Admin URL (database ``postgres``) of the test server, started for the session if needed."""
    with databases.test_server() as url:
        yield url


@pytest.fixture(scope="session")
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A throwaway database, migrated to head, for the whole test session."""
    url = databases.create_database(pg_admin_url)
    yield url
    databases.drop_database(pg_admin_url, url)


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_conn(pg_engine: sa.Engine) -> Iterator[sa.Connection]:
    """One connection inside a transaction that is rolled back after the test."""
    with databases.rolled_back(pg_engine) as conn:
        yield conn


@pytest.fixture
def db(db_conn: sa.Connection) -> Iterator[Session]:
    """A Session on ``db_conn``; ``session.commit()`` in code under test only releases a savepoint."""
    session = Session(bind=db_conn, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def fresh_database(pg_admin_url: str) -> Iterator[Callable[..., str]]:
    """Factory for extra throwaway databases whose data may be committed (CLI and app tests)."""
    made: list[str] = []

    def make(*, migrated: bool = True, postgis: bool = True) -> str:
        url = databases.create_database(pg_admin_url, migrated=migrated, postgis=postgis)
        made.append(url)
        return url

    yield make
    for url in made:
        databases.drop_database(pg_admin_url, url)


@pytest.fixture(scope="session")
def demo_url(pg_admin_url: str) -> Iterator[str]:
    """A database holding the demo county and its problem ledger (loaded once per test session)."""
    url = databases.create_database(pg_admin_url)
    engine = sa.create_engine(url)
    data = generate(1)
    with engine.begin() as conn:
        load(conn, data, progress=False)
        load_ledger(conn, demo_ledger(data, DEFAULT_SEED))
    engine.dispose()
    yield url
    databases.drop_database(pg_admin_url, url)


@pytest.fixture
def demo(demo_url: str) -> Iterator[sa.Connection]:
    """A connection to the demo county inside a transaction rolled back after the test."""
    engine = sa.create_engine(demo_url)
    with databases.rolled_back(engine) as conn:
        yield conn
    engine.dispose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI a skipped test is a failure: nothing may pass by not running."""
    if os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and reporter is not None:
        reporter.write_line(f"CI: {len(skipped)} skipped test(s) count as failures here.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

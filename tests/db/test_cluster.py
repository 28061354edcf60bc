"""The private cluster and ``tracker db``: real servers, real processes, clear sentences."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo.db import migrate
from geo.db.cluster import Cluster, find_bindir
from layers import REGISTRY

pytestmark = pytest.mark.postgis


@pytest.fixture
def home() -> Iterator[Path]:
    # not pytest's tmp_path: that folder is closed to the unprivileged server user under root
    path = Path(tempfile.mkdtemp(prefix="tracker-cluster-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    cluster = Cluster(path / "pg", find_bindir(), "postgres" if os.geteuid() == 0 else None)
    if cluster.running():
        cluster.stop()
    shutil.rmtree(path, ignore_errors=True)


def tracker(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("tracker")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=120)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(extra)
    return env


def test_cluster_starts_stops_and_restarts_with_its_data(home: Path) -> None:
    env = clean_env(TRACKER_HOME=str(home))
    first = tracker("db", "up", env=env)
    assert first.returncode == 0, first.stderr
    assert "Created and started" in first.stdout
    again = tracker("db", "up", env=env)
    assert again.returncode == 0 and "already running" in again.stdout
    assert tracker("db", "migrate", env=env).returncode == 0

    url = f"postgresql+psycopg://tracker@/tracker?host={home / 'pg' / 'run'}"
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO townships (code, name, kind, geom) VALUES "
                             "('411121101', '吴城镇', 'zhen', "
                             "ST_GeomFromText('MULTIPOLYGON(((113.7 33.4,113.8 33.4,113.8 33.5,113.7 33.4)))', 4490))"))
    down = tracker("db", "down", env=env)
    assert down.returncode == 0 and "Stopped" in down.stdout
    status = tracker("db", "status", env=env)
    assert status.returncode == 1 and "tracker db up" in status.stdout

    assert tracker("db", "up", env=env).returncode == 0
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM townships")).scalar() == "吴城镇"
    status = tracker("db", "status", env=env)
    assert "townships" in status.stdout and "PostGIS" in status.stdout


def test_server_listens_on_no_tcp_port(home: Path) -> None:
    cluster = Cluster(home / "pg", find_bindir(), "postgres" if os.geteuid() == 0 else None)
    cluster.start()
    conf = (cluster.datadir / "postgresql.conf").read_text()
    assert "listen_addresses = ''" in conf
    assert any(p.name.startswith(".s.PGSQL") for p in cluster.sockdir.iterdir())
    if os.geteuid() == 0:
        assert cluster.datadir.stat().st_uid != 0  # the server does not run as root


@pytest.mark.parametrize(("url", "expected"), [
    ("not a url", "TRACKER_DATABASE_URL is not a valid database URL"),
    ("mysql://u@localhost/db", "needs PostgreSQL with PostGIS"),
    ("postgresql://u@127.0.0.1:1/db", "cannot reach the database 'db'"),
])
def test_bad_database_url_gives_one_sentence(url: str, expected: str) -> None:
    result = tracker("db", "status", env=clean_env(TRACKER_DATABASE_URL=url))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_database_without_postgis_is_explained(fresh_database: Callable[..., str]) -> None:
    url = fresh_database(migrated=False, postgis=False)
    result = tracker("db", "status", env=clean_env(TRACKER_DATABASE_URL=url))
    assert result.returncode == 2
    assert "has no PostGIS extension" in result.stderr and "Traceback" not in result.stderr


def test_migrations_up_down_up_on_empty_database(fresh_database: Callable[..., str]) -> None:
    url = fresh_database(migrated=False, postgis=False)
    migrate.upgrade(url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    tables = set(sa.inspect(engine).get_table_names())
    assert set(REGISTRY.names) <= tables
    migrate.downgrade(url, "base")
    assert not set(REGISTRY.names) & set(sa.inspect(engine).get_table_names())
    migrate.upgrade(url)
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()


def test_schema_matches_the_models(pg_engine: sa.Engine) -> None:
    """The migration and the models describe the same tables (alembic autogenerate finds nothing)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import layers

    with pg_engine.connect() as conn:
        context = MigrationContext.configure(conn)
        diff = [d for d in compare_metadata(context, layers.metadata)
                if not (d[0] == "remove_table" and d[1].name == "spatial_ref_sys")]
    assert diff == []


def test_the_ledger_migration_carries_raised_flags_over(fresh_database: Callable[..., str]) -> None:
    """A database holding households before 0006_ledger: each raised flag becomes a 待处理
    problem with its history row, and the households get their version."""
    url = fresh_database(migrated=False, postgis=False)
    migrate.upgrade(url, "0004_accounts")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("""
            INSERT INTO townships (code, name, kind, geom) VALUES ('411121102', '北舞渡镇', 'zhen',
                ST_GeomFromText('MULTIPOLYGON(((113.6 33.5,113.7 33.5,113.7 33.6,113.6 33.6,113.6 33.5)))', 4490));
            INSERT INTO villages (code, name, township_code, population, households, severely_hit, geom)
            VALUES ('411121102201', '沙河湾村', '411121102', 100, 30, true,
                ST_GeomFromText('MULTIPOLYGON(((113.6 33.5,113.7 33.5,113.7 33.6,113.6 33.6,113.6 33.5)))', 4490));
            INSERT INTO households (code, head_name, members, category, risk_water, risk_housing,
                                    house_grade, helper, village_code, geom)
            VALUES ('H-1', '甲', 3, 'tuopin', true, true, 'D', '李帮扶', '411121102201',
                    ST_GeomFromText('POINT(113.65 33.55)', 4490)),
                   ('H-2', '乙', 2, 'tuopin', false, false, 'A', NULL, '411121102201',
                    ST_GeomFromText('POINT(113.66 33.55)', 4490));"""))
    migrate.upgrade(url)
    with engine.connect() as conn:
        problems = conn.execute(sa.text(
            "SELECT kind, state, due_on, appraisal_grade, helper FROM problems ORDER BY kind")).all()
        versions = conn.execute(sa.text("SELECT DISTINCT version FROM households")).scalars().all()
        rows = conn.execute(sa.text(
            "SELECT count(*) FROM change_history WHERE table_name = 'problems' AND new_value = 'open'")).scalar()
    engine.dispose()
    assert [(p.kind, p.state, p.appraisal_grade, p.helper) for p in problems] == [
        ("housing", "open", "D", "李帮扶"), ("water", "open", None, "李帮扶")]
    assert problems[0].due_on >= dt.date(2021, 11, 30) and versions == [1] and rows == 2

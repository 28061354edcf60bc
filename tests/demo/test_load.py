"""Loading the demo into a real PostGIS: counts match, reloading is refused, replace is clean."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa

import cli
from geo.demo import TABLES, generate, load
from geo.demo.load import row_counts
from geo.errors import DataExistsError

pytestmark = pytest.mark.postgis


@pytest.fixture(scope="module")
def data() -> dict[str, gpd.GeoDataFrame]:
    return generate(scale=1, seed=3)


def test_load_writes_every_row_and_the_constraints_accept_them(
    db_conn: sa.Connection, data: dict[str, gpd.GeoDataFrame]
) -> None:
    written = load(db_conn, data, progress=False)
    expected = {t: len(data[t]) for t in TABLES}
    assert written == expected
    assert row_counts(db_conn) == expected
    invalid = db_conn.execute(sa.text(
        "SELECT count(*) FROM villages WHERE NOT ST_IsValid(geom) OR ST_SRID(geom) <> 4490"
    )).scalar()
    assert invalid == 0


def test_loaded_values_round_trip(db_conn: sa.Connection, data: dict[str, gpd.GeoDataFrame]) -> None:
    load(db_conn, data, progress=False)
    row = db_conn.execute(sa.text(
        "SELECT villages_served, ST_AsText(geom) FROM water_works WHERE code = :c"
    ), {"c": data["water_works"]["code"].iloc[0]}).one()
    assert row[0] == list(data["water_works"]["villages_served"].iloc[0])
    assert shapely.equals_exact(shapely.from_wkt(row[1]), data["water_works"].geometry.iloc[0], 1e-9)
    centre = db_conn.execute(sa.text(
        "SELECT ST_X(centre), ST_Y(centre) FROM villages WHERE code = :c"
    ), {"c": data["villages"]["code"].iloc[5]}).one()
    expected = data["villages"]["centre"].iloc[5]
    assert centre == pytest.approx((expected.x, expected.y), abs=1e-9)
    parents = db_conn.execute(sa.text(
        "SELECT count(*) FROM power_lines WHERE parent_code IS NOT NULL"
    )).scalar()
    assert parents == data["power_lines"]["parent_code"].notna().sum()
    nulls = db_conn.execute(sa.text(
        "SELECT count(*) FROM roads WHERE status IS NULL AND deadline IS NULL AND cost_wan IS NULL"
    )).scalar()
    assert nulls == data["roads"]["status"].isna().sum()


def test_loading_again_is_refused_with_one_sentence(
    db_conn: sa.Connection, data: dict[str, gpd.GeoDataFrame]
) -> None:
    load(db_conn, data, progress=False)
    with pytest.raises(DataExistsError) as caught:
        load(db_conn, data, progress=False)
    message = str(caught.value)
    assert "--replace" in message and message.count(". ") == 0 and message.endswith(".")
    assert row_counts(db_conn)["households"] == len(data["households"])


def test_replace_gives_the_same_counts_and_no_duplicates(
    db_conn: sa.Connection, data: dict[str, gpd.GeoDataFrame]
) -> None:
    load(db_conn, data, progress=False)
    load(db_conn, data, replace=True, progress=False)
    assert row_counts(db_conn) == {t: len(data[t]) for t in TABLES}
    first_id = db_conn.execute(sa.text("SELECT min(id) FROM households")).scalar()
    assert first_id == 1  # identities restarted: a clean replacement


def test_cli_demo_if_empty_then_refuse_then_replace(
    fresh_database: Callable[..., str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = fresh_database()
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    assert cli.main(["demo", "--if-empty", "--seed", "5"]) == 0
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        first = row_counts(conn)
    assert first["villages"] == 398
    assert cli.main(["demo", "--if-empty"]) == 0
    assert "not loaded" in capsys.readouterr().out
    assert cli.main(["demo"]) == 2
    assert "--replace" in capsys.readouterr().err
    assert cli.main(["demo", "--replace", "--seed", "5"]) == 0
    with engine.connect() as conn:
        assert row_counts(conn) == first
    engine.dispose()

"""Round trip: every layer exported with the tracker's exporter (shapefile GBK and UTF-8,
GeoPackage, Excel), imported into an empty database, and compared field by field — Chinese
text, codes, vocabularies, dates, lists, and geometry within 1e-7°."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from layers import REGISTRY
from layers.filter import Filter
from layers.roles import Actor, Scope
from layers.store import read_layer
from tests.helpers.app import scenario_rows
from tests.helpers.bureau import IMPORTER, add_importer
from views.downloads import ExportRequest, export_to_file
from views.imports import ImportReport, ImportRequest, run_import

pytestmark = pytest.mark.postgis
SYSTEM = ("id", "version", "updated_at", "updated_by")
POINT_LAYERS = ("pv_stations", "telecom_sites", "schools", "clinics", "households")


@pytest.fixture
def source(db_conn: sa.Connection) -> sa.Connection:
    """Every layer, several states, HTML and Chinese in names (the app tests' scenario)."""
    session = Session(bind=db_conn, join_transaction_mode="create_savepoint")
    for layer in REGISTRY:
        for row in scenario_rows().get(layer.name, []):
            session.add(layer.model(**row))
        session.flush()
    session.commit()
    session.close()
    add_importer(db_conn)
    return db_conn


def export(conn: sa.Connection, folder: Path, fmt: str, encoding: str = "UTF-8",
           layers: tuple[str, ...] = ()) -> Path:
    suffix = {"shp": ".zip", "gpkg": ".gpkg", "xlsx": ".xlsx"}[fmt]
    out = folder / f"export-{fmt}-{encoding}{suffix}"
    # every field, personal ones included: what the county administrator may export (logged)
    export_to_file(conn, ExportRequest(Filter(layers=layers), fmt=fmt, encoding=encoding,
                                       include_private=True, personal=True,
                                       actor=Actor(IMPORTER, Scope("admin"))), out,
                   overwrite=True)  # a test may export the same format twice
    return out


def target(fresh_database: Callable[..., str]) -> sa.Engine:
    """An empty migrated database to import into, with the importing account."""
    engine = sa.create_engine(fresh_database(), poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        add_importer(conn)
    return engine


def import_all(engine: sa.Engine, path: Path) -> ImportReport:
    report = run_import(engine, ImportRequest(path, path.name, commit=True, user=IMPORTER))
    assert report.committed, [(p.row, p.column, p.reason) for p in report.errors][:10]
    return report


def stored(conn: sa.Connection, layer: str) -> list[dict[str, Any]]:
    frame = read_layer(conn, layer, include_private=True)
    frame["_key"] = frame["code"] if "code" in frame else [g.wkb_hex for g in frame.geometry]
    records = frame.sort_values("_key").to_dict("records")
    return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()
             if k not in SYSTEM and k != "_key"} for r in records]


def assert_same(original: sa.Connection, copy: sa.Connection, layers: tuple[str, ...]) -> None:
    for layer in layers:
        left, right = stored(original, layer), stored(copy, layer)
        assert len(left) == len(right) > 0, layer
        for a, b in zip(left, right, strict=True):
            # normalised: a shapefile's rings run clockwise, PostGIS keeps what it was given
            same = shapely.equals_exact(shapely.normalize(a.pop("geom")), shapely.normalize(b.pop("geom")),
                                        1e-7)
            assert same, (layer, a)
            assert a == b, layer


@pytest.mark.parametrize(("fmt", "encoding"), [("shp", "GBK"), ("shp", "UTF-8"), ("gpkg", "UTF-8")])
def test_every_layer_round_trips(source: sa.Connection, fresh_database: Callable[..., str],
                                 tmp_path: Path, fmt: str, encoding: str) -> None:
    path = export(source, tmp_path, fmt, encoding)
    engine = target(fresh_database)
    report = import_all(engine, path)
    assert {r.layer.name for r in report.layers} == set(REGISTRY.names)
    with engine.connect() as copy:
        assert_same(source, copy, tuple(REGISTRY.names))
        logged = copy.execute(sa.text("SELECT count(DISTINCT layer) FROM import_log")).scalar()
        assert logged == len(REGISTRY.names)
    # importing the same export again changes nothing
    again = run_import(engine, ImportRequest(path, path.name, commit=True, user=IMPORTER))
    assert all(r.skipped for r in again.layers)
    engine.dispose()


def test_excel_ledger_round_trips(source: sa.Connection, fresh_database: Callable[..., str],
                                  tmp_path: Path) -> None:
    """The ledger gives points only (lines and areas as an anchor point): its point layers go into
    a database holding the frame; the whole ledger over a full copy changes nothing."""
    engine = target(fresh_database)
    import_all(engine, export(source, tmp_path, "gpkg", layers=("county", "townships", "villages")))
    import_all(engine, export(source, tmp_path, "xlsx", layers=POINT_LAYERS))
    with engine.connect() as copy:
        assert_same(source, copy, POINT_LAYERS)

    full = target(fresh_database)
    import_all(full, export(source, tmp_path, "gpkg"))
    coded = tuple(n for n in REGISTRY.names if n != "flood_extent")  # no code: not matchable
    report = import_all(full, export(source, tmp_path, "xlsx", layers=coded))
    assert {r.layer.name for r in report.layers} == set(coded)
    for layer_report in report.layers:
        outcome = layer_report.outcome
        assert outcome is not None
        assert (outcome.inserted, outcome.updated, outcome.unchanged) == (0, 0, outcome.rows), \
            layer_report.layer.name
    engine.dispose()
    full.dispose()

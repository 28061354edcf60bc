"""The schema on a real PostGIS: every layer round-trips, constraints speak clearly."""

from __future__ import annotations

import pytest
import shapely
import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from geo.db.engine import constraint_error
from layers import REGISTRY
from tests.helpers.samples import insert_samples, sample_rows, wkt

pytestmark = pytest.mark.postgis


@pytest.mark.parametrize("name", REGISTRY.names)
def test_every_layer_round_trips_a_feature_with_chinese_text(db: Session, name: str) -> None:
    objects = insert_samples(db, only={name})
    db.expire_all()
    layer = REGISTRY.get(name)
    stored = db.get(layer.model, objects[name].id)
    expected = sample_rows()[name]
    for column, value in expected.items():
        got = getattr(stored, column)
        if column in ("geom", "centre"):
            assert to_shape(got).equals(shapely.from_wkt(value.data))
        elif isinstance(value, float):
            assert float(got) == pytest.approx(value)
        else:
            assert got == value, column


def test_geometry_has_gist_index_on_every_layer(db_conn: sa.Connection) -> None:
    rows = db_conn.execute(sa.text(
        "SELECT tablename FROM pg_indexes WHERE indexdef ILIKE '%USING gist (geom)%'"
    )).scalars().all()
    assert set(rows) == set(REGISTRY.names)


def test_village_centre_has_gist_index_and_srid_check(db_conn: sa.Connection) -> None:
    indexes = db_conn.execute(sa.text(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'villages' "
        "AND indexdef ILIKE '%USING gist (centre)%'")).scalars().all()
    assert indexes == ["idx_villages_centre"]
    checks = db_conn.execute(sa.text(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'ck_villages_centre_srid'"
    )).scalars().all()
    assert len(checks) == 1 and "st_srid(centre) = 4490" in checks[0].lower()


def test_village_centre_in_another_srid_is_refused(db: Session) -> None:
    insert_samples(db, only=set())
    row = {**sample_rows()["villages"], "code": "411121102299", "centre": wkt("POINT(113.6 33.5)")}
    row["centre"].srid = 4326
    with pytest.raises(sa_exc.DBAPIError, match="SRID"):
        db.add(REGISTRY.get("villages").model(**row))
        db.flush()


def _violation(db: Session, name: str, **changes: object) -> str:
    layer = REGISTRY.get(name)
    insert_samples(db, only=set())  # township and village to refer to
    row = {**sample_rows()[name], **changes}
    if "code" in row:  # a new code, so only the rule under test can fail
        row["code"] = "X-" + str(row["code"])
    nested = db.begin_nested()
    with pytest.raises(sa_exc.DBAPIError) as caught:
        db.add(layer.model(**row))
        db.flush()
    nested.rollback()
    error = constraint_error(caught.value)
    assert error is not None
    return str(error)


def test_vocabulary_violation_names_the_field(db: Session) -> None:
    message = _violation(db, "roads", status="finished")
    assert message.startswith("roads.status:")


def test_route_code_rule_names_the_field(db: Session) -> None:
    assert _violation(db, "roads", route_code="Q12").startswith("roads.route_code:")


def test_invalid_geometry_is_refused(db: Session) -> None:
    bow_tie = wkt("MULTIPOLYGON(((113.6 33.5,113.7 33.6,113.7 33.5,113.6 33.6,113.6 33.5)))")
    assert _violation(db, "flood_extent", geom=bow_tie).startswith("flood_extent.geom_valid:")


def test_wrong_srid_is_refused(db: Session) -> None:
    layer = REGISTRY.get("clinics")
    insert_samples(db, only=set())
    row = {**sample_rows()["clinics"], "geom": wkt("POINT(113.6 33.5)")}
    row["geom"].srid = 4326
    with pytest.raises(sa_exc.DBAPIError, match="SRID"):
        db.add(layer.model(**row))
        db.flush()


def test_monitored_household_needs_its_kind(db: Session) -> None:
    message = _violation(db, "households", monitor_kind=None)
    assert message.startswith("households.monitor_kind_category:")


def test_missing_required_value_names_the_column(db: Session) -> None:
    assert _violation(db, "schools", level=None) == "schools.level must not be empty; give it a value."


def test_unknown_village_reference_is_explained(db: Session) -> None:
    message = _violation(db, "households", village_code="411121999999")
    assert message.startswith("households.village_code: it refers to a record that does not exist")

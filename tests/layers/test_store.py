"""Reading layers with filters and changing status with optimistic locking."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import shapely
from sqlalchemy.orm import Session

from geo.errors import StaleEditError, UnknownChoiceError, ValidationError
from layers import REGISTRY, places, store
from tests.helpers.samples import TOWNSHIP, VILLAGE, insert_samples, sample_rows

pytestmark = pytest.mark.postgis


def test_read_layer_returns_public_fields_in_storage_crs(db: Session) -> None:
    insert_samples(db)
    frame = store.read_layer(db, "households")
    assert frame.crs.to_epsg() == 4490
    assert "id_number" not in frame.columns and "phone" not in frame.columns
    assert frame.loc[0, "head_name"] == "王二妮"
    assert frame.geometry.iloc[0].equals(shapely.Point(113.655, 33.605))
    private = store.read_layer(db, "households", include_private=True)
    assert private.loc[0, "id_number"] == "41112119800101123X"


def test_status_filter_takes_labels_or_codes(db: Session) -> None:
    insert_samples(db)
    assert len(store.read_layer(db, "roads", statuses="未开工")) == 1
    assert len(store.read_layer(db, "roads", statuses=["opened"])) == 0
    with pytest.raises(UnknownChoiceError):
        store.read_layer(db, "roads", statuses=["broken"])


@pytest.mark.parametrize("name", REGISTRY.names)
def test_township_and_village_filters_apply_to_every_layer(db: Session, name: str) -> None:
    insert_samples(db)
    assert len(store.read_layer(db, name, townships=["北舞渡镇"])) == 1
    assert len(store.read_layer(db, name, townships=[TOWNSHIP], villages=[VILLAGE])) == 1


def test_unknown_township_lists_choices(db: Session) -> None:
    insert_samples(db)
    with pytest.raises(UnknownChoiceError, match="北舞渡镇"):
        store.read_layer(db, "roads", townships=["火星镇"])


def test_bbox_filter(db: Session) -> None:
    insert_samples(db)
    assert len(store.read_layer(db, "schools", bbox=(113.6, 33.55, 113.7, 33.65))) == 1
    assert len(store.read_layer(db, "schools", bbox=(114.0, 33.0, 114.1, 33.1))) == 0


def test_set_status_bumps_version_and_opens_the_road(db: Session) -> None:
    road = insert_samples(db, only={"roads"})["roads"]
    new = store.set_status(db, "roads", road.id, "已抢通", road.version, "张工", today=dt.date(2021, 9, 15))
    assert new == 2
    frame = store.read_layer(db, "roads")
    assert frame.loc[0, "status"] == "opened" and frame.loc[0, "passable"] == "open"
    assert frame.loc[0, "updated_by"] == "张工"
    assert frame.loc[0, "started_on"] == dt.date(2021, 9, 15)


def test_stale_edit_is_refused_and_nothing_is_overwritten(db: Session) -> None:
    road = insert_samples(db, only={"roads"})["roads"]
    store.set_status(db, "roads", road.id, "opening", 1, "甲")
    with pytest.raises(StaleEditError, match="甲"):
        store.set_status(db, "roads", road.id, "done", 1, "乙")
    frame = store.read_layer(db, "roads")
    assert frame.loc[0, "status"] == "opening" and frame.loc[0, "version"] == 2


def test_status_outside_vocabulary_and_layer_without_status_are_refused(db: Session) -> None:
    objects = insert_samples(db, only={"roads"})
    with pytest.raises(UnknownChoiceError):
        store.set_status(db, "roads", objects["roads"].id, "fixed", 1, "甲")
    with pytest.raises(ValidationError, match="no repair status"):
        store.set_status(db, "villages", objects["villages"].id, "done", 1, "甲")


def test_choices(db: Session) -> None:
    insert_samples(db, only=set())
    assert places.township_choices(db) == [(TOWNSHIP, "北舞渡镇")]
    assert places.village_choices(db, "北舞渡镇") == [(VILLAGE, "沙河湾村", TOWNSHIP)]


def test_ids_filter_keeps_exactly_those_features_with_the_other_filters(db: Session) -> None:
    road = insert_samples(db, only={"roads"})["roads"]
    rows = sample_rows()["roads"]
    others = []
    for code, status in (("X012-002", "not_started"), ("X012-003", "done")):
        obj: Any = REGISTRY.get("roads").model(**{**rows, "code": code, "status": status})
        db.add(obj)
        db.flush()
        others.append(obj.id)
    wanted = [others[1], road.id]
    assert store.read_layer(db, "roads", ids=wanted)["id"].tolist() == sorted(wanted)
    # combined with the status filter: the intersection
    assert store.read_layer(db, "roads", ids=wanted, statuses=["done"])["id"].tolist() == [others[1]]
    assert store.read_layer(db, "roads", ids=[])["id"].tolist() == []  # empty: nothing, not all
    assert len(store.read_layer(db, "roads", ids=None)) == 3
    assert store.read_layer(db, "roads", ids=[max(others) + 1000]).empty

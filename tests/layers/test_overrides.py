"""The county office's recorded 重点/一般 (rank_overrides) on a real PostGIS."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.errors import NotFoundError, ValidationError
from layers.overrides import clear_override, read_overrides, set_override
from tests.helpers.samples import insert_samples

pytestmark = pytest.mark.postgis


def test_an_override_is_recorded_replaced_and_cleared(db: Session) -> None:
    road = insert_samples(db, only={"roads"})["roads"]
    conn = db.connection()
    assert set_override(conn, "水毁公路", str(road.id), "key", " 唯一进村路 ", "张三") == \
        ("roads", road.id, road.code, "重点")
    found = read_overrides(conn)[("roads", road.id)]
    assert (found.importance, found.reason, found.set_by) == ("重点", "唯一进村路", "张三")
    assert len(found.set_at) == 10  # ISO date
    set_override(conn, "roads", road.code, "一般", "已有便道", "李四")  # by code, replacing
    again = read_overrides(conn)
    assert len(again) == 1 and again[("roads", road.id)].importance == "一般"
    assert again[("roads", road.id)].set_by == "李四"
    assert clear_override(conn, "roads", road.code) is True
    assert read_overrides(conn) == {}
    assert clear_override(conn, "roads", road.code) is False


@pytest.mark.parametrize(("layer", "asset", "importance", "reason", "error", "words"), [
    ("roads", "NO-SUCH", "重点", "x", NotFoundError, "no asset with id or code 'NO-SUCH'"),
    ("roads", "{id}", "紧急", "x", ValidationError, "must be 重点 or 一般"),
    ("roads", "{id}", "重点", "  ", ValidationError, "needs a reason"),
    ("roads", "{id}", "重点", "长" * 501, ValidationError, "keep it under 500"),
    ("villages", "1", "重点", "x", ValidationError, "not repaired"),
])
def test_a_bad_override_is_one_sentence_and_stores_nothing(
        db: Session, layer: str, asset: str, importance: str, reason: str,
        error: type[Exception], words: str) -> None:
    road = insert_samples(db, only={"roads"})["roads"]
    conn = db.connection()
    with pytest.raises(error, match=words):
        set_override(conn, layer, asset.format(id=road.id), importance, reason, "张三")
    assert conn.execute(sa.text("SELECT count(*) FROM rank_overrides")).scalar() == 0

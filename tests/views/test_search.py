"""Search on the demo county: places, asset codes and names, route + chainage, scope, safety."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.helpers.samples import queue_row
from views.names import Names
from views.search import Hit, highlight, queue_hits, search

pytestmark = pytest.mark.postgis


def _one(conn: sa.Connection, sql: str) -> sa.Row:  # type: ignore[type-arg]
    return conn.execute(sa.text(sql)).one()


def test_a_village_by_name_comes_first_with_its_bounds(demo: sa.Connection) -> None:
    village = _one(demo, "SELECT id, code, name, ST_XMin(geom) AS w FROM villages ORDER BY code LIMIT 1")
    hits = search(demo, village.name)
    assert (hits[0].layer, hits[0].id, hits[0].code) == ("villages", village.id, village.code)
    assert hits[0].bounds is not None and hits[0].bounds[0] == pytest.approx(village.w)
    assert hits[0].fid == f"villages:{village.id}"


def test_a_township_by_code_and_by_part_of_its_name(demo: sa.Connection) -> None:
    assert search(demo, "411121102")[0].name == "北舞渡镇"
    assert "北舞渡镇" in [h.name for h in search(demo, "北舞渡", limit=30)]


def test_an_asset_code_matches_exactly_in_any_case(demo: sa.Connection) -> None:
    school = _one(demo, "SELECT id, code FROM schools ORDER BY id LIMIT 1")
    hits = search(demo, school.code.lower())
    assert (hits[0].layer, hits[0].id) == ("schools", school.id) and hits[0].score == 100


def test_route_and_chainage_find_the_segment_that_holds_it(demo: sa.Connection) -> None:
    route = _one(demo, """
        SELECT route_code, count(*) AS n FROM roads WHERE chainage ~ '^K[0-9]+\\+[0-9]+$'
        GROUP BY route_code HAVING count(*) >= 3 ORDER BY route_code LIMIT 1""").route_code
    rows = demo.execute(sa.text("""
        SELECT id, chainage,
               split_part(substr(chainage, 2), '+', 1)::int * 1000
               + split_part(chainage, '+', 2)::int AS start
        FROM roads WHERE route_code = :r ORDER BY start"""), {"r": route}).all()
    second, third = rows[1], rows[2]
    inside = second.start + max(1, (third.start - second.start) // 2)
    text = f"{route} K{inside // 1000}+{inside % 1000:03d}"
    hits = search(demo, text)
    assert (hits[0].layer, hits[0].id) == ("roads", second.id), (text, second, third)
    # the same chainage typed without the route finds the segment on each route that holds it
    assert ("roads", second.id) in {(h.layer, h.id) for h in search(demo, text.split()[1], limit=50)}


def test_a_route_code_lists_its_segments(demo: sa.Connection) -> None:
    route = _one(demo, "SELECT route_code FROM roads ORDER BY id LIMIT 1").route_code
    hits = search(demo, route, limit=5)
    assert hits and all(h.layer == "roads" for h in hits)


def test_a_township_scope_hides_other_townships(demo: sa.Connection) -> None:
    other = _one(demo, "SELECT code, name FROM townships WHERE code <> '411121102' LIMIT 1")
    assert search(demo, other.name)
    scoped = search(demo, other.name, townships=("411121102",))
    assert all(h.township_code == "411121102" for h in scoped)
    assert other.code not in {h.code for h in scoped}


@pytest.mark.parametrize("text", ["", "   ", "%", "_", "\\", "'; DROP TABLE roads; --", "{{ 7*7 }}"])
def test_odd_text_matches_literally_and_harms_nothing(demo: sa.Connection, text: str) -> None:
    hits = search(demo, text)
    assert all(text.strip() in h.name or text.strip().lower() in h.code.lower() for h in hits)
    assert demo.execute(sa.text("SELECT count(*) FROM roads")).scalar_one() > 0


def test_households_are_never_searched(demo: sa.Connection) -> None:
    head = _one(demo, "SELECT head_name FROM households ORDER BY id LIMIT 1").head_name
    assert all(h.layer != "households" for h in search(demo, head, limit=50))


def test_a_found_feature_is_outlined_with_its_name_escaped() -> None:
    area = highlight(Hit("villages", 7, "V1", "<b>东关村</b>", "T1", (113.5, 33.4, 113.6, 33.5), 90))
    feature = area["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["geometry"]["coordinates"][0][2] == [113.6, 33.5]
    assert feature["properties"]["tip"] == "&lt;b&gt;东关村&lt;/b&gt;"
    point = highlight(Hit("schools", 3, "S1", "小学", "T1", (113.5, 33.4, 113.5, 33.4), 100))
    assert point["features"][0]["geometry"] == {"type": "Point", "coordinates": [113.5, 33.4]}
    assert highlight(Hit("schools", 4, "S2", "无图形", None, None, 100))["features"] == []


def test_the_repair_list_keeps_the_rows_a_search_finds() -> None:
    rows = [queue_row(layer="roads", id=1, name="X003 连接线", township_code="T1", reason="断通 东关村"),
            queue_row(layer="schools", id=2, name="小学", township_code="T2", reason="服务 西村"),
            queue_row(layer="clinics", id=3, name="卫生室", township_code="T3", reason="服务 南村")]
    names = Names(villages={"V9": "东关村"})
    by_asset = queue_hits(rows, [Hit("schools", 2, "S", "小学", "T2", None, 100)], "S", names)
    assert [r.id for r in by_asset] == [2]
    by_town = queue_hits(rows, [Hit("townships", 9, "T3", "镇", None, None, 100)], "镇", names)
    assert [r.id for r in by_town] == [3]
    by_village = queue_hits(rows, [Hit("villages", 9, "V9", "东关村", "T1", None, 90)], "东关", names)
    assert [r.id for r in by_village] == [1]
    assert queue_hits(rows, [], "没有", names) == []

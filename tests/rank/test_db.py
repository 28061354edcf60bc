"""The repair queue on the demo county in PostGIS: exposure counts cross-checked against SQL,
a status change that reorders the queue, the page function's filters and ``tracker rank``."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from cli import main as tracker
from geo.rank.exposure import People
from geo.rank.inputs import read_inputs
from geo.rank.passage import RoadSettings, cut_off_villages
from geo.rank.sql_reference import sql_exposures
from layers import REGISTRY
from layers.filter import Filter, parse_filter
from layers.store import set_status
from views.queue import load_rules, queue_json, rank_queue

pytestmark = pytest.mark.postgis


def test_exposure_counts_match_postgis_sql(demo: sa.Connection) -> None:
    rules = load_rules()
    result = rank_queue(demo, rules=rules)
    expected = sql_exposures(demo, REGISTRY, rules)
    assert len(result.rows) > 200 and not result.cannot_rank
    checked = 0
    for row in result.rows:
        if row.layer == "roads":
            assert row.households_nearby == expected["roads"]["nearby"].get(row.id, 0), row.code
        else:
            households, weighted = expected[row.layer].get(row.id, (0, 0.0))
            assert (row.households, row.weighted_households) == \
                (households, pytest.approx(weighted, abs=0.01)), row.code
        checked += 1
    assert checked == len(result.rows)
    # the set of cut-off villages, computed by recursive CTE in SQL, is the core's
    inputs = read_inputs(demo, REGISTRY)
    people = People.build(inputs.households, inputs.villages, rules.category_weights,
                          rules.risk_weights)
    settings = RoadSettings(rules.impassable, rules.nearby_m, rules.snap_decimals,
                            rules.snap_max_m, rules.county_seat_township)
    roads = dict((info.name, frame) for info, frame in inputs.layers)["roads"]
    cut = cut_off_villages(roads, people, inputs.townships, settings)
    assert cut == expected["roads"]["cut_off"]
    assert len(cut) > 5
    # every cut-off village is credited to at least one 抢通 task, and only 抢通 tasks of
    # impassable roads carry cut-off villages
    names = {str(c): str(n) for c, n in zip(inputs.villages["code"], inputs.villages["name"],
                                            strict=True)}
    credited = {v for r in result.rows for v in r.cut_off_villages}
    assert credited == {names[c] for c in cut}
    assert all(r.status in rules.impassable for r in result.rows if r.villages_cut_off)


def test_reopening_a_road_changes_the_queue(demo: sa.Connection) -> None:
    before = rank_queue(demo, Filter(layers=("roads",)))
    top = next(r for r in before.rows if r.task == "抢通" and r.villages_cut_off)
    version = demo.execute(sa.text("SELECT version FROM roads WHERE id = :id"),
                           {"id": top.id}).scalar_one()
    set_status(demo, "roads", top.id, "已抢通", version, "测试")
    after = rank_queue(demo, Filter(layers=("roads",)))
    assert (top.code, "抢通") not in {(r.code, r.task) for r in after.rows}
    repair = next(r for r in after.rows if r.code == top.code)
    assert (repair.task, repair.status, repair.villages_cut_off) == ("修复", "opened", 0)
    cut_before = sum(r.villages_cut_off for r in before.rows)
    assert sum(r.villages_cut_off for r in after.rows) < cut_before


def test_filters_accept_labels_and_keep_the_county_rank(demo: sa.Connection) -> None:
    whole = rank_queue(demo)
    township = whole.rows[0].township
    part = rank_queue(demo, parse_filter(demo, townships=township, layers="水毁公路,power_lines",
                                            statuses="未开工,抢通中"))
    assert part.rows and [r.rank for r in part.rows] == list(range(1, len(part.rows) + 1))
    assert {r.layer for r in part.rows} <= {"roads", "power_lines"}
    assert {r.status for r in part.rows} <= {"not_started", "opening"}
    assert all(r.township == township for r in part.rows)
    county = [r.county_rank for r in part.rows]
    assert county == sorted(county)
    power = [r for r in whole.rows if r.layer == "power_lines"]
    assert power and all(r.filing and "先实施后备案" in r.reason for r in power)
    items = json.loads(queue_json(part))
    assert [i["code"] for i in items] == [r.code for r in part.rows]


def test_tracker_rank_command(demo_url: str, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", demo_url)
    assert tracker(["rank", "--format", "json", "--layer", "roads", "--limit", "5"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert len(items) == 5 and items[0]["task"] == "抢通" and items[0]["rank"] == 1
    assert tracker(["rank", "--township", "舞泉镇", "--limit", "3"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("修复优先级队列") and "理由" in table
    assert tracker(["rank", "--format", "csv", "--limit", "2"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("rank,county_rank,layer")
    assert tracker(["rank", "--rules", "/nonexistent.toml"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert tracker(["rank", "--status", "坏了"]) == 2
    assert "unknown status" in capsys.readouterr().err
    assert tracker(["rank", "--township", "火星镇"]) == 2
    assert "unknown township '火星镇'" in capsys.readouterr().err

"""The repair schedule on the demo county in PostGIS: who lost what cross-checked against SQL,
what the schedule gives back (each loss once, 重点 that separates), a status change that
reorders the queue, the page function's filters, the office's overrides and ``tracker rank``."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from cli import main as tracker
from geo.rank.core import QueueRow
from geo.rank.exposure import People
from geo.rank.inputs import read_inputs
from geo.rank.passage import cut_off_villages
from geo.rank.plan import road_settings
from geo.rank.sql_reference import sql_exposures
from layers import REGISTRY
from layers.filter import Filter, parse_filter
from layers.store import set_status
from views.queue import load_rules, queue_json, rank_queue

pytestmark = pytest.mark.postgis


def test_who_lost_what_matches_postgis_sql(demo: sa.Connection) -> None:
    """Households losing each asset's service, computed independently in SQL. (Before issue 11
    this compared the rows' households; those are now what each task gives back after the tasks
    above it, so the SQL is compared with the standalone loss: ``lost_households`` for tasks
    whose function is lost, the kept households for long-term ones. Road rows no longer count
    households within 300 m, so that SQL is gone.)"""
    rules = load_rules()
    result = rank_queue(demo, rules=rules)
    expected = sql_exposures(demo, REGISTRY, rules)
    assert len(result.rows) > 200 and not result.cannot_rank
    checked = 0
    for row in result.rows:
        if row.layer == "roads":
            continue
        households, weighted, posts = expected[row.layer].get(row.id, (0, 0.0, 0))
        if row.keeps:
            service = rules.service_weights[row.service]
            assert (row.households, row.weighted_households) == (households, pytest.approx(
                service * (weighted + posts * rules.welfare_post_weight), abs=0.01)), row.code
        else:
            assert row.lost_households == households, row.code
        checked += 1
    assert checked == sum(1 for r in result.rows if r.layer != "roads") > 100
    # the set of cut-off villages, computed by recursive CTE in SQL, is the core's
    inputs = read_inputs(demo, REGISTRY)
    people = People.build(inputs.households, inputs.villages, rules)
    roads = dict((info.name, frame) for info, frame in inputs.layers)["roads"]
    cut = cut_off_villages(roads, people, inputs.townships, road_settings(rules))
    assert cut == expected["roads"]
    assert len(cut) > 5
    # the schedule gives every cut-off village back exactly once, by a 抢通 of an impassable road
    names = {str(c): str(n) for c, n in zip(inputs.villages["code"], inputs.villages["name"],
                                            strict=True)}
    given = [v for _, rows in _picks(result.rows) for v in rows[0].cut_off_villages]
    assert sorted(given) == sorted(names[c] for c in cut)
    assert all(r.status in rules.impassable and r.task == "抢通" for r in result.rows if r.villages_cut_off)


def _picks(rows: list[QueueRow]) -> list[tuple[int, list[QueueRow]]]:
    """Rows grouped by pick: a bundle's rows (consecutive, same members) count once."""
    picks: list[tuple[int, list[QueueRow]]] = []
    for row in rows:
        if row.bundle and picks and picks[-1][1][0].bundle == row.bundle:
            picks[-1][1].append(row)
        else:
            picks.append((row.county_rank, [row]))
    return picks


def test_demo_schedule_gives_each_loss_back_once_and_key_tasks_separate(demo: sa.Connection) -> None:
    result = rank_queue(demo)
    plan = result.plan
    assert plan is not None
    # what the picks give back adds up to what was lost: nothing twice, nothing forgotten
    lost = sum(u.weight * loss for u, loss in zip(plan.cover.units, plan.cover.loss, strict=True)) \
        + sum(u.weight * loss for part in plan.road.parts for u, loss in zip(part.units, part.vloss,
                                                                              strict=True))
    given = sum(rows[0].weighted_households for _, rows in _picks(result.rows) if not rows[0].keeps)
    assert given == pytest.approx(lost, rel=1e-4)
    # 重点 separates: well under half of the tasks, and no layer is all 重点
    share = sum(r.importance == "重点" for r in result.rows) / len(result.rows)
    assert 0.2 < share < 0.5
    by_layer: dict[str, set[str]] = {}
    for r in result.rows:
        by_layer.setdefault(r.layer, set()).add(r.importance)
    assert by_layer["telecom_sites"] == {"一般"}  # communications are not a basic service
    assert all(found == {"重点", "一般"} for layer, found in by_layer.items()
               if layer in ("roads", "water_works", "power_lines", "clinics", "schools"))
    # segments that only together reconnect villages are shown as one bundle
    assert any(len(r.bundle) > 1 and r.villages_cut_off for r in result.rows if r.layer == "roads")


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


def test_tracker_rank_crews_and_office_overrides(demo_url: str, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", demo_url)
    monkeypatch.setenv("TRACKER_USER", "县防返贫办张三")
    assert tracker(["rank", "--crews", "8", "--format", "json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["crews"] == 8 and plan["households_affected"] > 1000
    curve = plan["curve"]
    assert curve[0]["day"] == 0 and curve[-1]["households_without"] == 0
    assert [c["households_back"] for c in curve] == sorted(c["households_back"] for c in curve)
    assert {k["category"] for k in plan["key_households"]} <= {"tuopin", "monitored", "dibao", "tekun"}
    assert max(k["day"] for k in plan["key_households"]) <= plan["day_all_back"]
    assert {t["crew"] for t in plan["tasks"]} == set(range(1, 9))
    assert tracker(["rank", "--crews", "8"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("8 个施工队按清单顺序施工") and "各村重点群体户全部恢复基本服务的日期" in table
    assert tracker(["rank", "--crews", "-2"]) == 2
    assert "must be from 1 to" in capsys.readouterr().err
    assert tracker(["rank", "--crews", "3", "--layer", "roads"]) == 2
    assert "whole county" in capsys.readouterr().err

    # the office marks a 一般 telecom site 重点; the queue says who decided it and why
    engine = sa.create_engine(demo_url)
    with engine.connect() as conn:
        site = next(r for r in rank_queue(conn).rows if r.layer == "telecom_sites")
    engine.dispose()
    assert site.importance == "一般"
    spec = f"telecom_sites:{site.code}"
    try:
        assert tracker(["rank", "--override", f"{spec}=重点", "--reason", "乡镇防汛指挥唯一通信"]) == 0
        assert "由县防返贫办指定为重点" in capsys.readouterr().out
        assert tracker(["rank", "--format", "json", "--layer", "telecom_sites"]) == 0
        marked = next(i for i in json.loads(capsys.readouterr().out) if i["code"] == site.code)
        assert marked["importance"] == "重点"
        assert marked["override"]["set_by"] == "县防返贫办张三"
        assert "县防返贫办指定：乡镇防汛指挥唯一通信" in marked["reason"]
    finally:
        assert tracker(["rank", "--clear-override", spec]) == 0
    assert "已取消" in capsys.readouterr().out
    assert tracker(["rank", "--override", f"{spec}=重点"]) == 2
    assert "needs a reason" in capsys.readouterr().err
    assert tracker(["rank", "--override", "telecom_sites=重点", "--reason", "x"]) == 2
    assert "is not LAYER:ID" in capsys.readouterr().err
    assert tracker(["rank", "--override", "roads:no-such=重点", "--reason", "x"]) == 2
    assert "no asset with id or code" in capsys.readouterr().err

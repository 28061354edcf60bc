"""The ranking core on small hand-built scenarios whose right order is known (no database):
the queue rows, their reasons and the rules file. The principles of the schedule (marginal
restoration, bundles, 重点) have their own scenarios in test_sequence.py.

Coordinates are CGCS2000 lon/lat near the county seat; 0.01° ≈ 0.93 km east, 1.1 km north.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Point

from geo.errors import ConfigError
from geo.rank.core import RankInputs, rank, row_dict, select
from geo.rank.inputs import known_codes
from geo.rank.rules import DEFAULT_RULES_PATH, load_rules, parse_rules
from geo.rank.schedule import simulate
from layers import REGISTRY
from layers.vocabularies import IMPASSABLE_STATUSES
from tests.helpers.county import (
    SEAT,
    TWP,
    asset,
    households,
    info,
    inputs,
    line,
    order,
    rules,
    village,
)
from views.queue import queue_json

A, B = (113.62, 33.40), (113.64, 33.40)
C, D = (113.60, 33.42), (113.58, 33.41)


def bridge_scenario(bridge_status: str = "not_started") -> RankInputs:
    """Seat S —road— A —damaged bridge— B (village 孤村, the only way in); a damaged shortcut
    S—C has a detour S—D—C, so it cuts nobody off."""
    roads = [
        asset(1, "R1", None, line(SEAT, A), route_code="X001"),
        asset(2, "R2-bridge", bridge_status, line(A, B), route_code="X001", severity="moderate"),
        asset(3, "R3-short", "not_started", line(SEAT, C), route_code="Y001", severity="destroyed"),
        asset(4, "R4", None, line(SEAT, D), route_code="Y002"),
        asset(5, "R5", None, line(D, C), route_code="Y002"),
    ]
    vils = [village("411121100201", "孤村", *B), village("411121100202", "北村", *C),
            village("411121100203", "东村", *A)]
    hh = (households("411121100201", 4, B[0] + 0.001, B[1], "monitored", risk_water=True)
          + households("411121100201", 2, B[0] + 0.001, B[1], "general", start=10)
          + households("411121100202", 3, *C) + households("411121100203", 2, *A))
    return inputs(vils, hh, [("roads", roads)])


def test_shipped_rules_agree_with_the_schema() -> None:
    loaded = load_rules(None, known_codes(REGISTRY))
    assert loaded.impassable == frozenset(IMPASSABLE_STATUSES)
    assert loaded.category_weights["monitored"] > loaded.category_weights["general"]
    assert "comms" not in loaded.basic_services and "water" in loaded.basic_services
    assert set(loaded.durations.repair_days) == {la.name for la in REGISTRY.repairable()}


def test_village_behind_one_damaged_bridge_is_cut_off_and_ranks_first() -> None:
    result = rank(bridge_scenario(), rules())
    assert order(result) == [("R2-bridge", "抢通"), ("R3-short", "抢通"),
                             ("R2-bridge", "修复"), ("R3-short", "修复")]
    top = result.rows[0]
    assert (top.villages_cut_off, top.cut_off_villages) == (1, ["孤村"])
    # 孤村's 6 households get their passage back; 东村 beside the bridge never lost its route
    assert (top.households, top.monitored_households, top.households_nearby) == (6, 4, 0)
    # 4 monitored x (3 + 1 water risk) + 2 general x 1, each losing all passage (share 1)
    assert top.weighted_households == 18.0
    assert (top.urgency, top.use, top.importance, top.key_reasons) == ("应急", "生活", "重点", ["孤岛村"])
    assert top.reason.startswith("重新打通后恢复 1 个行政村通行：孤村，其中重点群体 4 户、监测户 4 户")
    assert top.reason.endswith("；生活类；重点（孤岛村）；应急")
    shortcut = result.rows[1]
    # 北村 keeps a route by the detour S—D—C: only the extra distance counts, not the buffer
    assert (shortcut.villages_cut_off, shortcut.importance) == (0, "一般")
    assert (shortcut.households_detour, shortcut.households_nearby) == (3, 3)
    assert 1.5 < shortcut.detour_saved_km < 2.5
    assert 0 < shortcut.weighted_households < 3 * 1.0
    assert "使 1 个行政村绕行缩短" in shortcut.reason
    assert result.rows[2].urgency == "长远" and result.rows[2].keeps


def test_reopening_the_bridge_changes_the_queue() -> None:
    result = rank(bridge_scenario("opened"), rules())
    assert order(result) == [("R3-short", "抢通"), ("R2-bridge", "修复"), ("R3-short", "修复")]
    assert all(r.villages_cut_off == 0 for r in result.rows)
    repair = result.rows[1]
    assert repair.keeps and repair.reason.startswith("永久修复保障 1 个行政村 6 户的通行")


def test_island_behind_two_damaged_segments_reopens_in_order() -> None:
    """孤村 sits behind R2, 远村 behind R2 then R6: R2 alone gives 孤村 back, R6 then 远村.
    Each cut-off village is credited once, to the reopening that gives it back."""
    far = (113.66, 33.40)
    scen = bridge_scenario()
    roads = scen.layers[0][1]
    extra = pd.DataFrame([asset(6, "R6", "opening", line(B, far), route_code="C001")])
    scen.layers[0] = (scen.layers[0][0], pd.concat([roads, extra], ignore_index=True))
    scen.villages = pd.concat([scen.villages, pd.DataFrame([village("411121100204", "远村", *far)])],
                              ignore_index=True)
    result = rank(scen, rules())
    cut = {r.code: sorted(r.cut_off_villages) for r in result.rows if r.task == "抢通"}
    assert cut == {"R2-bridge": ["孤村"], "R6": ["远村"], "R3-short": []}
    tasks = order(result)
    assert tasks.index(("R2-bridge", "抢通")) < tasks.index(("R6", "抢通"))


def test_two_damaged_bridges_in_parallel_give_the_village_back_once() -> None:
    """孤村 has two ways in, both broken: the first reopened gives it back; the second then
    gives nothing (its way is longer), and says so."""
    scen = bridge_scenario()
    roads = scen.layers[0][1]
    mid = (113.63, 33.41)
    extra = pd.DataFrame([asset(6, "R6-west", None, line(A, mid), route_code="C002"),
                          asset(7, "R7-bridge2", "assess", line(mid, B), route_code="C002")])
    scen.layers[0] = (scen.layers[0][0], pd.concat([roads, extra], ignore_index=True))
    result = rank(scen, rules())
    cut = {r.code: r.cut_off_villages for r in result.rows if r.task == "抢通"}
    assert cut == {"R2-bridge": ["孤村"], "R7-bridge2": [], "R3-short": []}
    second = next(r for r in result.rows if r.code == "R7-bridge2" and r.task == "抢通")
    assert second.weighted_households == 0 and second.importance == "一般"
    assert "不能单独恢复任何行政村的通行" in second.reason


def water_scenario(supply: bool = False) -> RankInputs:
    vils = [village(f"41112110020{k}", f"村{k}", 113.60 + k / 100, 33.45) for k in range(1, 6)]
    hh = []
    for k in range(1, 4):  # the plant's three villages: 2 households each
        hh += households(f"41112110020{k}", 2, 113.60 + k / 100, 33.45)
    hh += households("411121100205", 30, 113.65, 33.45, "monitored")  # the pump's big village
    water = [
        asset(1, "W-pump", "not_started", Point(113.65, 33.45), kind="pump", use="production",
              villages_served=["411121100205"], emergency_supply=False, severity="destroyed"),
        asset(2, "W-plant", "not_started", Point(113.62, 33.45), kind="plant", use="living",
              villages_served=["411121100201", "411121100202", "411121100203"],
              emergency_supply=supply, severity="light"),
    ]
    return inputs(vils, hh, [("water_works", water)])


def test_drinking_water_for_three_villages_beats_a_bigger_irrigation_pump() -> None:
    result = rank(water_scenario(), rules())
    assert [r.code for r in result.rows] == ["W-plant", "W-pump"]
    plant, pump = result.rows
    assert (plant.use, plant.villages_affected, plant.households, plant.service) == \
        ("生活", 3, 6, "water")
    # a plant is not 重点 by its type: six ordinary households reach no threshold
    assert (plant.importance, plant.key_reasons) == ("一般", [])
    assert (pump.use, pump.service) == ("生产", "irrigation")
    assert pump.weighted_households > plant.weighted_households
    assert plant.reason.startswith("修复后恢复 3 个行政村 6 户饮水：村1、村2、村3")


def test_emergency_supply_counts_as_a_smaller_loss_and_says_so() -> None:
    plain = rank(water_scenario(False), rules()).rows[0]
    supplied = rank(water_scenario(True), rules()).rows[0]
    assert supplied.weighted_households == pytest.approx(plain.weighted_households * 0.3)
    assert supplied.emergency_supply and not plain.emergency_supply
    assert "已实施临时应急供水（损失按 0.3 计）" in supplied.reason
    assert supplied.urgency == "应急"
    long_term = rank(water_scenario(True), rules(**{
        "emergency_supply_long_term = false": "emergency_supply_long_term = true"}))
    assert [(r.code, r.urgency) for r in long_term.rows] == [("W-pump", "应急"), ("W-plant", "长远")]


def test_open_task_ranks_before_repair_task_of_the_same_road() -> None:
    # the road's 修复 is 长远 while a water plant in 'opened' state is also 长远:
    scen = bridge_scenario()
    plant = asset(9, "W1", "opened", Point(*B), kind="plant", use="living",
                  villages_served=["411121100201"], emergency_supply=False)
    scen.layers.append((info("water_works"), pd.DataFrame([plant])))
    result = rank(scen, rules())
    tasks = order(result)
    assert tasks.index(("R2-bridge", "抢通")) < tasks.index(("R2-bridge", "修复"))
    assert result.rows[-1].urgency == result.rows[-2].urgency == "长远"
    # even when both tasks are 应急, a road's 修复 never comes before its own 抢通
    same = rules(**{'emergency = []\nlong_term = ["assess", "not_started", "opening", "opened", '
                    '"repairing"]': 'emergency = ["assess", "not_started", "opening", "opened", '
                    '"repairing"]\nlong_term = []'})
    pairs = order(rank(bridge_scenario(), same))
    assert pairs[:2] == [("R2-bridge", "抢通"), ("R2-bridge", "修复")]


def clinics(codes: list[str], deadline: dt.date | None = None) -> list[dict[str, object]]:
    return [asset(k, c, "not_started", Point(113.61, 33.41), kind="village",
                  villages_served=["411121100201"], deadline=deadline) for k, c in enumerate(codes)]


def test_ties_are_broken_by_layer_order_then_code() -> None:
    vils = [village("411121100201", "村1", 113.61, 33.41)]
    hh = households("411121100201", 3, 113.61, 33.41)
    school = asset(7, "A-school", "not_started", Point(113.61, 33.41), level="primary",
                   villages_served=["411121100201"])
    scen = inputs(vils, hh, [("schools", [school]), ("clinics", clinics(["C2", "C1", "C3"]))])
    result = rank(scen, rules())
    # three clinics serving one village: it has 基本医疗 back only when all three work (a bundle)
    assert [r.code for r in result.rows] == ["A-school", "C1", "C2", "C3"]
    assert result.rows[1].bundle == ["C1", "C2", "C3"]
    # an earlier deadline wins before the layer order does
    scen2 = inputs(vils, hh, [("schools", [school]),
                              ("clinics", clinics(["C9"], dt.date(2021, 9, 1)))])
    assert [r.code for r in rank(scen2, rules()).rows] == ["C9", "A-school"]
    assert rank(scen, rules()).rows[0].reason == rank(scen, rules()).rows[0].reason


def test_feeder_counts_villages_downstream_and_shows_filing() -> None:
    vils = [village(f"41112110020{k}", f"村{k}", 113.60 + k / 100, 33.45) for k in range(1, 4)]
    hh = households("411121100201", 1, 113.61, 33.45) + households("411121100202", 2, 113.62, 33.45) \
        + households("411121100203", 4, 113.63, 33.45)
    seg = line((113.60, 33.45), (113.61, 33.45))
    power = [
        asset(1, "P1", None, seg, parent_code=None, villages_fed=["411121100201"], filing=None),
        asset(2, "P2", "not_started", seg, parent_code="P1", villages_fed=["411121100202"],
              filing="not_filed"),
        asset(3, "P3", "repairing", seg, parent_code="P2", villages_fed=["411121100203"],
              filing="filed"),
    ]
    result = rank(inputs(vils, hh, [("power_lines", power)]), rules())
    # P2 alone gives 村2's 2 households back, P3 alone nothing (P2 above it is down); together
    # they give 6 back, 3 per task: more than P2 alone, so they go as one bundle
    assert [(r.code, r.households, r.filing, r.bundle) for r in result.rows] == \
        [("P2", 6, "not_filed", ["P2", "P3"]), ("P3", 6, "filed", ["P2", "P3"])]
    assert result.rows[0].reason.endswith("；先实施后备案：未备案")
    assert "含下游线段 1 段" in result.rows[0].reason
    assert result.rows[0].reason.startswith("与 P3 一起修复后恢复 2 个行政村 6 户用电")


def test_pv_station_counts_beneficiaries_and_posts() -> None:
    vils = [village("411121100201", "村1", 113.61, 33.41)]
    hh = households("411121100201", 5, 113.61, 33.41, "tuopin")
    pv = [asset(1, "PV1", "assess", Point(113.61, 33.41), village_code="411121100201",
                capacity_kw=180.0, beneficiaries=[h["code"] for h in hh[:3]], welfare_posts=8)]
    row = rank(inputs(vils, hh, [("pv_stations", pv)]), rules()).rows[0]
    # 3 脱贫户 x 2 + 8 posts x 2 (welfare_post_weight), income weight 1
    assert (row.use, row.households, row.welfare_posts, row.weighted_households) == ("生产", 3, 8, 22.0)
    assert row.key_households == 11  # the beneficiaries and the post holders
    assert row.reason.startswith("修复后恢复受益户 3 户、公益岗位 8 个的收入")


def test_pv_station_without_beneficiaries_stays_in_the_list() -> None:
    vils = [village("411121100201", "村1", 113.61, 33.41)]
    pv = [asset(1, "PV0", "not_started", Point(113.61, 33.41), village_code="411121100201",
                capacity_kw=60.0, beneficiaries=[], welfare_posts=0)]
    result = rank(inputs(vils, [], [("pv_stations", pv)]), rules())
    assert [(r.code, r.households, r.weighted_households, r.keeps) for r in result.rows] == \
        [("PV0", 0, 0.0, False)]
    assert result.rows[0].reason.startswith("修复后不能恢复收入")
    assert result.plan is not None
    assert simulate(result.plan, result.order, crews=1).household_days == 0


def test_assets_without_geometry_or_village_are_listed_as_cannot_rank() -> None:
    vils = [village("411121100201", "村1", 113.61, 33.41)]
    hh = households("411121100201", 2, 113.61, 33.41)
    sites = [
        asset(1, "T-ok", "not_started", Point(113.61, 33.41), kind="base_station",
              villages_served=["411121100201"]),
        asset(2, "T-nogeom", "not_started", None, kind="base_station",
              villages_served=["411121100201"]),
        asset(3, "T-novillage", "not_started", Point(113.61, 33.41), kind="base_station",
              villages_served=["999999999999"]),
        asset(4, "T-done", "done", None, kind="base_station", villages_served=[]),
    ]
    roads = [asset(5, "R-nogeom", "opening", None, route_code="X001")]
    result = rank(inputs(vils, hh, [("roads", roads), ("telecom_sites", sites)]), rules())
    assert [r.code for r in result.rows] == ["T-ok"]
    assert result.rows[0].importance == "一般"  # communications are not a basic service
    reasons = {c.code: c.reason for c in result.cannot_rank}
    assert set(reasons) == {"R-nogeom", "T-nogeom", "T-novillage"}
    assert reasons["T-nogeom"].startswith("无几何位置")
    assert reasons["T-novillage"].startswith("未关联任何行政村")


def test_select_renumbers_and_json_is_the_public_form() -> None:
    result = rank(bridge_scenario(), rules())
    chosen = select(result, layers=["roads"], statuses=["not_started"], townships=["舞泉镇"])
    assert [r.rank for r in chosen.rows] == [1, 2, 3, 4]
    only_repair = select(result, townships=[TWP])
    assert len(only_repair.rows) == 4
    items = json.loads(queue_json(result))
    assert [i["rank"] for i in items] == [1, 2, 3, 4]
    required = {"rank", "layer", "id", "name", "township", "task", "status", "urgency", "use",
                "importance", "villages_cut_off", "households", "weighted_households", "reason"}
    added = {"service", "service_zh", "restored", "key_households", "households_detour",
             "detour_saved_km", "welfare_posts", "measure", "keeps", "bundle", "blocked_by",
             "lost_households", "override"}
    assert required | added <= set(items[0])
    assert "filing" not in items[0]
    assert row_dict(result.rows[0])["task"] == "抢通"


def test_select_leaves_the_ranked_rows_it_filters_alone() -> None:
    """The county's queue is kept and shared between sessions: a filtered view renumbers copies."""
    ranked = rank(bridge_scenario(), rules())
    # the first task under way, so that keeping the untouched ones renumbers them 1, 2, 3
    result = dataclasses.replace(
        ranked, rows=[dataclasses.replace(ranked.rows[0], status="repairing"), *ranked.rows[1:]])
    before = [(r.rank, r.county_rank) for r in result.rows]
    chosen = select(result, statuses=["not_started"])
    assert [(r.rank, r.county_rank) for r in chosen.rows] == [(1, 2), (2, 3), (3, 4)]
    assert [(r.rank, r.county_rank) for r in result.rows] == before
    assert all(a is not b for a in chosen.rows for b in result.rows)


OPEN_TASK = ('statuses = ["assess", "not_started", "opening"]\n'
             'emergency = ["assess", "not_started", "opening"]\nlong_term = []')


@pytest.mark.parametrize(("old", "new", "marker", "words"), [
    ("detour_half_m = 5000.0", "detour_half_m = -5", "detour_half_m = -5", "must be a number > 0"),
    ("general = 1.0 ", "general = 1.0\ngeneric = 2.0 ", "generic", "unknown code 'generic'"),
    ("[served]", "[servd]", "[servd]", "unknown key or table 'servd'"),
    ("snap_max_m = 3000.0", "snap_max_m = 3000.0\nsnap_min_m = 1.0", "snap_min_m",
     "unknown key 'snap_min_m'"),
    ('long_term = ["opened"]', 'long_term = ["opened", "repairing"]', '["opened", "repairing"]',
     "both emergency and long_term"),
    ('"flood", "production"]', '"living", "production"]', '"living", "living"', "exactly once"),
    ("monitored = 3.0", 'monitored = "many"', '"many"', "must be a number >= 0"),
    ("tekun = 2.5 ", "", "[weights.category]", "no weight for tekun"),
    ("emergency_supply_loss = 0.3", "emergency_supply_loss = 1.5", "= 1.5", "from 0 to 1"),
    ("comms = 0.2 ", "comms = 0.2\nsanitation = 1.0 ", "sanitation", "unknown code 'sanitation'"),
    ("irrigation = 0.5 ", "", "[weights.service]", "no rule for irrigation"),
    ('key_groups = ["tuopin",', 'key_groups = ["poor",', "key_groups", "unknown code 'poor'"),
    ("clinics = 5.0", "", "[durations.repair]", "no rule for clinics"),
    ("light = 0.5", "light = 0", "light = 0", "must be a number > 0"),
    ("monitored_min = 10.0", "monitored_min = -1.0", "monitored_min = -1.0", "must be a number >= 0"),
])
def test_rules_errors_name_the_line(old: str, new: str, marker: str, words: str,
                                    tmp_path: Path) -> None:
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    assert old in text
    changed = text.replace(old, new, 1)
    line = next(n for n, t in enumerate(changed.splitlines(), 1) if marker in t)
    bad = tmp_path / "rules.toml"
    bad.write_text(changed, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_rules(bad, known_codes(REGISTRY))
    message = str(caught.value)
    assert f"line {line}:" in message and words in message, message


def test_contradictory_task_rules_name_the_line() -> None:
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    text = text.replace(OPEN_TASK, OPEN_TASK.replace(
        'emergency = ["assess", "not_started", "opening"]\nlong_term = []',
        'emergency = ["assess"]\nlong_term = ["not_started", "opening"]'))
    repair = ('emergency = []\nlong_term = ["assess", "not_started", "opening", "opened", '
              '"repairing"]')
    assert repair in text
    text = text.replace(repair, 'emergency = ["not_started"]\nlong_term = ["assess", "opening", '
                        '"opened", "repairing"]')
    line = next(n for n, t in enumerate(text.splitlines(), 1)
                if t == 'emergency = ["not_started"]')
    with pytest.raises(ConfigError, match=f"line {line}: at status 'not_started' 修复 would be 应急"):
        parse_rules(text, "rules.toml", known_codes(REGISTRY))


def test_rules_file_that_is_not_toml_or_missing() -> None:
    with pytest.raises(ConfigError, match="line 2"):
        parse_rules("[weights.category]\ngeneral = = 1\n")
    with pytest.raises(ConfigError, match="does not exist"):
        load_rules("/nonexistent/rules.toml")

"""The principles of the schedule, each on a tiny county whose right answer is known by hand:
who lost what (a detour weighs by its extra length; temporary water is a smaller loss), 重点 from
the key groups and key places a task gives back (never from a facility type), marginal
restoration (a reopening is credited with what it adds given the picks above; a feeder segment
below a damaged one gives nothing until that one is fixed), bundles, and the office's override.
"""

from __future__ import annotations

from shapely.geometry import Point

from geo.rank.core import Override, rank
from geo.rank.plan import build_plan
from tests.helpers.county import SEAT, asset, households, inputs, line, order, row, rules, village

V = "4111211002"  # village codes: V + two digits


def test_isolating_bridge_beats_a_busy_grid_road_with_a_detour() -> None:
    """The old rule counted every household within 300 m of a damaged road: 40 监测户 along a
    grid shortcut outranked the only bridge to a village. Now the shortcut counts only the extra
    distance of the detour its households drive (~0.6 km), the bridge the whole passage of the
    village it cuts off."""
    mid, south, west = (113.61, 33.41), (113.61, 33.40), (113.58, 33.40)
    roads = [
        asset(1, "GRID-short", "not_started", line(SEAT, mid), route_code="Y001", severity="destroyed"),
        asset(2, "GRID-a", None, line(SEAT, south), route_code="Y002"),
        asset(3, "GRID-b", None, line(south, mid), route_code="Y002"),
        asset(4, "BRIDGE", "not_started", line(SEAT, west), route_code="C001", structure="bridge",
              severity="light"),
    ]
    vils = [village(V + "01", "中村", *mid), village(V + "02", "孤村", *west)]
    hh = households(V + "01", 40, 113.605, 33.405, "monitored") \
        + households(V + "02", 1, *west, "monitored") + households(V + "02", 4, *west, start=10)
    result = rank(inputs(vils, hh, [("roads", roads)]), rules())
    assert order(result)[:2] == [("BRIDGE", "抢通"), ("GRID-short", "抢通")]
    bridge, grid = result.rows[:2]
    assert (bridge.importance, bridge.cut_off_villages, bridge.households) == ("重点", ["孤村"], 5)
    assert bridge.weighted_households == 7.0  # 1 x 3 + 4 x 1, the whole passage lost
    assert (grid.importance, grid.villages_cut_off, grid.households_detour) == ("一般", 0, 40)
    assert 0.5 < grid.detour_saved_km < 0.7
    share = grid.detour_saved_km / (grid.detour_saved_km + 5.0)  # extra / (extra + detour_half)
    assert abs(grid.weighted_households - 40 * 3 * share) < 0.5
    assert grid.weighted_households < bridge.weighted_households * 3  # not the old 120 + 40 x risk


def water(code: str, kind: str, village_code: str, supply: bool = False,
          severity: str | None = None) -> dict[str, object]:
    return asset(int(code[-1]), code, "not_started", Point(113.62, 33.45), kind=kind, use="living",
                 villages_served=[village_code], emergency_supply=supply, severity=severity)


def test_distribution_network_and_plant_are_treated_alike() -> None:
    """A plant serving 40 ordinary households is not 重点 by its type; a network leaving 30 脱贫户
    without water gives more back. Swapping the kinds changes nothing."""
    vils = [village(V + "01", "甲村", 113.61, 33.45), village(V + "02", "乙村", 113.63, 33.45)]
    hh = households(V + "01", 40, 113.61, 33.45) + households(V + "02", 30, 113.63, 33.45, "tuopin")

    def ranked(plant_kind: str, network_kind: str) -> list[tuple[str, str, float]]:
        works = [water("W1", plant_kind, V + "01", severity="destroyed"),
                 water("W2", network_kind, V + "02", severity="light")]
        return [(r.code, r.importance, r.weighted_households)
                for r in rank(inputs(vils, hh, [("water_works", works)]), rules()).rows]

    first = ranked("plant", "network")
    assert first == [("W2", "一般", 60.0), ("W1", "一般", 40.0)]
    assert ranked("network", "plant") == first == ranked("intake", "network")


def clinic(code: str, village_code: str) -> dict[str, object]:
    return asset(int(code[-1]), code, "not_started", Point(113.61, 33.41), kind="village",
                 villages_served=[village_code])


def test_key_groups_make_a_task_key_ordinary_households_do_not() -> None:
    """脱贫户 are a key group (二(一)1: 脱贫户和监测对象等重点群体): 100 of them make a clinic 重点;
    150 ordinary households do not; 10 监测对象 do."""
    vils = [village(V + "01", "脱贫村", 113.61, 33.41), village(V + "02", "普通村", 113.62, 33.41),
            village(V + "03", "监测村", 113.63, 33.41)]
    hh = households(V + "01", 100, 113.61, 33.41, "tuopin") \
        + households(V + "02", 150, 113.62, 33.41) \
        + households(V + "03", 10, 113.63, 33.41, "monitored") + households(V + "03", 5, 113.63, 33.41,
                                                                            start=50)
    sites = [clinic("C1", V + "02"), clinic("C2", V + "01"), clinic("C3", V + "03")]
    result = rank(inputs(vils, hh, [("clinics", sites)]), rules())
    got = [(r.code, r.importance, r.key_reasons) for r in result.rows]
    assert got == [("C2", "重点", ["重点群体"]), ("C3", "重点", ["监测对象"]), ("C1", "一般", [])]
    assert row(result, "C1").weighted_households > row(result, "C3").weighted_households


def test_temporary_supply_is_a_smaller_loss_than_no_water() -> None:
    """50 households on trucked water lose 0.3 of it each (15); 30 with none lose it all (30)."""
    vils = [village(V + "01", "送水村", 113.61, 33.45), village(V + "02", "断水村", 113.63, 33.45)]
    hh = households(V + "01", 50, 113.61, 33.45) + households(V + "02", 30, 113.63, 33.45)
    works = [water("W1", "plant", V + "01", supply=True, severity="destroyed"),
             water("W2", "network", V + "02")]
    result = rank(inputs(vils, hh, [("water_works", works)]), rules())
    assert [(r.code, r.households, r.restored) for r in result.rows] == \
        [("W2", 30, 30.0), ("W1", 50, 15.0)]


def test_pv_income_of_poor_households_beats_irrigation_for_ordinary_ones() -> None:
    """Both are 生产. A PV station paying 20 脱贫户 and 8 welfare posts (the "80%" rule) gives more
    back than a worse-damaged irrigation pump serving 60 ordinary households."""
    vils = [village(V + "01", "光伏村", 113.61, 33.41), village(V + "02", "灌区村", 113.63, 33.41)]
    poor = households(V + "01", 20, 113.61, 33.41, "tuopin")
    hh = poor + households(V + "02", 60, 113.63, 33.41)
    pv = [asset(1, "PV1", "not_started", Point(113.61, 33.41), village_code=V + "01",
                capacity_kw=100.0, beneficiaries=[h["code"] for h in poor], welfare_posts=8,
                severity="light")]
    pump = [asset(2, "PUMP", "not_started", Point(113.63, 33.41), kind="pump", use="production",
                  villages_served=[V + "02"], emergency_supply=False, severity="destroyed")]
    result = rank(inputs(vils, hh, [("water_works", pump), ("pv_stations", pv)]), rules())
    assert [(r.code, r.use, r.service) for r in result.rows] == \
        [("PV1", "生产", "income"), ("PUMP", "生产", "irrigation")]
    assert result.rows[0].weighted_households == 56.0  # 20 x 2 + 8 posts x 2
    assert result.rows[1].weighted_households == 30.0  # 60 x 1 x irrigation 0.5


def test_two_segments_in_series_to_one_village_are_one_bundle() -> None:
    """S —R1— M —R2— 里村 (no village at M): neither reopening alone gives anything back; the two
    together give 里村 its passage, and the rows say so, from the seat outward."""
    m, far = (113.62, 33.40), (113.64, 33.40)
    roads = [asset(2, "R2", "not_started", line(m, far), route_code="C001"),
             asset(1, "R1", "opening", line(SEAT, m), route_code="C001")]
    vils = [village(V + "01", "里村", *far)]
    hh = households(V + "01", 10, *far, "tuopin")
    scen = inputs(vils, hh, [("roads", roads)])
    plan = build_plan(scen, rules())
    r1, r2 = (next(t.id for t in plan.tasks if t.code == c and t.kind == "open") for c in ("R1", "R2"))
    assert plan.road.gain((r1,)).value == plan.road.gain((r2,)).value == 0
    assert plan.road.gain((r1, r2)).reconnected == [V + "01"]
    result = rank(scen, rules())
    first, second = result.rows[:2]
    assert [(first.code, first.task), (second.code, second.task)] == [("R1", "抢通"), ("R2", "抢通")]
    assert first.bundle == second.bundle == ["R1", "R2"]
    assert first.cut_off_villages == second.cut_off_villages == ["里村"]
    assert first.measure == first.weighted_households / 2 == 10.0
    assert first.reason.startswith("这 2 段一起打通后恢复 1 个行政村通行：里村，其中重点群体 10 户")


def test_a_reopening_is_credited_with_what_it_adds_after_the_ones_above() -> None:
    """A cluster (村1, 村2) behind one bridge, with a damaged short link inside it that has a
    longer twin: the bridge gives both villages back; the link then only shortens 村2's way. The
    old rule credited both with the whole cluster."""
    x1, x2, y = (113.62, 33.40), (113.64, 33.40), (113.63, 33.42)
    roads = [
        asset(1, "BRIDGE", "not_started", line(SEAT, x1), route_code="X001", severity="severe"),
        asset(2, "LINK", "not_started", line(x1, x2), route_code="X001", severity="destroyed"),
        asset(3, "LOOP-a", None, line(x1, y), route_code="C001"),
        asset(4, "LOOP-b", None, line(y, x2), route_code="C001"),
    ]
    vils = [village(V + "01", "村1", *x1), village(V + "02", "村2", *x2)]
    hh = households(V + "01", 20, *x1, "tuopin") + households(V + "02", 20, *x2, "tuopin")
    scen = inputs(vils, hh, [("roads", roads)])
    plan = build_plan(scen, rules())
    link = next(t.id for t in plan.tasks if t.code == "LINK" and t.kind == "open")
    assert plan.road.gain((link,)).value == 0  # before the bridge, nothing to shorten
    result = rank(scen, rules())
    bridge, inner = row(result, "BRIDGE", "抢通"), row(result, "LINK", "抢通")
    assert bridge.rank < inner.rank
    assert bridge.cut_off_villages == ["村1", "村2"] and inner.villages_cut_off == 0
    assert (inner.households_detour, inner.households) == (20, 20)
    assert inner.weighted_households < 40 * 0.5  # a ~1.4 km shorter way, not a lost passage


def feeder() -> list[dict[str, object]]:
    seg = line((113.60, 33.45), (113.61, 33.45))
    return [
        asset(1, "P1", None, seg, parent_code=None, villages_fed=[], filing=None),
        asset(2, "P2", "not_started", seg, parent_code="P1", villages_fed=[V + "02"], filing="filed"),
        asset(3, "P3", "not_started", seg, parent_code="P2", villages_fed=[V + "03"],
              filing="filed", severity="destroyed"),
    ]


def test_feeder_segment_below_a_damaged_one_restores_nothing_until_it_is_fixed() -> None:
    vils = [village(V + "02", "上村", 113.62, 33.45), village(V + "03", "下村", 113.63, 33.45)]
    hh = households(V + "02", 10, 113.62, 33.45) + households(V + "03", 4, 113.63, 33.45)
    scen = inputs(vils, hh, [("power_lines", feeder())])
    plan = build_plan(scen, rules())
    p2, p3 = (next(t.id for t in plan.tasks if t.code == c) for c in ("P2", "P3"))
    lower = plan.cover.gain((p3,))
    assert (lower.households, lower.blocked_by) == (0, {p2})
    result = rank(scen, rules())
    # P2 alone gives 10 back (more than the pair's 14 / 2 per task), then P3 gives 下村's 4
    assert [(r.code, r.households, r.bundle) for r in result.rows] == [("P2", 10, []), ("P3", 4, [])]
    # the office marks the lower one 重点: the quickest way to give 下村 back is the pair
    office = {("power_lines", 3): Override("重点", "卫生院在下村，须先送电", "县防返贫办", "2021-09-20")}
    first, second = rank(inputs(vils, hh, [("power_lines", feeder())], office), rules()).rows
    assert {first.code, second.code} == {"P2", "P3"} and first.bundle == second.bundle
    assert first.importance == second.importance == "重点"
    marked = first if first.code == "P3" else second
    assert marked.key_reasons == ["县防返贫办指定"]
    assert "重点（县防返贫办指定：卫生院在下村，须先送电，县防返贫办 2021-09-20）" in marked.reason


def test_a_task_that_gives_only_part_back_names_what_holds_the_rest() -> None:
    """下村 drinks from plant P (on temporary supply, 长远 by the rules' option) through network N
    (no supply, 应急): N gives back 0.7 of the loss now; the rest waits for P."""
    vils = [village(V + "03", "下村", 113.63, 33.45)]
    hh = households(V + "03", 10, 113.63, 33.45)
    works = [water("W1", "plant", V + "03", supply=True), water("W2", "network", V + "03")]
    result = rank(inputs(vils, hh, [("water_works", works)]),
                  rules(**{"emergency_supply_long_term = false": "emergency_supply_long_term = true"}))
    network, plant = result.rows
    assert (network.code, network.urgency, plant.code, plant.urgency) == ("W2", "应急", "W1", "长远")
    assert (network.restored, network.blocked_by) == (7.0, ["W1"])
    assert "其中 10 户待 W1 完成后才完全恢复" in network.reason
    assert plant.restored == 3.0


def test_office_override_can_also_make_a_task_general() -> None:
    vils = [village(V + "01", "脱贫村", 113.61, 33.41), village(V + "02", "小村", 113.62, 33.41)]
    hh = households(V + "01", 120, 113.61, 33.41, "tuopin") + households(V + "02", 3, 113.62, 33.41)
    sites = [clinic("C1", V + "01"), clinic("C2", V + "02")]
    plain = rank(inputs(vils, hh, [("clinics", sites)]), rules())
    assert [(r.code, r.importance) for r in plain.rows] == [("C1", "重点"), ("C2", "一般")]
    office = {("clinics", 1): Override("一般", "已由乡镇卫生院巡诊覆盖", "王五", "2021-09-18"),
              ("clinics", 2): Override("重点", "村医报告特困老人需每日换药", "王五", "2021-09-18")}
    turned = rank(inputs(vils, hh, [("clinics", sites)], office), rules())
    assert [(r.code, r.importance) for r in turned.rows] == [("C2", "重点"), ("C1", "一般")]
    assert turned.rows[1].override == {"importance": "一般", "reason": "已由乡镇卫生院巡诊覆盖",
                                       "set_by": "王五", "set_at": "2021-09-18"}

"""The crew what-if on tiny counties whose best schedule is known by hand, and the duration rule."""

from __future__ import annotations

from shapely.geometry import Point

from geo.rank.core import RankInputs, rank
from geo.rank.plan import build_plan
from geo.rank.schedule import assign, durations, simulate
from tests.helpers.county import SEAT, asset, households, inputs, line, rules, village

V = "4111211002"
WEST = (113.58, 33.40)


def tiny_county() -> RankInputs:
    """A bridge to 孤村 (6 脱贫户, 2 days), a clinic for 医村 (4 households, 1 day) and a telecom
    site for 医村 (1 day; communications are not a basic service)."""
    roads = [asset(1, "BRIDGE", "not_started", line(SEAT, WEST), route_code="C001", est_days=2.0)]
    site = {"villages_served": [V + "02"], "est_days": 1.0}
    clinic = asset(2, "CLINIC", "not_started", Point(113.62, 33.41), kind="village", **site)
    tower = asset(3, "TOWER", "not_started", Point(113.62, 33.41), kind="base_station", **site)
    vils = [village(V + "01", "孤村", *WEST), village(V + "02", "医村", 113.62, 33.41)]
    hh = households(V + "01", 6, *WEST, "tuopin") + households(V + "02", 4, 113.62, 33.41)
    return inputs(vils, hh, [("roads", roads), ("clinics", [clinic]), ("telecom_sites", [tower])])


def test_two_crews_reach_the_best_schedule_known_by_hand() -> None:
    """Two crews: the bridge (day 1-2) and the clinic (day 1), the tower on day 2. Nobody can do
    better: 孤村 waits 2 days x 6 households, 医村 1 day x 4 = 16 household-days."""
    scen = tiny_county()
    result = rank(scen, rules())
    assert [(r.code, r.task) for r in result.rows][:3] == \
        [("BRIDGE", "抢通"), ("CLINIC", "修复"), ("TOWER", "修复")]
    plan = result.plan
    assert plan is not None
    s = simulate(plan, result.order, crews=2)
    assert s.household_days == 16.0
    assert [(d.day, d.households_without, d.key_without) for d in s.days[:3]] == \
        [(0, 10, 6), (1, 6, 6), (2, 0, 0)]
    assert s.affected == 10 and s.day_all_back() == 2
    key = plan.people.key
    assert sorted(s.restored_day[key].tolist()) == [2] * 6  # each 脱贫户 of 孤村: day 2
    assert [(plan.tasks[t].code, crew, first, last) for t, crew, first, last in s.task_days[:3]] == \
        [("BRIDGE", 0, 1, 2), ("CLINIC", 1, 1, 1), ("TOWER", 1, 2, 2)]


def test_one_crew_follows_the_policy_before_household_days() -> None:
    """With one crew the bridge (重点: a cut-off village) still goes first: 6 x 2 + 4 x 3 = 24
    household-days, where the clinic first would give 4 x 1 + 6 x 3 = 22. 先重点后一般 is the
    policy; the README says so."""
    scen = tiny_county()
    result = rank(scen, rules())
    plan = result.plan
    assert plan is not None
    assert result.rows[0].importance == "重点" and result.rows[1].importance == "一般"
    assert simulate(plan, result.order, crews=1).household_days == 24.0
    by_code = {(t.code, t.task_zh): t.id for t in plan.tasks}
    swapped = [by_code[("CLINIC", "修复")], by_code[("BRIDGE", "抢通")]]
    clinic_first = swapped + [t for t in result.order if t not in swapped]
    assert simulate(plan, clinic_first, crews=1).household_days == 22.0


def test_temporary_water_counts_its_share_of_a_day() -> None:
    vils = [village(V + "01", "送水村", 113.61, 33.45)]
    hh = households(V + "01", 10, 113.61, 33.45)
    plant = asset(1, "W1", "not_started", Point(113.61, 33.45), kind="plant", use="living",
                  villages_served=[V + "01"], emergency_supply=True, est_days=2.0)
    result = rank(inputs(vils, hh, [("water_works", [plant])]), rules())
    assert result.plan is not None
    s = simulate(result.plan, result.order, crews=1)
    assert s.household_days == 6.0  # 10 households x 0.3 x 2 days
    assert [(d.day, d.households_without, d.loss_left) for d in s.days] == [(0, 10, 3.0), (2, 0, 0.0)]


def test_durations_follow_the_rule_or_the_task_estimate() -> None:
    vils = [village(V + "01", "村1", 113.62, 33.40)]
    roads = [asset(1, "R1", "opening", line(SEAT, (113.62, 33.40)), route_code="C001",
                   length_m=1500.0, severity="severe")]
    sites = [asset(2, "C1", "repairing", Point(113.62, 33.40), kind="village",
                   villages_served=[V + "01"]),
             asset(3, "C2", "not_started", Point(113.62, 33.40), kind="village",
                   villages_served=[V + "01"], est_days=2.2)]
    plan = build_plan(inputs(vils, [], [("roads", roads), ("clinics", sites)]), rules())
    days = {(t.code, t.task_zh): d for t, d in zip(plan.tasks, durations(plan), strict=True)}
    # 抢通 under way: (2 + 2 x 1.5 km) x severe 1.5 x half left = 3.75 → 4
    # its 修复 has not begun: (15 + 10 x 1.5) x 1.5 = 45; a clinic under repair: 5 x 0.5 → 3
    assert days == {("R1", "抢通"): 4, ("R1", "修复"): 45, ("C1", "修复"): 3, ("C2", "修复"): 3}


def test_tasks_go_in_queue_order_to_the_crew_free_first() -> None:
    assert assign([0, 1, 2, 3], [3, 1, 1, 2], crews=2) == \
        [(0, 0, 1, 3), (1, 1, 1, 1), (2, 1, 2, 2), (3, 1, 3, 4)]

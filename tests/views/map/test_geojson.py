"""What the map page carries to the browser: escaping, private fields, caps, totals, colours."""

from __future__ import annotations

import pandas as pd
import pytest

from layers import REGISTRY
from tests.helpers.maps import ID_NUMBER, NAMES, PHONE, XSS, households, rendered, roads
from views.map import geojson, render
from views.names import Names


def test_household_text_is_escaped_in_tooltip_and_popup() -> None:
    data = geojson.household_collection(households(), NAMES, "zh")
    props = data["features"][0]["properties"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in props["tip"]
    assert props["n"] == "&lt;img src=x onerror=alert(1)&gt;"
    assert not any("<" in str(v) for v in props.values())
    assert props["p"] == "李&lt;b&gt;帮扶&lt;/b&gt;"
    html = rendered({"households": data})
    assert XSS not in html and "<b>帮扶" not in html


def test_asset_names_are_escaped() -> None:
    data = geojson.asset_collection(REGISTRY.get("roads"), roads(["not_started"]), NAMES, "zh")
    props = data["features"][0]["properties"]
    assert props["n"] == "路&lt;0&gt;&amp;&quot;"
    assert "<0>" not in props["tip"]
    labels = [label for _, label in data["popup_fields"]]
    assert labels[:3] == ["名称", "编码", "状态"]


def test_map_html_carries_no_private_fields() -> None:
    data = geojson.household_collection(households(6), NAMES, "zh")
    allowed = {"fid", "layer", "color", "fill", "tip", *(k for k, _ in geojson.HOUSEHOLD_POPUP)}
    for feature in data["features"]:
        assert set(feature["properties"]) <= allowed
    html = rendered({"households": data})
    for secret in (ID_NUMBER, PHONE, "5271", "id_number", "phone", "income"):
        assert secret not in html


def test_households_above_the_limit_become_village_totals() -> None:
    gdf = households(10)
    data = geojson.household_collection(gdf, NAMES, "zh", limit=5)
    assert data["aggregated"] is True and data["total"] == 10
    counts = {f["properties"]["fid"]: f for f in data["features"]}
    assert len(counts) == 2  # two villages
    village = counts["village_totals:411121102201"]["properties"]
    assert "沙河湾村" in village["tip"]
    # ids 1..10: every fourth household lives in the second village (i % 4 == 0 → 0, 4, 8)
    assert "7 户" in village["tip"]
    assert village["c"] == 7
    shown = geojson.household_collection(gdf, NAMES, "zh", limit=50)
    assert shown["aggregated"] is False and len(shown["features"]) == 10


def test_asset_layer_is_capped_with_open_work_first() -> None:
    gdf = roads(["done", "accepted", "not_started", None, "opening"])
    data = geojson.asset_collection(REGISTRY.get("roads"), gdf, NAMES, "zh", limit=2)
    assert data["total"] == 5
    assert [f["properties"]["status"] for f in data["features"]] == ["not_started", "opening"]


def test_roads_are_coloured_by_status() -> None:
    data = geojson.asset_collection(REGISTRY.get("roads"), roads(["not_started", "done", None]),
                                         NAMES, "zh")
    colours = [f["properties"]["color"] for f in data["features"]]
    assert colours == [geojson.STATUS_COLORS["not_started"], geojson.STATUS_COLORS["done"],
                       geojson.UNDAMAGED_COLOR]


@pytest.mark.parametrize(("raw", "masked"), [
    ("41112119800101123X", "4111**********123X"),
    ("411121199001011234", "4111**********1234"),
    (None, ""),
    ("1234567", "*******"),
])
def test_id_numbers_are_masked(raw: str | None, masked: str) -> None:
    assert geojson.mask_id_number(raw) == masked


def test_layer_budgets_share_the_cap_fairly() -> None:
    assert geojson.layer_budgets({"roads": 800, "schools": 200}, budget=3000) == {
        "roads": 800, "schools": 200}
    shared = geojson.layer_budgets({"roads": 8000, "schools": 2000, "clinics": 10}, budget=3000)
    assert shared == {"roads": 2397, "schools": 599, "clinics": geojson.MIN_PER_LAYER}
    assert sum(shared.values()) <= 3000 + geojson.MIN_PER_LAYER


def test_too_many_villages_are_totalled_per_township(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"village_code": "411121102201", "x": 113.6, "y": 33.5, "n": 3, "monitored": 1,
             "at_risk": 2},
            {"village_code": "411121102202", "x": 113.7, "y": 33.6, "n": 1, "monitored": 0,
             "at_risk": 0}]
    names = Names({"411121102": "北舞渡镇"}, {"411121102201": "沙河湾村"},
                  {"411121102201": "411121102", "411121102202": "411121102"})
    assert len(geojson.totals_collection(rows, 4, names, "zh")["features"]) == 2
    monkeypatch.setattr(geojson, "VILLAGE_TOTALS_LIMIT", 1)
    data = geojson.totals_collection(rows, 4, names, "zh")
    [feature] = data["features"]
    assert feature["properties"]["n"] == "北舞渡镇" and feature["properties"]["c"] == 4
    assert feature["geometry"]["coordinates"] == pytest.approx([113.625, 33.525])


@pytest.mark.parametrize(("n", "largest", "radius"), [
    (100, 100, geojson.BUBBLE_MAX_PX),   # the largest village gets the largest circle
    (25, 100, geojson.BUBBLE_MAX_PX / 2),  # a quarter of the households: half the radius
    (1, 10_000, geojson.BUBBLE_MIN_PX),  # never smaller than visible
    (0, 100, geojson.BUBBLE_MIN_PX),
    (500, 100, geojson.BUBBLE_MAX_PX),   # capped
])
def test_bubble_radius_grows_with_the_square_root_and_is_capped(
        n: int, largest: int, radius: float) -> None:
    assert geojson.bubble_radius(n, largest) == pytest.approx(radius, abs=0.05)


def test_village_circles_are_small_proportional_and_coloured_by_risk_share() -> None:
    villages = [(154, 0), (36, 1), (9, 9), (1, 0), (64, 10)]  # households, at risk
    rows = [{"village_code": f"4111211022{i:02d}", "x": 113.6 + i / 100, "y": 33.5, "n": n,
             "monitored": 0, "at_risk": risk} for i, (n, risk) in enumerate(villages)]
    data = geojson.totals_collection(rows, sum(n for n, _ in villages), NAMES, "zh")
    props = [f["properties"] for f in data["features"]]
    radii = [p["radius"] for p in props]
    assert radii[0] == geojson.BUBBLE_MAX_PX
    assert all(geojson.BUBBLE_MIN_PX <= r <= geojson.BUBBLE_MAX_PX for r in radii)
    assert radii[4] / radii[1] == pytest.approx(8 / 6, rel=0.02)  # √64 / √36
    assert radii[3] == geojson.BUBBLE_MIN_PX
    fills = [p["fill"] for p in props]
    colours = dict(geojson.SHARE_COLORS)
    assert fills == [colours[0.0], colours[0.0001], colours[0.30], colours[0.0], colours[0.10]]
    style = render._style(data["features"][0])
    assert style["fillOpacity"] <= 0.6 and style["weight"] <= 1
    assert style["radius"] == geojson.BUBBLE_MAX_PX


def test_household_colours_never_repeat_a_repair_status_colour() -> None:
    household = {c for _, c in geojson.RISK_COLORS} | {c for _, c in geojson.SHARE_COLORS}
    assert not household & set(geojson.STATUS_COLORS.values())


def test_a_household_popup_lists_its_open_problems_and_counts_them() -> None:
    gdf = households(2)
    # household 2 has no raised flag; its open 收入 and 饮水 problems colour it all the same
    problems = {2: [("water", "to_verify"), ("income", "in_progress")], 1: [("housing", "open")]}
    data = geojson.household_collection(gdf, NAMES, "zh", problems=problems)
    first, second = (f["properties"] for f in data["features"])
    assert second["q"] == "饮水安全·待核实；收入·处理中" and second["fill"] == geojson.RISK_COLORS[2][1]
    # household 1: flags housing and water, and an open housing problem — two points, not three
    assert first["q"] == "住房安全·待处理" and first["tip"].endswith("，2）")
    assert ("q", "未销号问题") in data["popup_fields"]
    html = rendered({"households": data})
    assert ID_NUMBER not in html and PHONE not in html and "饮水安全·待核实" in html


def test_a_patched_layer_is_the_layer_drawn_again() -> None:
    """After an edit, an uncut layer's drawing is patched: the edited features drawn again, one
    that joins the set drawn, one that leaves it and one without geometry left out, every other
    feature kept from before."""
    layer = REGISTRY.get("roads")
    before = roads(["not_started", "opening", "opened", "done", "assess"])
    before.loc[4, "geom"] = None
    after = before.copy()
    after.loc[1, "status"] = "opened"  # the edit
    after = after.drop(index=2)  # left the filtered set
    joined = roads(["not_started"] * 7).iloc[[6]].assign(status="repairing")  # joined it
    after = pd.concat([after, joined]).sort_values("id").reset_index(drop=True)
    old = geojson.asset_collection(layer, before, NAMES, "en")
    patched = geojson.patched_asset_collection(layer, after, old, {2}, NAMES, "en")
    assert patched == geojson.asset_collection(layer, after, NAMES, "en")
    assert [f["properties"]["fid"] for f in patched["features"]] == \
        ["roads:1", "roads:2", "roads:4", "roads:7"]
    assert patched["features"][0] is old["features"][0]  # kept, not drawn again
    assert patched["features"][1]["properties"]["status"] == "opened"


def test_a_patched_layer_may_become_empty() -> None:
    """The only feature of a filtered layer leaves it (its status no longer chosen)."""
    layer = REGISTRY.get("roads")
    before = roads(["not_started"])
    old = geojson.asset_collection(layer, before, NAMES, "zh")
    patched = geojson.patched_asset_collection(layer, before.iloc[0:0], old, {1}, NAMES, "zh")
    assert patched == geojson.asset_collection(layer, before.iloc[0:0], NAMES, "zh")
    assert patched["features"] == [] and patched["total"] == 0

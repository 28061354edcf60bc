"""The legend beside the map: every status, layer and household class, as they are drawn."""

from __future__ import annotations

from layers import REGISTRY
from tests.helpers.maps import NAMES, households
from views.map import geojson, legend


def test_legend_lists_statuses_and_layers() -> None:
    text = legend.legend_html("zh")
    for label in ("未开工", "已完工", "学校", "监测对象"):
        assert label in text


def test_legend_matches_what_is_drawn() -> None:
    each = legend.legend_items("zh", "each")
    totals = legend.legend_items("zh", "totals")
    colours = {c for _, c, _ in each}
    assert set(geojson.STATUS_COLORS.values()) | set(geojson.DEPTH_COLORS.values()) <= colours
    assert {c for _, c in geojson.RISK_COLORS} <= colours
    assert (geojson.UNDAMAGED_COLOR, "thin") in {(c, s) for _, c, s in each}
    assert ("乡镇", REGISTRY.get("townships").style.color, "dash") in each
    bubbles = [(label, c) for label, c, shape in totals if shape == "bubble"]
    assert [c for _, c in bubbles] == [c for _, c in geojson.SHARE_COLORS]
    assert [label for label, _ in bubbles] == ["无风险户", "有风险户 >0–10%", "有风险户 10%–30%",
                                               "有风险户 ≥30%"]
    assert "dot" not in {shape for _, _, shape in totals}  # no single households drawn
    assert "监测对象" not in legend.legend_html("zh", "totals")
    assert "农户" not in legend.legend_html("zh", "none")
    assert legend.households_mode({}) == "none"
    assert legend.households_mode(
        {"households": geojson.household_collection(households(3), NAMES, "zh")}) == "each"
    assert "Households per village" in legend.legend_html("en", "totals")

"""The map's building blocks without a database: escaping, private fields, offline assets, clicks."""

from __future__ import annotations

from pathlib import Path

import folium
import geopandas as gpd
import pytest
import shapely

from geo.settings import get_settings
from layers import REGISTRY, mapview
from layers.i18n import LANGS, STRINGS, t
from layers.mapview import MapFilter, Names

XSS = "<img src=x onerror=alert(1)>"
ID_NUMBER = "41112119800101123X"
PHONE = "13800000000"
INCOME = 5271.0
NAMES = Names({"411121102": "北舞渡镇"}, {"411121102201": "沙河湾村"},
              {"411121102201": "411121102"})


def households(n: int = 2, village: str = "411121102201") -> gpd.GeoDataFrame:
    rows = []
    for i in range(n):
        rows.append({
            "id": i + 1, "code": f"H-{i:03d}", "head_name": XSS if i == 0 else f"户主{i}",
            "id_number": ID_NUMBER, "phone": PHONE, "income_per_capita": INCOME,
            "members": 3, "category": "monitored" if i % 2 == 0 else "tuopin",
            "monitor_kind": "sudden" if i % 2 == 0 else None,
            "risk_food": False, "risk_clothing": False, "risk_education": False,
            "risk_medical": False, "risk_housing": i % 2 == 0, "risk_water": i % 3 == 0,
            "house_grade": "D", "flood_damage": "severe", "helper": "李<b>帮扶</b>",
            "village_code": village if i % 4 else "411121102202",
            "geom": shapely.Point(113.6 + i * 1e-4, 33.5 + i * 1e-4),
        })
    return gpd.GeoDataFrame(rows, geometry="geom", crs=4490)


def roads(statuses: list[str | None]) -> gpd.GeoDataFrame:
    rows = []
    for i, status in enumerate(statuses):
        rows.append({
            "id": i + 1, "code": f"X{i:03d}", "name": f"路<{i}>&\"", "township_code": "411121102",
            "status": status, "severity": "severe", "deadline": None, "resp_unit": "交通局",
            "geom": shapely.LineString([(113.6 + i * 0.01, 33.5), (113.61 + i * 0.01, 33.51)]),
        })
    return gpd.GeoDataFrame(rows, geometry="geom", crs=4490)


def rendered(collections: dict[str, dict]) -> str:
    """The whole map page as folium renders it (base map plus the feature groups)."""
    m = mapview.base_map({}, get_settings({}), "zh")
    for group in mapview.feature_groups(collections, "zh"):
        group.add_to(m)
    return m.get_root().render()


def test_household_text_is_escaped_in_tooltip_and_popup() -> None:
    data = mapview.household_collection(households(), NAMES, "zh")
    props = data["features"][0]["properties"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in props["tip"]
    assert props["n"] == "&lt;img src=x onerror=alert(1)&gt;"
    assert not any("<" in str(v) for v in props.values())
    assert props["p"] == "李&lt;b&gt;帮扶&lt;/b&gt;"
    html = rendered({"households": data})
    assert XSS not in html and "<b>帮扶" not in html


def test_asset_names_are_escaped() -> None:
    data = mapview.asset_collection(REGISTRY.get("roads"), roads(["not_started"]), NAMES, "zh")
    props = data["features"][0]["properties"]
    assert props["n"] == "路&lt;0&gt;&amp;&quot;"
    assert "<0>" not in props["tip"]
    labels = [label for _, label in data["popup_fields"]]
    assert labels[:3] == ["名称", "编码", "状态"]


def test_map_html_carries_no_private_fields() -> None:
    data = mapview.household_collection(households(6), NAMES, "zh")
    allowed = {"fid", "layer", "color", "fill", "tip", *(k for k, _ in mapview.HOUSEHOLD_POPUP)}
    for feature in data["features"]:
        assert set(feature["properties"]) <= allowed
    html = rendered({"households": data})
    for secret in (ID_NUMBER, PHONE, "5271", "id_number", "phone", "income"):
        assert secret not in html


def test_map_loads_only_vendored_assets_and_they_exist() -> None:
    data = {"roads": mapview.asset_collection(REGISTRY.get("roads"), roads(["done"]), NAMES,
                                              "zh")}
    m = mapview.base_map({}, get_settings({}), "zh")
    groups = mapview.feature_groups(data, "zh")
    assert mapview.external_urls(m, *groups, folium.LayerControl()) == []
    html = m.get_root().render()
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html and "code.jquery" not in html
    for _, url in mapview.VENDOR_JS + mapview.VENDOR_CSS:
        path = mapview.STATIC_DIR / url.removeprefix(mapview.STATIC_URL + "/")
        assert path.is_file(), path
        licenses = list(path.parent.glob("LICENSE*")) + list(path.parent.parent.glob("LICENSE*"))
        assert licenses, f"no license beside {path}"


def test_basemap_choices() -> None:
    assert mapview.tile_layers(get_settings({})) == []
    osm = mapview.tile_layers(get_settings({"TRACKER_BASEMAP": "osm"}))
    assert len(osm) == 1 and "openstreetmap" in osm[0].tiles
    tdt = mapview.tile_layers(get_settings({"TRACKER_BASEMAP": "tianditu",
                                            "TRACKER_TIANDITU_KEY": "abc123"}))
    urls = [layer.tiles for layer in tdt]
    assert any("vec_w" in u for u in urls) and any("cva_w" in u for u in urls)
    assert all("tk=abc123" in u and "TILEMATRIXSET=w" in u for u in urls)
    assert all(layer.options.get("subdomains") == "01234567" for layer in tdt)


def test_households_above_the_limit_become_village_totals() -> None:
    gdf = households(10)
    data = mapview.household_collection(gdf, NAMES, "zh", limit=5)
    assert data["aggregated"] is True and data["total"] == 10
    counts = {f["properties"]["fid"]: f for f in data["features"]}
    assert len(counts) == 2  # two villages
    village = counts["village_totals:411121102201"]["properties"]
    assert "沙河湾村" in village["tip"]
    # ids 1..10: every fourth household lives in the second village (i % 4 == 0 → 0, 4, 8)
    assert "7 户" in village["tip"]
    assert village["c"] == 7
    shown = mapview.household_collection(gdf, NAMES, "zh", limit=50)
    assert shown["aggregated"] is False and len(shown["features"]) == 10


def test_asset_layer_is_capped_with_open_work_first() -> None:
    gdf = roads(["done", "accepted", "not_started", None, "opening"])
    data = mapview.asset_collection(REGISTRY.get("roads"), gdf, NAMES, "zh", limit=2)
    assert data["total"] == 5
    assert [f["properties"]["status"] for f in data["features"]] == ["not_started", "opening"]


def test_roads_are_coloured_by_status() -> None:
    data = mapview.asset_collection(REGISTRY.get("roads"), roads(["not_started", "done", None]),
                                    NAMES, "zh")
    colours = [f["properties"]["color"] for f in data["features"]]
    assert colours == [mapview.STATUS_COLORS["not_started"], mapview.STATUS_COLORS["done"],
                       mapview.UNDAMAGED_COLOR]


def test_click_resolves_from_the_clicked_feature() -> None:
    shown = {"roads": mapview.asset_collection(REGISTRY.get("roads"), roads(["done", "done"]),
                                               NAMES, "zh")}
    hit = {"last_active_drawing": {"type": "Feature", "properties": {"fid": "roads:2"}},
           "last_object_clicked": {"lat": 0, "lng": 0}}
    assert mapview.resolve_click(hit, shown) == ("roads", 2)


def test_click_falls_back_to_the_nearest_shown_feature() -> None:
    shown = {"roads": mapview.asset_collection(REGISTRY.get("roads"), roads(["done", "done"]),
                                               NAMES, "zh")}
    near_second = {"last_active_drawing": None,
                   "last_object_clicked": {"lat": 33.505, "lng": 113.615}}
    assert mapview.resolve_click(near_second, shown) == ("roads", 2)
    far = {"last_object_clicked": {"lat": 30.0, "lng": 110.0}}
    assert mapview.resolve_click(far, shown) is None
    assert mapview.resolve_click(None, shown) is None
    not_shown = {"last_active_drawing": {"properties": {"fid": "roads:99"}}}
    assert mapview.resolve_click(not_shown, shown) is None
    bogus = {"last_active_drawing": {"properties": {"fid": "nosuchlayer:1"}}}
    assert mapview.resolve_click(bogus, shown) is None


@pytest.mark.parametrize(("raw", "masked"), [
    ("41112119800101123X", "4111**********123X"),
    ("411121199001011234", "4111**********1234"),
    (None, ""),
    ("1234567", "*******"),
])
def test_id_numbers_are_masked(raw: str | None, masked: str) -> None:
    assert mapview.mask_id_number(raw) == masked


def test_filter_round_trips_through_its_cache_key() -> None:
    f = MapFilter(("done",), ("roads",), ("411121102",), (), ("重点",), ("应急",), True)
    assert MapFilter.from_key(f.key()) == f
    assert f.needs_queue and not MapFilter().needs_queue
    assert [la.name for la in f.asset_layers()] == ["roads"]
    assert not f.shows_households and MapFilter().shows_households


def test_every_string_has_both_languages() -> None:
    for key, entry in STRINGS.items():
        assert set(entry) == set(LANGS), key
    assert t("count_assets", "en", n=3) == "Matching assets: 3"
    assert t("count_assets", "xx", n=3) == t("count_assets", "zh", n=3)


def test_legend_lists_statuses_and_layers() -> None:
    text = mapview.legend_html("zh")
    for label in ("未开工", "已完工", "学校", "监测对象"):
        assert label in text


def test_vendor_readme_names_every_directory() -> None:
    readme = (mapview.STATIC_DIR / "README.md").read_text(encoding="utf-8")
    for directory in Path(mapview.STATIC_DIR).iterdir():
        if directory.is_dir():
            assert directory.name in readme


def test_layer_budgets_share_the_cap_fairly() -> None:
    assert mapview.layer_budgets({"roads": 800, "schools": 200}, budget=3000) == {
        "roads": 800, "schools": 200}
    shared = mapview.layer_budgets({"roads": 8000, "schools": 2000, "clinics": 10}, budget=3000)
    assert shared == {"roads": 2397, "schools": 599, "clinics": mapview.MIN_PER_LAYER}
    assert sum(shared.values()) <= 3000 + mapview.MIN_PER_LAYER


def test_too_many_villages_are_totalled_per_township(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"village_code": "411121102201", "x": 113.6, "y": 33.5, "n": 3, "monitored": 1,
             "at_risk": 2},
            {"village_code": "411121102202", "x": 113.7, "y": 33.6, "n": 1, "monitored": 0,
             "at_risk": 0}]
    names = Names({"411121102": "北舞渡镇"}, {"411121102201": "沙河湾村"},
                  {"411121102201": "411121102", "411121102202": "411121102"})
    assert len(mapview.totals_collection(rows, 4, names, "zh")["features"]) == 2
    monkeypatch.setattr(mapview, "VILLAGE_TOTALS_LIMIT", 1)
    data = mapview.totals_collection(rows, 4, names, "zh")
    [feature] = data["features"]
    assert feature["properties"]["n"] == "北舞渡镇" and feature["properties"]["c"] == 4
    assert feature["geometry"]["coordinates"] == pytest.approx([113.625, 33.525])

"""The map's building blocks without a database: escaping, private fields, offline assets, clicks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


# --- the view, the household circles and the drawing order ---------------------------------
def frame(layer: str, features: list[tuple[str, shapely.Geometry]]) -> dict[str, Any]:
    """A frame layer as frame_collection builds it, from (code, polygon) pairs."""
    spec = REGISTRY.get(layer)
    rows = [{"id": i + 1, "code": code, "name": f"{code}名", "township_code": "411121102",
             "geom": geom} for i, (code, geom) in enumerate(features)]
    gdf = gpd.GeoDataFrame(rows, geometry="geom", crs=4490)
    return mapview.frame_collection(spec, gdf, NAMES, "zh")


def pixel_extent(bounds: tuple[float, float, float, float], center: tuple[float, float],
                 zoom: float) -> tuple[float, float, float, float]:
    """Where bounds land on a map of MAP_SIZE_PX centred at ``center`` and ``zoom``: the
    pixel x of west and east and y of north and south (Web Mercator, as Leaflet draws)."""
    scale = 256 * 2 ** zoom
    width, height = mapview.MAP_SIZE_PX

    def px(lon: float, lat: float) -> tuple[float, float]:
        x = (lon - center[1]) / 360 * scale + width / 2
        y = (mapview._mercator_y(lat) - mapview._mercator_y(center[0])) * scale + height / 2
        return x, y

    (west, north), (east, south) = px(bounds[0], bounds[3]), px(bounds[2], bounds[1])
    return west, east, north, south


@pytest.mark.parametrize("bounds", [
    (113.35, 33.25, 113.85, 33.65),   # the county: taller than wide on screen
    (113.60, 33.55, 113.75, 33.58),   # a wide flat township
    (113.650, 33.600, 113.652, 33.6015),  # one small village
])
def test_view_fits_the_bounds_as_tightly_as_the_zoom_steps_allow(
        bounds: tuple[float, float, float, float]) -> None:
    center, zoom = mapview.fit_view(bounds)
    width, height = mapview.MAP_SIZE_PX
    pad = mapview.FIT_PADDING_PX
    west, east, north, south = pixel_extent(bounds, center, zoom)
    assert pad - 1 <= west and east <= width - pad + 1
    assert pad - 1 <= north and south <= height - pad + 1
    # centred: equal margins left/right and top/bottom
    assert west == pytest.approx(width - east, abs=1)
    assert north == pytest.approx(height - south, abs=1)
    assert zoom % mapview.ZOOM_SNAP == 0
    if zoom < mapview.MAX_FIT_ZOOM:  # one snap step closer and the bounds no longer fit
        west, east, north, south = pixel_extent(bounds, center, zoom + mapview.ZOOM_SNAP)
        assert west < pad or east > width - pad or north < pad or south > height - pad


def test_view_of_a_point_is_the_closest_fit_zoom() -> None:
    center, zoom = mapview.fit_view((113.6, 33.5, 113.6, 33.5))
    assert center == pytest.approx((33.5, 113.6)) and zoom == mapview.MAX_FIT_ZOOM


def test_view_follows_the_place_filter_through_the_boundaries() -> None:
    county_box = shapely.box(113.3, 33.2, 113.9, 33.7)
    town_a, town_b = shapely.box(113.3, 33.2, 113.5, 33.4), shapely.box(113.7, 33.5, 113.9, 33.7)
    village = shapely.box(113.31, 33.21, 113.33, 33.22)
    frames = {"county": frame("county", [("411121", county_box)]),
              "townships": frame("townships", [("411121102", town_a), ("411121103", town_b)]),
              "villages": frame("villages", [("411121102201", village)])}
    seats = {"411121102": (33.3, 113.4), "411121999": (33.0, 113.0)}

    def view(**filters: Any) -> tuple[tuple[float, float], float]:
        return mapview.view_for(MapFilter(**filters), NAMES, seats, frames)

    assert view() == mapview.fit_view(county_box.bounds)
    assert view(townships=("411121102",)) == mapview.fit_view(town_a.bounds)
    both = shapely.union(town_a, town_b).bounds
    assert view(townships=("411121102", "411121103")) == mapview.fit_view(both)
    assert view(townships=("411121102",), villages=("411121102201",)) == \
        mapview.fit_view(village.bounds)
    assert view(villages=("411121102201",)) == mapview.fit_view(village.bounds)
    # a status or layer filter never moves the map
    assert view(statuses=("done",), layers=("roads",)) == view()
    # a township without a drawn boundary: its seat; with neither, the county
    assert view(townships=("411121999",)) == (seats["411121999"], mapview.TOWNSHIP_ZOOM)
    assert view(townships=("411121000",)) == view()
    # zoomed in further for a township than for the county, further still for a village
    assert view()[1] < view(townships=("411121102",))[1] < view(villages=("411121102201",))[1]
    # no boundaries at all: the fixed county view
    assert mapview.view_for(MapFilter(), NAMES, {}, {}) == (mapview.COUNTY_CENTER,
                                                            mapview.COUNTY_ZOOM)


def test_base_map_opens_on_the_county_with_fractional_zoom() -> None:
    county_box = shapely.box(113.3, 33.2, 113.9, 33.7)
    frames = {"county": frame("county", [("411121", county_box)])}
    m = mapview.base_map(frames, get_settings({}), "zh")
    center, zoom = mapview.fit_view(county_box.bounds)
    assert tuple(m.location) == pytest.approx(center)
    assert m.options["zoom"] == zoom and m.options["zoom_snap"] == mapview.ZOOM_SNAP
    assert "zoomSnap" in m.get_root().render()


def test_frame_features_carry_their_escaped_code_for_fitting() -> None:
    data = frame("townships", [("<b>1</b>", shapely.box(0, 0, 1, 1))])
    assert data["features"][0]["properties"]["code"] == "&lt;b&gt;1&lt;/b&gt;"
    assert mapview.frame_bounds({"townships": data}, "townships", ["<b>1</b>"]) == \
        pytest.approx((0, 0, 1, 1))
    assert mapview.frame_bounds({"townships": data}, "townships", ["other"]) is None


def test_township_labels_are_escaped_inside_and_not_interactive() -> None:
    town = shapely.Polygon([(113.3, 33.2), (113.5, 33.2), (113.5, 33.25), (113.35, 33.25),
                            (113.35, 33.4), (113.3, 33.4)])  # an L: its centroid lies outside
    data = frame("townships", [("411121102", town)])
    data["features"][0]["properties"]["tip"] = mapview.esc(XSS)
    [(location, text)] = mapview.label_points(data)
    assert town.contains(shapely.Point(location[1], location[0]))
    assert text == "&lt;img src=x onerror=alert(1)&gt;"
    m = mapview.base_map({"townships": data}, get_settings({}), "zh")
    html = m.get_root().render()
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html  # as text only
    assert "interactive: false" in html and f'"{mapview.LABEL_CLASS}"' in html
    assert mapview.external_urls(m) == []
    folium.LayerControl().add_to(m)  # the labels can be switched off in the layer control
    assert '"\\u4e61\\u9547\\u540d\\u79f0" : feature_group' in m.get_root().render()  # 乡镇名称


@pytest.mark.parametrize(("n", "largest", "radius"), [
    (100, 100, mapview.BUBBLE_MAX_PX),   # the largest village gets the largest circle
    (25, 100, mapview.BUBBLE_MAX_PX / 2),  # a quarter of the households: half the radius
    (1, 10_000, mapview.BUBBLE_MIN_PX),  # never smaller than visible
    (0, 100, mapview.BUBBLE_MIN_PX),
    (500, 100, mapview.BUBBLE_MAX_PX),   # capped
])
def test_bubble_radius_grows_with_the_square_root_and_is_capped(
        n: int, largest: int, radius: float) -> None:
    assert mapview.bubble_radius(n, largest) == pytest.approx(radius, abs=0.05)


def test_village_circles_are_small_proportional_and_coloured_by_risk_share() -> None:
    villages = [(154, 0), (36, 1), (9, 9), (1, 0), (64, 10)]  # households, at risk
    rows = [{"village_code": f"4111211022{i:02d}", "x": 113.6 + i / 100, "y": 33.5, "n": n,
             "monitored": 0, "at_risk": risk} for i, (n, risk) in enumerate(villages)]
    data = mapview.totals_collection(rows, sum(n for n, _ in villages), NAMES, "zh")
    props = [f["properties"] for f in data["features"]]
    radii = [p["radius"] for p in props]
    assert radii[0] == mapview.BUBBLE_MAX_PX
    assert all(mapview.BUBBLE_MIN_PX <= r <= mapview.BUBBLE_MAX_PX for r in radii)
    assert radii[4] / radii[1] == pytest.approx(8 / 6, rel=0.02)  # √64 / √36
    assert radii[3] == mapview.BUBBLE_MIN_PX
    fills = [p["fill"] for p in props]
    colours = dict(mapview.SHARE_COLORS)
    assert fills == [colours[0.0], colours[0.0001], colours[0.30], colours[0.0], colours[0.10]]
    style = mapview._style(data["features"][0])
    assert style["fillOpacity"] <= 0.6 and style["weight"] <= 1
    assert style["radius"] == mapview.BUBBLE_MAX_PX


def test_household_colours_never_repeat_a_repair_status_colour() -> None:
    household = {c for _, c in mapview.RISK_COLORS} | {c for _, c in mapview.SHARE_COLORS}
    assert not household & set(mapview.STATUS_COLORS.values())


def test_households_are_drawn_below_the_infrastructure() -> None:
    order = mapview.drawing_order()
    assert sorted(order) == sorted(REGISTRY.names)
    assert order.index("households") < min(order.index(la.name) for la in REGISTRY.repairable())
    collections = {
        "roads": mapview.asset_collection(REGISTRY.get("roads"), roads(["not_started"]), NAMES,
                                          "zh"),
        "households": mapview.household_collection(households(10), NAMES, "zh", limit=5),
    }
    groups = mapview.feature_groups(collections, "zh")
    assert [g.layer_name.split(" ")[0] for g in groups] == ["农户（按村汇总的农户）", "水毁公路"]
    # on the one canvas, what is added later is drawn on top: households first in the page too
    html = rendered(collections)
    assert html.index("village_totals:411121102201") < html.index('"roads:1"')


def test_damaged_lines_stand_out_and_undamaged_ones_recede() -> None:
    data = mapview.asset_collection(REGISTRY.get("roads"), roads(["not_started", None]),
                                    NAMES, "zh")
    damaged, intact = (mapview._style(f) for f in data["features"])
    assert damaged["color"] == mapview.STATUS_COLORS["not_started"]
    assert intact["color"] == mapview.UNDAMAGED_COLOR
    assert damaged["weight"] >= 2 * intact["weight"] and damaged["opacity"] > intact["opacity"]


def test_frame_styles_bold_county_dashed_townships_faint_villages_translucent_flood() -> None:
    def style(layer: str, **props: str) -> dict[str, Any]:
        return mapview._style({"type": "Feature", "properties": {"layer": layer, **props},
                               "geometry": None})

    county, towns, villages = style("county"), style("townships"), style("villages")
    flood = style("flood_extent", color=mapview.DEPTH_COLORS["gt2"])
    assert county["weight"] > towns["weight"] > villages["weight"]
    assert towns.get("dashArray") and not county.get("dashArray")
    assert villages["opacity"] < towns["opacity"]
    assert flood["weight"] == 0 and 0 < flood["fillOpacity"] < 0.5
    assert flood["fillColor"] == mapview.DEPTH_COLORS["gt2"]


def test_legend_matches_what_is_drawn() -> None:
    each = mapview.legend_items("zh", "each")
    totals = mapview.legend_items("zh", "totals")
    colours = {c for _, c, _ in each}
    assert set(mapview.STATUS_COLORS.values()) | set(mapview.DEPTH_COLORS.values()) <= colours
    assert {c for _, c in mapview.RISK_COLORS} <= colours
    assert (mapview.UNDAMAGED_COLOR, "thin") in {(c, s) for _, c, s in each}
    assert ("乡镇", REGISTRY.get("townships").style.color, "dash") in each
    bubbles = [(label, c) for label, c, shape in totals if shape == "bubble"]
    assert [c for _, c in bubbles] == [c for _, c in mapview.SHARE_COLORS]
    assert [label for label, _ in bubbles] == ["无风险户", "有风险户 >0–10%", "有风险户 10%–30%",
                                               "有风险户 ≥30%"]
    assert "dot" not in {shape for _, _, shape in totals}  # no single households drawn
    assert "监测对象" not in mapview.legend_html("zh", "totals")
    assert "农户" not in mapview.legend_html("zh", "none")
    assert mapview.households_mode({}) == "none"
    assert mapview.households_mode(
        {"households": mapview.household_collection(households(3), NAMES, "zh")}) == "each"
    assert "Households per village" in mapview.legend_html("en", "totals")

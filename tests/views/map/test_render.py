"""The map as folium objects: offline assets, basemaps, labels, styles, drawing order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import folium
import pytest
import shapely

from geo.settings import get_settings
from layers import REGISTRY
from tests.helpers.maps import NAMES, XSS, frame, households, rendered, roads
from views.i18n import LANGS, STRINGS, t
from views.map import geojson, legend, render, viewport


def test_map_loads_only_vendored_assets_and_they_exist() -> None:
    data = {"roads": geojson.asset_collection(REGISTRY.get("roads"), roads(["done"]), NAMES,
                                                   "zh")}
    m = render.base_map({}, get_settings({}), "zh")
    groups = render.feature_groups(data, "zh")
    assert render.external_urls(m, *groups, folium.LayerControl()) == []
    html = m.get_root().render()
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html and "code.jquery" not in html
    for _, url in render.VENDOR_JS + render.VENDOR_CSS:
        path = render.STATIC_DIR / url.removeprefix(render.STATIC_URL + "/")
        assert path.is_file(), path
        licenses = list(path.parent.glob("LICENSE*")) + list(path.parent.parent.glob("LICENSE*"))
        assert licenses, f"no license beside {path}"


def test_basemap_choices() -> None:
    assert render.tile_layers(get_settings({})) == []
    osm = render.tile_layers(get_settings({"TRACKER_BASEMAP": "osm"}))
    assert len(osm) == 1 and "openstreetmap" in osm[0].tiles
    tdt = render.tile_layers(get_settings({"TRACKER_BASEMAP": "tianditu",
                                            "TRACKER_TIANDITU_KEY": "abc123"}))
    urls = [layer.tiles for layer in tdt]
    assert any("vec_w" in u for u in urls) and any("cva_w" in u for u in urls)
    assert all("tk=abc123" in u and "TILEMATRIXSET=w" in u for u in urls)
    assert all(layer.options.get("subdomains") == "01234567" for layer in tdt)


def test_every_string_has_both_languages() -> None:
    for key, entry in STRINGS.items():
        assert set(entry) == set(LANGS), key
    assert t("count_assets", "en", n=3) == "Matching assets: 3"
    assert t("count_assets", "xx", n=3) == t("count_assets", "zh", n=3)


def test_vendor_readme_names_every_directory() -> None:
    readme = (render.STATIC_DIR / "README.md").read_text(encoding="utf-8")
    for directory in Path(render.STATIC_DIR).iterdir():
        if directory.is_dir():
            assert directory.name in readme


def test_base_map_opens_on_the_county_with_fractional_zoom() -> None:
    county_box = shapely.box(113.3, 33.2, 113.9, 33.7)
    frames = {"county": frame("county", [("411121", county_box)])}
    m = render.base_map(frames, get_settings({}), "zh")
    center, zoom = viewport.fit_view(county_box.bounds)
    assert tuple(m.location) == pytest.approx(center)
    assert m.options["zoom"] == zoom and m.options["zoom_snap"] == viewport.ZOOM_SNAP
    assert "zoomSnap" in m.get_root().render()


def test_township_labels_are_escaped_inside_and_not_interactive() -> None:
    town = shapely.Polygon([(113.3, 33.2), (113.5, 33.2), (113.5, 33.25), (113.35, 33.25),
                            (113.35, 33.4), (113.3, 33.4)])  # an L: its centroid lies outside
    data = frame("townships", [("411121102", town)])
    data["features"][0]["properties"]["tip"] = geojson.esc(XSS)
    [(location, text)] = render.label_points(data)
    assert town.contains(shapely.Point(location[1], location[0]))
    assert text == "&lt;img src=x onerror=alert(1)&gt;"
    m = render.base_map({"townships": data}, get_settings({}), "zh")
    html = m.get_root().render()
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html  # as text only
    assert "interactive: false" in html and f'"{render.LABEL_CLASS}"' in html
    assert render.external_urls(m) == []
    folium.LayerControl().add_to(m)  # the labels can be switched off in the layer control
    # (written as UTF-8: views.map.render turns off jinja's \\uXXXX escaping of Chinese text)
    assert '"乡镇名称" : feature_group' in m.get_root().render()


def test_households_are_drawn_below_the_infrastructure() -> None:
    order = render.drawing_order()
    assert sorted(order) == sorted(REGISTRY.names)
    assert order.index("households") < min(order.index(la.name) for la in REGISTRY.repairable())
    collections = {
        "roads": geojson.asset_collection(REGISTRY.get("roads"), roads(["not_started"]), NAMES,
                                               "zh"),
        "households": geojson.household_collection(households(10), NAMES, "zh", limit=5),
    }
    groups = render.feature_groups(collections, "zh")
    assert [g.layer_name.split(" ")[0] for g in groups] == ["农户（按村汇总的农户）", "水毁公路"]
    # on the one canvas, what is added later is drawn on top: households first in the page too
    html = rendered(collections)
    assert html.index("village_totals:411121102201") < html.index('"roads:1"')


def test_damaged_lines_stand_out_and_undamaged_ones_recede() -> None:
    data = geojson.asset_collection(REGISTRY.get("roads"), roads(["not_started", None]),
                                         NAMES, "zh")
    damaged, intact = (render._style(f) for f in data["features"])
    assert damaged["color"] == geojson.STATUS_COLORS["not_started"]
    assert intact["color"] == geojson.UNDAMAGED_COLOR
    assert damaged["weight"] >= 2 * intact["weight"] and damaged["opacity"] > intact["opacity"]


def test_frame_styles_bold_county_dashed_townships_faint_villages_translucent_flood() -> None:
    def style(layer: str, **props: str) -> dict[str, Any]:
        return render._style({"type": "Feature", "properties": {"layer": layer, **props},
                               "geometry": None})

    county, towns, villages = style("county"), style("townships"), style("villages")
    flood = style("flood_extent", color=geojson.DEPTH_COLORS["gt2"])
    assert county["weight"] > towns["weight"] > villages["weight"]
    assert towns.get("dashArray") and not county.get("dashArray")
    assert villages["opacity"] < towns["opacity"]
    assert flood["weight"] == 0 and 0 < flood["fillOpacity"] < 0.5
    assert flood["fillColor"] == geojson.DEPTH_COLORS["gt2"]


def test_power_lines_are_dashed_in_every_state_and_the_legend_tells_lines_apart() -> None:
    for status in ("not_started", None):  # an intact 10 kV line is no road either
        style = render._style({"type": "Feature", "properties": {"layer": "power_lines",
                                                                "status": status},
                               "geometry": {"type": "LineString", "coordinates": []}})
        assert style["dashArray"] == REGISTRY.get("power_lines").style.dash
    road = render._style({"type": "Feature", "properties": {"layer": "roads", "status": None},
                          "geometry": {"type": "LineString", "coordinates": []}})
    assert "dashArray" not in road
    for lang in LANGS:
        items = {label: shape for label, _, shape in legend.legend_items(lang)}
        assert items[REGISTRY.get("roads").label(lang)] == "line"
        assert items[REGISTRY.get("power_lines").label(lang)] == "dash"
        assert items[REGISTRY.get("townships").label(lang)] == "dash"


def test_the_scale_bar_is_metric_only() -> None:
    html = render.base_map({}, get_settings({}), "zh").get_root().render()
    assert "L.control.scale({imperial: false, metric: true})" in html
    assert "L.control.scale()" not in html and "imperial: true" not in html


def test_a_border_two_townships_share_is_drawn_once_and_dashed() -> None:
    """Two neighbours' dashed outlines run opposite ways along their shared border, dashes out
    of step, and look solid: the border is drawn once, and the county's edge is left to it."""
    west, east = shapely.box(113.3, 33.2, 113.5, 33.4), shapely.box(113.5, 33.2, 113.7, 33.4)
    towns = frame("townships", [("411121101", west), ("411121102", east)])
    [border] = render.township_borders(towns)["features"]
    line = shapely.geometry.shape(border["geometry"])
    assert line.length == pytest.approx(0.2, abs=1e-4)  # the shared edge x = 113.5, once
    assert line.distance(shapely.Point(113.5, 33.3)) < 1e-9
    assert render._style(border).get("dashArray") == REGISTRY.get("townships").style.dash
    villages = frame("villages", [("411121101201", west)])
    html = render.base_map({"townships": towns, "villages": villages}, get_settings({}),
                           "zh").get_root().render()
    # the villages' thin solid lines lie under the borders, not over their gaps
    assert html.index('"411121101201"') < html.index('"township_borders"')


def test_village_names_are_data_and_shown_only_from_zoom_13() -> None:
    village = frame("villages", [("411121101201", shapely.box(113.3, 33.2, 113.4, 33.3))])
    village["features"][0]["properties"]["name"] = geojson.esc("{{ 7*7 }}" + XSS)
    m = render.base_map({"villages": village}, get_settings({}), "en")
    html = m.get_root().render()
    assert "{{ 7*7 }}&lt;img" in html and XSS not in html  # never compiled, never markup
    assert f'"{render.VILLAGE_LABEL_CLASS}"' in html
    assert f">= {render.VILLAGE_LABEL_ZOOM}" in html and render.VILLAGE_LABEL_ZOOM == 13
    css = render.LABEL_CSS  # hidden unless the container says the map is zoomed in
    assert f".{render.VILLAGE_LABEL_CLASS}{{" in css and "display:none" in css
    assert f".{render.ZOOMED_CLASS} .{render.VILLAGE_LABEL_CLASS}{{display:block}}" in css
    folium.LayerControl().add_to(m)
    assert '"Village names (when zoomed in)" : feature_group' in m.get_root().render()


def test_the_chosen_or_found_village_is_outlined_by_its_own_border() -> None:
    from views.search import FOUND_COLOR, Hit

    shape = shapely.Polygon([(113.3, 33.2), (113.4, 33.2), (113.3, 33.3)])
    frames = {"villages": frame("villages", [("411121101201", shape),
                                             ("411121101202", shapely.box(113.4, 33.2, 113.5, 33.3))])}
    [chosen] = render.chosen_outline(frames, ("411121101201",), None)["features"]
    assert shapely.geometry.shape(chosen["geometry"]).equals(shape)
    assert chosen["properties"]["layer"] == "found"
    assert chosen["properties"]["color"] == FOUND_COLOR
    assert render._style(chosen)["weight"] >= 4
    assert render.chosen_outline(frames, (), None)["features"] == []
    village = Hit("villages", 2, "411121101202", "村", "411121101", (113.4, 33.2, 113.5, 33.3), 90)
    [found] = render.chosen_outline(frames, ("411121101201",), village)["features"]
    assert found["properties"]["code"] == "411121101202"  # the search pick wins over the sidebar
    asset = Hit("schools", 7, "S-1", "小学", "411121101", (113.35, 33.25, 113.35, 33.25), 100)
    [point] = render.chosen_outline(frames, (), asset)["features"]
    assert point["geometry"]["type"] == "Point"


def test_a_narrow_frame_zooms_out_to_the_width_the_view_was_fitted_for() -> None:
    html = render.base_map({}, get_settings({}), "zh").get_root().render()
    assert f"width < {viewport.MAP_SIZE_PX[0]}" in html and "Math.log2" in html
    assert "arguments.length === 2" in html  # st_folium's setView(center, zoom) only

"""Data is never code on the map: no database text reaches a Jinja compiler, none is executed.

branca wraps each element's rendered output in a new template and renders it again; these tests
put template syntax into every text the map carries (county, township, village and flood names,
asset and household fields) and watch every template Jinja compiles while the page is built —
by folium (``get_root().render()``) and by st_folium (the strings it hands the browser).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import folium
import geopandas as gpd
import jinja2
import pytest
import shapely
import streamlit_folium

from geo.settings import get_settings
from layers import REGISTRY
from tests.helpers.nasty import EVALUATED, MARKER, NASTY, payload_values, property_texts
from views.map import geojson, render
from views.names import Names

TOWN, VILLAGE = "411121102", "411121102201"


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every template source Jinja compiles while the test runs."""
    sources: list[str] = []
    original = jinja2.Environment.compile

    def spy(self: jinja2.Environment, source: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(source, str):
            sources.append(source)
        return original(self, source, *args, **kwargs)

    MARKER.unlink(missing_ok=True)
    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    yield sources
    MARKER.unlink(missing_ok=True)


def _frames(names: Names) -> dict[str, dict[str, Any]]:
    box = shapely.box(113.3, 33.2, 113.9, 33.7)
    rows = [{"id": i + 1, "code": f"{VILLAGE[:-1]}{i}", "name": text, "township_code": TOWN,
             "depth_class": "gt2", "geom": box} for i, text in enumerate(NASTY)]
    gdf = gpd.GeoDataFrame(rows, geometry="geom", crs=4490)
    return {name: geojson.frame_collection(REGISTRY.get(name), gdf, names, "zh")
            for name in ("county", "townships", "villages", "flood_extent")}


def _assets(names: Names) -> dict[str, dict[str, Any]]:
    line = shapely.LineString([(113.6, 33.5), (113.61, 33.51)])
    roads = gpd.GeoDataFrame([
        {"id": i + 1, "code": text, "name": text, "township_code": TOWN, "status": "not_started",
         "severity": "severe", "deadline": None, "resp_unit": text, "geom": line}
        for i, text in enumerate(NASTY)], geometry="geom", crs=4490)
    homes = gpd.GeoDataFrame([
        {"id": i + 1, "code": f"H-{i}", "head_name": text, "members": 3, "category": "tuopin",
         "monitor_kind": None, "house_grade": None, "helper": text, "village_code": VILLAGE,
         "geom": shapely.Point(113.6 + i * 1e-4, 33.5)}
        for i, text in enumerate(NASTY)], geometry="geom", crs=4490)
    return {"roads": geojson.asset_collection(REGISTRY.get("roads"), roads, names, "zh"),
            "households": geojson.household_collection(homes, names, "zh")}


def _handed_to_browser(m: folium.Map, groups: list[folium.FeatureGroup],
                       monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What st_folium sends to its component (its transport replaced by a recorder)."""
    sent: dict[str, Any] = {}
    monkeypatch.setattr(streamlit_folium, "_component_func",
                        lambda **kwargs: sent.update(kwargs) or kwargs.get("default"))
    streamlit_folium.st_folium(m, key="map", feature_group_to_add=groups,
                               layer_control=folium.LayerControl(), returned_objects=[])
    return sent


def test_database_text_never_reaches_a_template_compiler(
        compiled: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    names = Names({TOWN: NASTY[1]}, {VILLAGE: NASTY[2]}, {VILLAGE: TOWN})
    frames, assets = _frames(names), _assets(names)
    m = render.base_map(frames, get_settings({}), "zh")
    groups = render.feature_groups(assets, "zh")
    for group in groups:
        group.add_to(m)
    whole_page = m.get_root().render()  # what folium makes of it
    sent = _handed_to_browser(render.base_map(frames, get_settings({}), "zh"),
                              render.feature_groups(assets, "zh"), monkeypatch)

    leaked = [text for text in NASTY if any(text in source for source in compiled)]
    assert leaked == [], "database text was compiled as a template"
    assert not MARKER.exists(), "a template in the data ran a shell command"
    browser = sent["script"] + (sent["feature_group"] or "") + sent["html"] + sent["header"]
    assert EVALUATED not in whole_page and EVALUATED not in browser
    # …and every text arrives literally, in the JSON the browser parses
    for script in (whole_page, browser):
        texts = {html.unescape(t) for t in property_texts(payload_values(script))}
        for text in NASTY:
            assert any(text in t for t in texts), text[:40]


def test_township_labels_keep_template_text_literally(compiled: list[str]) -> None:
    names = Names({TOWN: "北舞渡镇"}, {}, {})
    town = {"townships": _frames(names)["townships"]}
    page = render.base_map(town, get_settings({}), "zh").get_root().render()
    assert EVALUATED not in page and not MARKER.exists()
    assert "{{ 7*7 }}" in page and "{% raw %}" in page
    assert not any("{% raw %}" in source or "{{ 7*7 }}" in source for source in compiled)

"""The map as folium objects, built from the display GeoJSON of ``views.map.geojson``:

- ``base_map`` and ``feature_groups`` turn those dicts into folium objects whose JavaScript and
  CSS come from the app's own /app/static/vendor (county intranets have no internet);
- ``_style`` draws the work so it stands out and the context so it recedes, in drawing order
  (``views.map.legend`` explains those styles beside the map).

No Streamlit here, so it can be tested. Where the map looks and what a click hit are in
``views.map.viewport``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import branca.element
import folium
import jinja2
import shapely

from geo.settings import Settings
from layers import REGISTRY
from views.i18n import t
from views.map.elements import DataElement, DataGeoJson, Verbatim
from views.map.geojson import (
    BUBBLE_MIN_PX,
    MONITORED_OUTLINE,
    PRECISION,
    UNDAMAGED_COLOR,
    esc,
)
from views.map.viewport import MAP_SIZE_PX, ZOOM_SNAP, county_view
from views.search import FOUND_COLOR, PLACES, Hit, highlight

# --- offline assets ---------------------------------------------------------------------
STATIC_URL = "/app/static/vendor"
STATIC_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor"

VENDOR_JS: list[tuple[str, str]] = [
    ("leaflet", f"{STATIC_URL}/leaflet-1.9.4/leaflet.js"),
    ("jquery", f"{STATIC_URL}/jquery-3.7.1/jquery.min.js"),
    ("bootstrap", f"{STATIC_URL}/bootstrap-5.2.2/bootstrap.bundle.min.js"),
    ("awesome_markers", f"{STATIC_URL}/leaflet.awesome-markers-2.0.5/leaflet.awesome-markers.js"),
]
VENDOR_CSS: list[tuple[str, str]] = [
    ("leaflet_css", f"{STATIC_URL}/leaflet-1.9.4/leaflet.css"),
    ("bootstrap_css", f"{STATIC_URL}/bootstrap-5.2.2/bootstrap.min.css"),
    ("awesome_markers_font_css", f"{STATIC_URL}/fontawesome-free-6.2.0/css/all.min.css"),
    ("awesome_markers_css",
     f"{STATIC_URL}/leaflet.awesome-markers-2.0.5/leaflet.awesome-markers.css"),
]

# --- data in the page as UTF-8 ---------------------------------------------------------------
# folium writes each layer's GeoJSON with jinja's ``tojson``, which by default escapes every
# Chinese character as \uXXXX (6 bytes instead of 3: most of the map's text). jinja's
# ``json.dumps_kwargs`` policy turns that off for folium's template environment (shared by its
# templates); ``tojson`` still escapes < > & ' so the JSON stays inert inside <script>, and the
# values were HTML-escaped in views.map.geojson before.
def _utf8_json() -> None:
    """Set the policy on folium's shared template environment (idempotent; see above)."""
    folium.GeoJson._template.environment.policies["json.dumps_kwargs"] = {
        "sort_keys": True, "ensure_ascii": False}


# --- styles ---------------------------------------------------------------------------
BUBBLE_OPACITY = 0.55
HOUSEHOLD_RADIUS_PX = 3.5
# Lines: undamaged assets are context, damaged ones the work.
UNDAMAGED_WEIGHT = 1.2
DAMAGED_WEIGHT = 3.5

FRAME_LAYERS = ("county", "townships", "villages", "flood_extent")


class MetricScale(branca.element.MacroElement):  # type: ignore[misc]
    """Leaflet's scale bar in metric units only (no data: our own fixed script)."""

    _template = jinja2.Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


# --- folium objects ---------------------------------------------------------------------
def _style(feature: dict[str, Any]) -> dict[str, Any]:
    """Leaflet style of one feature: the work stands out, the context recedes."""
    props = feature["properties"]
    layer = props.get("layer", "")
    if layer == "village_totals":
        return {"color": "#ffffff", "weight": 0.8, "opacity": 0.9, "fillColor": props.get("fill"),
                "fillOpacity": BUBBLE_OPACITY, "radius": props.get("radius", BUBBLE_MIN_PX)}
    if layer == "found":  # the searched feature: a thick outline, its own colours show through
        return {"color": props.get("color"), "weight": 4, "opacity": 1.0, "fill": False,
                "fillOpacity": 0.0, "radius": props.get("radius", 12)}
    if layer not in REGISTRY.names:
        return {"color": props.get("color"), "fillColor": props.get("fill"), "fillOpacity": 0.7,
                "weight": 1, "radius": props.get("radius", 6)}
    spec = REGISTRY.get(layer)
    if layer in FRAME_LAYERS:
        return _frame_style(layer, props)
    if layer == "households":
        monitored = props.get("color") == MONITORED_OUTLINE
        return {"color": props.get("color"), "weight": 1.5 if monitored else 0.5, "opacity": 0.9,
                "fillColor": props.get("fill"), "fillOpacity": 0.85,
                "radius": HOUSEHOLD_RADIUS_PX}
    damaged = bool(props.get("status"))
    geometry = (feature.get("geometry") or {}).get("type", "")
    if "LineString" in geometry:  # roads, power lines, pipelines: the line itself shows status
        style: dict[str, Any] = {
            "color": props.get("fill", props.get("color", spec.style.color)),
            "weight": DAMAGED_WEIGHT if damaged else UNDAMAGED_WEIGHT,
            "opacity": 0.95 if damaged else 0.6,
        }
        if spec.style.dash:  # 10 kV lines dashed whatever their state: never taken for roads
            style["dashArray"] = spec.style.dash
        return style
    # facilities: a ring in the layer's colour, filled with the status colour
    if not damaged:  # an intact school or clinic is context: a small faint ring
        return {"color": props.get("color", spec.style.color), "weight": 0.8, "opacity": 0.55,
                "fillColor": UNDAMAGED_COLOR, "fillOpacity": 0.3, "radius": 3}
    return {"color": props.get("color", spec.style.color), "weight": 2.5, "opacity": 1.0,
            "fillColor": props.get("fill", UNDAMAGED_COLOR), "fillOpacity": 0.95,
            "radius": spec.style.radius + 1}


def _frame_style(layer: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """County bold, townships dashed, villages faint, flood translucent blue by depth."""
    spec = REGISTRY.get(layer).style
    color = props.get("color", spec.color)
    if layer == "flood_extent":
        return {"color": color, "weight": 0, "fillColor": color, "fillOpacity": 0.38}
    style: dict[str, Any] = {"color": color, "fillOpacity": 0.0, "fill": layer == "villages",
                             "weight": {"county": 2.5, "townships": 1.6}.get(layer, 0.6),
                             "opacity": 0.45 if layer == "villages" else 0.9}
    if spec.dash:
        style["dashArray"] = spec.dash
    return style


def geojson_layer(data: dict[str, Any], name: str, *, popup: bool = True,
                  interactive: bool = True) -> folium.GeoJson:
    """One GeoJson layer: points as circle markers (canvas), tooltip and popup from our HTML."""
    gj = DataGeoJson(
        data,
        name=name,
        style_function=_style,
        marker=folium.CircleMarker(radius=5, fill=True),
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, localize=False)
        if data["features"] else None,
        popup=_popup(data) if popup and data["features"] else None,
        interactive=interactive,
        embed=True,
        zoom_on_click=False,
    )
    return localize(gj)


def _popup(data: dict[str, Any]) -> folium.GeoJsonPopup | None:
    """A key-facts table built in the browser from the escaped values and our escaped labels."""
    fields = data.get("popup_fields")
    if not fields:
        return None
    return folium.GeoJsonPopup(fields=[k for k, _ in fields],
                               aliases=[esc(label) for _, label in fields],
                               labels=True, localize=False, class_name="tracker-popup")


def localize(element: Any) -> Any:
    """Point an element's JS/CSS at the vendored files (class defaults name CDNs)."""
    if hasattr(element, "default_js"):
        element.default_js = [(n, VENDOR_URLS.get(n, u)) for n, u in element.default_js]
    if hasattr(element, "default_css"):
        element.default_css = [(n, VENDOR_URLS.get(n, u)) for n, u in element.default_css]
    return element


VENDOR_URLS = dict(VENDOR_JS + VENDOR_CSS)


def tile_layers(settings: Settings) -> list[folium.TileLayer]:
    """The configured background: none (boundaries only), OpenStreetMap or Tianditu."""
    if settings.basemap == "osm":
        return [folium.TileLayer("OpenStreetMap", name="OpenStreetMap", overlay=False)]
    if settings.basemap == "tianditu" and settings.tianditu_key:
        return [_tianditu("vec", settings.tianditu_key, overlay=False),
                _tianditu("cva", settings.tianditu_key, overlay=True)]
    return []


def _tianditu(kind: str, key: str, overlay: bool) -> folium.TileLayer:
    url = (f"https://t{{s}}.tianditu.gov.cn/{kind}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
           f"&VERSION=1.0.0&LAYER={kind}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
           f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
    return folium.TileLayer(url, attr="天地图", name=f"天地图 {kind}", overlay=overlay,
                            subdomains="01234567", max_zoom=18)


LABEL_CLASS = "tracker-label"
VILLAGE_LABEL_CLASS = "tracker-village-label"
ZOOMED_CLASS = "tracker-zoomed-in"  # on the map's container while zoom >= VILLAGE_LABEL_ZOOM
VILLAGE_LABEL_ZOOM = 13  # village names from here on: below it 398 names would cover the map
# Township names as map labels: plain dark text with a white halo, no tooltip box; village
# names smaller and only while the map is zoomed in (a class on the container, see ZoomClass).
LABEL_CSS = (f"<style>.{LABEL_CLASS},.{VILLAGE_LABEL_CLASS}{{font-size:12px;font-weight:600;"
             "color:#333;text-align:center;white-space:nowrap;pointer-events:none;"
             "text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff}"
             f".{VILLAGE_LABEL_CLASS}{{font-size:11px;font-weight:400;color:#444;display:none}}"
             f".{ZOOMED_CLASS} .{VILLAGE_LABEL_CLASS}{{display:block}}</style>")
LABEL_BOX = (120, 16)  # px: wide enough for a township name, centred on its point


def label_points(data: Mapping[str, Any], key: str = "tip") -> list[tuple[tuple[float, float], str]]:
    """(lat, lon) inside each polygon (never in a neighbour, unlike a centroid) and its
    already-escaped ``key`` property (the tooltip text by default), for name labels."""
    out = []
    for feat in data.get("features", []):
        point = shapely.geometry.shape(feat["geometry"]).point_on_surface()
        out.append(((round(point.y, PRECISION), round(point.x, PRECISION)),
                    str(feat["properties"].get(key, ""))))
    return out


class NameLabels(DataElement):  # type: ignore[misc]
    """Text labels added to the parent layer by one short loop over [lat, lon, text] rows:
    a folium Marker + DivIcon per label costs ~600 bytes of script, this ~40. The names are
    data: a DataElement, so its script reaches the page verbatim (see views.map.elements)."""

    _template = jinja2.Template("""
        {% macro script(this, kwargs) %}
        {{ this.rows }}.forEach(function (r) {
            L.marker([r[0], r[1]], {interactive: false, keyboard: false, icon: L.divIcon({
                className: {{ this.class_name }}, html: "<div>" + r[2] + "</div>",
                iconSize: {{ this.size }}, iconAnchor: {{ this.anchor }}})
            }).addTo({{ this._parent.get_name() }});
        });
        {% endmacro %}
    """)

    def __init__(self, rows: Sequence[tuple[tuple[float, float], str]],
                 class_name: str = LABEL_CLASS) -> None:
        super().__init__()
        self._name = "NameLabels"
        # the text is already HTML-escaped; json.dumps with ASCII escapes keeps it inert in JS
        self.rows = json.dumps([[lat, lon, text] for (lat, lon), text in rows])
        self.class_name = json.dumps(class_name)
        self.size = json.dumps(list(LABEL_BOX))
        self.anchor = json.dumps([LABEL_BOX[0] // 2, LABEL_BOX[1] // 2])


class ZoomClass(branca.element.MacroElement):  # type: ignore[misc]
    """Marks the map's container with ZOOMED_CLASS while zoomed in to VILLAGE_LABEL_ZOOM or
    more, so CSS alone shows the village names then (our own fixed script, no data)."""

    _template = jinja2.Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
            function mark() {
                map.getContainer().classList.toggle({{ this.class_name }},
                                                    map.getZoom() >= {{ this.zoom }});
            }
            map.on("zoomend", mark);
            mark();
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "ZoomClass"
        self.class_name = json.dumps(ZOOMED_CLASS)
        self.zoom = VILLAGE_LABEL_ZOOM


class FitNarrow(branca.element.MacroElement):  # type: ignore[misc]
    """On a frame narrower than the width the server fits views for (a phone), zoom out so
    the same width of land shows: the server cannot know the screen (our own script, no data).

    st_folium moves the map to the server's centre and zoom with ``setView(center, zoom)`` (two
    arguments) on load and on each new view; Leaflet's own zooming passes options. Only the
    two-argument calls are adjusted, so the user's zooming stays as it is."""

    _template = jinja2.Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
            function narrowed(zoom) {
                var width = map.getSize().x;
                return width > 0 && width < {{ this.width }}
                    ? zoom + Math.log2(width / {{ this.width }}) : zoom;
            }
            map.setView = function (center, zoom, options) {
                if (arguments.length === 2 && zoom !== undefined) { zoom = narrowed(zoom); }
                return L.Map.prototype.setView.call(this, center, zoom, options);
            };
            map.setZoom(narrowed(map.getZoom()), {animate: false});
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "FitNarrow"
        self.width = MAP_SIZE_PX[0]


def name_labels(data: Mapping[str, Any], name: str, key: str = "tip",
                class_name: str = LABEL_CLASS) -> folium.FeatureGroup:
    """Names drawn on the map (the villages on top take the hover, so a tooltip alone would
    never show a township's); not interactive, so clicks go through to the features."""
    group = folium.FeatureGroup(name=name)
    NameLabels(label_points(data, key), class_name).add_to(group)
    return group


def township_borders(data: Mapping[str, Any]) -> dict[str, Any]:
    """The townships' borders as lines, each stretch once: two neighbours' outlines drawn
    dashed run opposite ways along their shared border, their dashes out of step, and look
    solid. The county's own outline is left to the county layer (drawn solid)."""
    shapes = [shapely.geometry.shape(f["geometry"]) for f in data.get("features", [])]
    props = {"layer": "townships", "color": REGISTRY.get("townships").style.color,
             "tip": "", "fid": "township_borders"}
    if not shapes:
        return {"type": "FeatureCollection", "features": []}
    lines = shapely.union_all([s.boundary for s in shapes])
    inner = lines.difference(shapely.union_all(shapes).boundary.buffer(10 ** -PRECISION))
    merged = shapely.line_merge(inner) if not inner.is_empty else inner
    geometry = shapely.geometry.mapping(shapely.set_precision(merged, 10 ** -PRECISION))
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": geometry, "properties": props}]}


def place_outline(frames: Mapping[str, dict[str, Any]], layer: str,
                  codes: Sequence[str]) -> dict[str, Any]:
    """The chosen villages' (or townships') own outlines, drawn like a found feature: thick
    yellow over every layer. Empty when none of them is drawn."""
    wanted = {esc(code) for code in codes}
    data = frames.get(layer) or {}
    features = [{"type": "Feature", "geometry": f["geometry"],
                 "properties": {**f["properties"], "layer": "found", "color": FOUND_COLOR}}
                for f in data.get("features", []) if f["properties"].get("code") in wanted]
    return {"type": "FeatureCollection", "features": features}


def chosen_outline(frames: Mapping[str, dict[str, Any]], villages: Sequence[str],
                   found: Hit | None) -> dict[str, Any]:
    """What the map outlines: a found feature (a place by its own border, an asset by its
    extent), else the villages chosen in the sidebar."""
    if found is None:
        return place_outline(frames, "villages", villages)
    if found.layer in PLACES:
        outline = place_outline(frames, found.layer, (found.code,))
        if outline["features"]:
            return outline
    return highlight(found)


def base_map(frames: Mapping[str, dict[str, Any]], settings: Settings, lang: str,
             view: tuple[tuple[float, float], float] | None = None) -> folium.Map:
    """The constant part of the map: background and the frame layers (boundaries, flood).

    It opens on ``view`` (centre, zoom), else the county outline; st_folium's centre/zoom then
    move it to the filtered area. (Large data draw the frames per place filter, so this map is
    rebuilt when a place is chosen; opening on the fitted view keeps that rebuild in place.)
    """
    _utf8_json()
    center, zoom = view or county_view(frames)
    # Leaflet takes a fractional zoom (zoomSnap), though folium types zoom_start as int
    m = folium.Map(location=center, zoom_start=zoom, tiles=None,  # type: ignore[arg-type]
                   prefer_canvas=True, control_scale=False, zoom_snap=ZOOM_SNAP)
    MetricScale().add_to(m)  # metres and kilometres only (folium's own adds miles and feet)
    m.default_js = list(VENDOR_JS)
    m.default_css = list(VENDOR_CSS)
    figure = m.get_root()
    if isinstance(figure, branca.element.Figure):  # always, for a Map; narrows the type
        figure.header.add_child(Verbatim(LABEL_CSS))
    for tile in tile_layers(settings):
        tile.add_to(m)
    FitNarrow().add_to(m)
    ZoomClass().add_to(m)
    # villages under the township borders: their thin solid lines would fill the dashes' gaps
    for name in ("flood_extent", "county", "villages", "townships"):
        data = frames.get(name)
        if data is None:
            continue
        if name == "townships":
            data = township_borders(data)
        layer = REGISTRY.get(name)
        interactive = name in ("villages", "flood_extent")
        geojson_layer(data, layer.label(lang), popup=False, interactive=interactive).add_to(m)
    if frames.get("townships"):
        name_labels(frames["townships"], t("township_names", lang)).add_to(m)
    if frames.get("villages"):
        name_labels(frames["villages"], t("village_names", lang), "name",
                    VILLAGE_LABEL_CLASS).add_to(m)
    return m


def drawing_order() -> list[str]:
    """Layers in the order they are drawn (later on top): households first, so the damaged
    roads and facilities — the repairs the map is for — lie on top of them, not under them."""
    names = [layer.name for layer in REGISTRY]
    return ["households", *(name for name in names if name != "households")]


def feature_groups(assets: Mapping[str, dict[str, Any]], lang: str) -> list[folium.FeatureGroup]:
    """One feature group per filtered layer, in ``drawing_order`` (one canvas: added = on top)."""
    _utf8_json()
    groups = []
    for layer in map(REGISTRY.get, drawing_order()):
        data = assets.get(layer.name)
        if data is None:
            continue
        label = layer.label(lang)
        if data.get("aggregated"):
            label = f"{label}（{t('village_totals_legend', lang)}）"
        group = folium.FeatureGroup(name=f"{label} ({len(data['features'])})")
        geojson_layer(data, label).add_to(group)
        groups.append(group)
    return groups


def found_group(collection: dict[str, Any], label: str) -> folium.FeatureGroup:
    """The searched feature's outline, drawn last so it sits on top of every layer."""
    _utf8_json()
    group = folium.FeatureGroup(name=label)
    geojson_layer(collection, label, popup=False).add_to(group)
    return group


def external_urls(*elements: Any) -> list[str]:
    """Every JS/CSS URL the elements (and their children) load that is not served by us."""
    found: list[str] = []

    def walk(el: Any) -> None:
        for _, url in [*getattr(el, "default_js", []), *getattr(el, "default_css", [])]:
            if not str(url).startswith(STATIC_URL):
                found.append(str(url))
        for child in getattr(el, "_children", {}).values():
            walk(child)

    for element in elements:
        walk(element)
    return found

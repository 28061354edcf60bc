"""What the map shows, built from the layers as plain data: no Streamlit here, so it can be tested.

- ``frame_collections`` / ``asset_collections`` turn GeoDataFrames into GeoJSON dicts whose
  properties are an explicit whitelist (never id_number, phone or income) and whose tooltip and
  popup HTML is built here with every data value passed through ``html.escape``;
- ``base_map`` and ``feature_groups`` turn those dicts into folium objects whose JavaScript and
  CSS come from the app's own /app/static/vendor (county intranets have no internet);
- ``resolve_click`` maps what st_folium returns for a click to ``(layer, id)``.

The map stays bounded: each asset layer sends at most ``MAX_FEATURES`` features, and above
``HOUSEHOLD_DETAIL_LIMIT`` households are drawn as one circle per village with their totals.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import branca.element
import folium
import geopandas as gpd
import jinja2
import pandas as pd
import shapely

from geo.settings import Settings
from layers import REGISTRY
from layers.base import Layer
from layers.i18n import t
from layers.vocab import CATEGORY, HOUSE_GRADE, MONITOR_KIND, RISK_ITEMS, STATUS

# --- offline assets ---------------------------------------------------------------------
STATIC_URL = "/app/static/vendor"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor"

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

# --- map geometry and limits -----------------------------------------------------------
COUNTY_CENTER = (33.44, 113.60)  # lat, lon of 舞阳县, when the county outline is missing
COUNTY_ZOOM = 10
TOWNSHIP_ZOOM = 12
VILLAGE_ZOOM = 14
# The view is fitted to the filtered area in Python (st_folium moves the map to a new centre and
# zoom without rebuilding it), so it needs the map's size: the page draws it 620 px high, and in
# the wide layout's 4:1 column it is 700-900 px wide on a 1280-1920 px screen.
MAP_SIZE_PX = (720, 620)  # width, height assumed for fitting
FIT_PADDING_PX = 16
ZOOM_SNAP = 0.25  # fractional zoom, so a fitted area fills the frame (whole steps lose ~half)
MAX_FIT_ZOOM = 16.0
MAX_FEATURES = 3000  # asset features on one map, shared by the layers (open work first)
MIN_PER_LAYER = 50  # every layer keeps at least this many when the budget is shared
HOUSEHOLD_DETAIL_LIMIT = 2500  # above this, households are drawn as village totals
FRAME_LIMIT = 1000  # boundary/flood polygons per frame layer in the base map
VILLAGE_TOTALS_LIMIT = 1000  # above this many villages, households are totalled per township
SIMPLIFY_DEG = 0.0002  # ≈ 20 m: boundaries need no more detail on screen
PRECISION = 5  # decimal places of lon/lat (≈ 1 m)

# Repair status colours, in order of progress (red = nothing done, green = finished).
STATUS_COLORS: dict[str, str] = {
    "assess": "#7f7f7f",
    "not_started": "#d62728",
    "opening": "#ff7f0e",
    "opened": "#e6b800",
    "repairing": "#1f77b4",
    "done": "#2ca02c",
    "accepted": "#006d2c",
}
UNDAMAGED_COLOR = "#b0b0b0"
DEPTH_COLORS = {"lt05": "#c6dbef", "d05_1": "#9ecae1", "d1_2": "#4292c6", "gt2": "#08519c"}
# Households in purples, a hue no repair status uses, so a red road never reads as a household.
# Each household: fill by the number of open risk points.
RISK_COLORS = ((0, "#dadaeb"), (1, "#9e9ac8"), (2, "#54278f"))
MONITORED_OUTLINE = "#252525"
# Village (or township) totals: fill by the share of households with an open risk point.
SHARE_COLORS = ((0.0, "#dadaeb"), (0.0001, "#9e9ac8"), (0.10, "#6a51a3"), (0.30, "#3f007d"))
BUBBLE_MIN_PX = 3.0
BUBBLE_MAX_PX = 14.0
BUBBLE_OPACITY = 0.55
HOUSEHOLD_RADIUS_PX = 3.5
# Lines: undamaged assets are context, damaged ones the work.
UNDAMAGED_WEIGHT = 1.2
DAMAGED_WEIGHT = 3.5

FRAME_LAYERS = ("county", "townships", "villages", "flood_extent")


@dataclass(frozen=True)
class MapFilter:
    """The sidebar filters, shared by the map, the repair list and the exports.

    Empty tuples mean "no filter". Statuses, importance and urgency are stored codes/labels
    (重点/一般, 应急/长远 as the ranking writes them); townships and villages are codes.
    """

    statuses: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    townships: tuple[str, ...] = ()
    villages: tuple[str, ...] = ()
    importance: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    monitored_only: bool = False

    def key(self) -> tuple[Any, ...]:
        """A hashable plain tuple, for st.cache_data arguments."""
        return (self.statuses, self.layers, self.townships, self.villages,
                self.importance, self.urgency, self.monitored_only)

    @classmethod
    def from_key(cls, key: Sequence[Any]) -> MapFilter:
        s, la, tw, vi, im, ur, mo = key
        return cls(tuple(s), tuple(la), tuple(tw), tuple(vi), tuple(im), tuple(ur), bool(mo))

    @property
    def needs_queue(self) -> bool:
        return bool(self.importance or self.urgency or self.monitored_only)

    def asset_layers(self) -> list[Layer]:
        chosen = set(self.layers)
        return [la for la in REGISTRY.repairable() if not chosen or la.name in chosen]

    @property
    def shows_households(self) -> bool:
        return not self.layers or "households" in self.layers


@dataclass
class Names:
    """code → name of townships and villages, for popups and tables."""

    townships: dict[str, str] = field(default_factory=dict)
    villages: dict[str, str] = field(default_factory=dict)
    village_township: dict[str, str] = field(default_factory=dict)

    def township(self, code: object) -> str:
        return self.townships.get(str(code), "") if code else ""

    def village(self, code: object) -> str:
        return self.villages.get(str(code), "") if code else ""


# --- escaping and formatting -----------------------------------------------------------
def esc(value: object) -> str:
    """Any data value as text that is safe inside HTML (and inside a <script> JSON string)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NaT:
        return ""
    return html.escape(str(value), quote=True)


def mask_id_number(value: object) -> str:
    """4111**********1234: the first four and last four characters, the rest hidden."""
    text = "" if value is None else str(value).strip()
    if not text or text.lower() == "nan":
        return ""
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def status_label(code: object, lang: str) -> str:
    if code is None or (isinstance(code, float) and math.isnan(code)) or code == "":
        return t("undamaged", lang)
    return STATUS.label(str(code), lang)


def open_risks(row: Mapping[str, Any], lang: str = "zh") -> list[str]:
    """Labels of the household's flagged 两不愁三保障 + 饮水 items."""
    return [zh if lang == "zh" else en for col, zh, en in RISK_ITEMS if bool(row.get(col))]


def fid(layer: str, feature_id: object) -> str:
    return f"{layer}:{int(feature_id)}"  # type: ignore[call-overload]


def parse_fid(value: object) -> tuple[str, int] | None:
    text = str(value or "")
    name, _, number = text.partition(":")
    if not number.isdigit() or name not in REGISTRY.names:
        return None
    return name, int(number)


# --- geometry to GeoJSON ------------------------------------------------------------------
def _geometry(geom: Any, simplify: bool) -> dict[str, Any] | None:
    if geom is None or geom.is_empty:
        return None
    if simplify and geom.geom_type in ("Polygon", "MultiPolygon", "LineString",
                                       "MultiLineString"):
        geom = shapely.simplify(geom, SIMPLIFY_DEG, preserve_topology=True)
    geom = shapely.set_precision(geom, 10 ** -PRECISION)
    return shapely.geometry.mapping(geom)  # type: ignore[no-any-return]


def _feature(geom: Any, props: dict[str, Any], simplify: bool = False) -> dict[str, Any] | None:
    geometry = _geometry(geom, simplify)
    if geometry is None:
        return None
    return {"type": "Feature", "geometry": geometry, "properties": props}


def collection(features: Iterable[dict[str, Any] | None], **meta: Any) -> dict[str, Any]:
    feats = [f for f in features if f is not None]
    return {"type": "FeatureCollection", "features": feats, **meta}


def _records(gdf: gpd.GeoDataFrame) -> Iterable[tuple[dict[str, Any], Any]]:
    geoms = gdf.geometry.to_numpy()
    records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    yield from zip(records, geoms, strict=True)


def frame_collection(layer: Layer, gdf: gpd.GeoDataFrame, names: Names,
                     lang: str) -> dict[str, Any]:
    """County, township, village and flood polygons with a one-line tooltip.

    Beyond ``FRAME_LIMIT`` polygons (a province-sized data set) only the first ones are drawn:
    the base map is sent on every page load and must stay small.
    """
    total = len(gdf)
    if total > FRAME_LIMIT:
        gdf = gdf.head(FRAME_LIMIT)
    feats = []
    for rec, geom in _records(gdf):
        if layer.name == "flood_extent":
            depth = layer.field("depth_class").vocab.label(rec.get("depth_class"), lang)  # type: ignore[union-attr]
            tip = f"{layer.label(lang)} {depth}"
            color = DEPTH_COLORS.get(str(rec.get("depth_class")), layer.style.color)
        elif layer.name == "villages":
            tip = f"{rec.get('name', '')}（{names.township(rec.get('township_code'))}）"
            color = layer.style.color
        else:
            tip = str(rec.get("name", ""))
            color = layer.style.color
        props = {"fid": fid(layer.name, rec["id"]), "layer": layer.name, "color": color,
                 "tip": esc(tip)}
        if layer.name in ("townships", "villages"):  # the map fits its view to the chosen ones
            props["code"] = esc(rec.get("code"))
        feats.append(_feature(geom, props, simplify=True))
    return collection(feats, layer=layer.name, total=total)


# Popups are built in the browser from short property keys and our labels (folium's
# GeoJsonPopup), so each feature carries only its escaped values, not a whole HTML table.
ASSET_POPUP = (("n", "col_name"), ("c", "col_code"), ("s", "col_status"), ("t", "col_township"),
               ("v", "col_severity"), ("d", "col_deadline"), ("u", "col_resp_unit"))
HOUSEHOLD_POPUP = (("n", "col_head"), ("k", "col_category"), ("m", "col_members"),
                   ("g", "col_village"), ("r", "col_risks"), ("h", "col_house_grade"),
                   ("p", "col_helper"))
TOTALS_POPUP = (("n", "col_village"), ("c", "col_households"), ("m", "households_monitored_legend"))


def popup_fields(spec: Sequence[tuple[str, str]], lang: str) -> list[tuple[str, str]]:
    return [(key, t(label, lang)) for key, label in spec]


def asset_props(layer: Layer, rec: Mapping[str, Any], names: Names, lang: str) -> dict[str, Any]:
    """Whitelisted properties of one repairable feature: id, colours, tooltip, popup values."""
    code = rec.get("status")
    status = status_label(code, lang)
    name = rec.get("name", "")
    severity = rec.get("severity")
    fill = STATUS_COLORS.get(str(code), UNDAMAGED_COLOR)
    return {
        "fid": fid(layer.name, rec["id"]),
        "layer": layer.name,
        "status": code if isinstance(code, str) else None,
        "color": fill if layer.style.kind == "line" else layer.style.color,
        "fill": fill,
        "tip": esc(f"{name}（{status}）"),
        "n": esc(name), "c": esc(rec.get("code")), "s": esc(status),
        "t": esc(names.township(rec.get("township_code"))),
        "v": esc(layer.field("severity").vocab.label(severity, lang)  # type: ignore[union-attr]
                 if severity else ""),
        "d": esc(_plain(rec.get("deadline"))), "u": esc(rec.get("resp_unit")),
    }


def household_props(rec: Mapping[str, Any], names: Names, lang: str) -> dict[str, Any]:
    """Whitelisted household properties: no ID number, phone or income ever leaves here."""
    risks = open_risks(rec, lang)
    category = CATEGORY.label(rec.get("category"), lang)
    kind = MONITOR_KIND.label(rec.get("monitor_kind"), lang) if rec.get("monitor_kind") else ""
    grade = HOUSE_GRADE.label(rec.get("house_grade"), lang) if rec.get("house_grade") else ""
    n = len(risks)
    fill = next(color for limit, color in reversed(RISK_COLORS) if n >= limit)
    monitored = rec.get("category") == "monitored"
    return {
        "fid": fid("households", rec["id"]),
        "layer": "households",
        "color": MONITORED_OUTLINE if monitored else fill,
        "fill": fill,
        "tip": esc(f"{rec.get('head_name', '')}（{category}，{n}）"),
        "n": esc(rec.get("head_name")), "k": esc(f"{category} {kind}".strip()),
        "m": esc(rec.get("members")), "g": esc(names.village(rec.get("village_code"))),
        "r": esc(("、" if lang == "zh" else ", ").join(risks)), "h": esc(grade),
        "p": esc(rec.get("helper")),
    }


def _plain(value: object) -> object:
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()[:10]
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    return value


def asset_collection(layer: Layer, gdf: gpd.GeoDataFrame, names: Names, lang: str,
                     limit: int = MAX_FEATURES) -> dict[str, Any]:
    """One repairable layer, open work first when it must be cut to ``limit`` features."""
    total = len(gdf)
    if total > limit:
        order = gdf["status"].map(lambda c: STATUS.index(c) if c in STATUS else 99)
        gdf = gdf.assign(_order=order).sort_values(["_order", "id"]).head(limit)
        gdf = gdf.drop(columns="_order")
    feats = (_feature(geom, asset_props(layer, rec, names, lang), simplify=True)
             for rec, geom in _records(gdf))
    return collection(feats, layer=layer.name, total=total,
                      popup_fields=popup_fields(ASSET_POPUP, lang))


def household_collection(gdf: gpd.GeoDataFrame, names: Names, lang: str,
                         limit: int = HOUSEHOLD_DETAIL_LIMIT) -> dict[str, Any]:
    """Each household, or — above ``limit`` — one circle per village with its totals."""
    total = len(gdf)
    if total > limit:
        return village_totals(gdf, names, lang)
    feats = (_feature(geom, household_props(rec, names, lang)) for rec, geom in _records(gdf))
    return collection(feats, layer="households", total=total, aggregated=False,
                      popup_fields=popup_fields(HOUSEHOLD_POPUP, lang))


def village_totals(gdf: gpd.GeoDataFrame, names: Names, lang: str) -> dict[str, Any]:
    """Households per village drawn at the mean position of its households."""
    monitored = (gdf["category"] == "monitored").astype(int)
    at_risk = gdf[[c for c, _, _ in RISK_ITEMS if c in gdf.columns]].any(axis=1).astype(int)
    frame = pd.DataFrame({
        "village_code": gdf["village_code"].to_numpy(),
        "x": gdf.geometry.x.to_numpy(), "y": gdf.geometry.y.to_numpy(),
        "n": 1, "monitored": monitored.to_numpy(), "at_risk": at_risk.to_numpy(),
    })
    grouped = frame.groupby("village_code").agg(
        x=("x", "mean"), y=("y", "mean"), n=("n", "sum"),
        monitored=("monitored", "sum"), at_risk=("at_risk", "sum"),
    ).reset_index()
    return totals_collection(grouped.to_dict("records"), len(gdf), names, lang)


def layer_budgets(totals: Mapping[str, int], budget: int = MAX_FEATURES) -> dict[str, int]:
    """How many features each asset layer may send: all when they fit, else a fair share."""
    whole = sum(totals.values())
    if whole <= budget:
        return {name: max(n, 1) for name, n in totals.items()}
    return {name: max(MIN_PER_LAYER, budget * n // whole) for name, n in totals.items()}


def township_totals(rows: Iterable[Mapping[Any, Any]], names: Names) -> list[dict[str, Any]]:
    """Village totals summed per township (weighted mean position), for very large data."""
    sums: dict[str, dict[str, Any]] = {}
    for row in rows:
        town = names.village_township.get(str(row["village_code"]), "")
        acc = sums.setdefault(town, {"village_code": town, "name": names.township(town) or town,
                                     "x": 0.0, "y": 0.0, "n": 0, "monitored": 0, "at_risk": 0})
        n = int(row["n"])
        acc["x"] += float(row["x"]) * n
        acc["y"] += float(row["y"]) * n
        for key in ("n", "monitored", "at_risk"):
            acc[key] += int(row[key])
    for acc in sums.values():
        acc["x"] /= max(acc["n"], 1)
        acc["y"] /= max(acc["n"], 1)
    return list(sums.values())


def bubble_radius(n: int, largest: int) -> float:
    """Pixel radius of a totals circle: area ∝ households (radius ∝ √n), the largest at
    ``BUBBLE_MAX_PX``, none below ``BUBBLE_MIN_PX`` so a small village stays visible."""
    if n <= 0 or largest <= 0:
        return BUBBLE_MIN_PX
    radius = BUBBLE_MAX_PX * math.sqrt(min(n, largest) / largest)
    return round(max(BUBBLE_MIN_PX, radius), 1)


def share_color(share: float) -> str:
    """Fill of a totals circle by the share of its households with an open risk point."""
    return next(color for limit, color in reversed(SHARE_COLORS) if share >= limit)


def totals_collection(rows: Iterable[Mapping[Any, Any]], total: int, names: Names,
                      lang: str) -> dict[str, Any]:
    """Circles from rows of village_code, x, y, n, monitored, at_risk (per township when the
    villages are too many to draw; such rows carry a ``name``)."""
    rows = list(rows)
    if len(rows) > VILLAGE_TOTALS_LIMIT:
        rows = township_totals(rows, names)
    largest = max((int(row["n"]) for row in rows), default=0)
    feats = []
    for row in rows:
        code = row["village_code"]
        village = row.get("name") or names.village(code) or str(code)
        n, m = int(row["n"]), int(row["monitored"])
        fill = share_color(row["at_risk"] / n if n else 0.0)
        props = {
            "fid": f"village_totals:{code}", "layer": "village_totals", "color": fill,
            "fill": fill, "radius": bubble_radius(n, largest),
            "tip": esc(t("village_total", lang, village=village, n=n, m=m)),
            "n": esc(village), "c": n, "m": m,
        }
        feats.append(_feature(shapely.Point(float(row["x"]), float(row["y"])), props))
    return collection(feats, layer="households", total=total, aggregated=True,
                      popup_fields=popup_fields(TOTALS_POPUP, lang))


# --- folium objects ---------------------------------------------------------------------
def _style(feature: dict[str, Any]) -> dict[str, Any]:
    """Leaflet style of one feature: the work stands out, the context recedes."""
    props = feature["properties"]
    layer = props.get("layer", "")
    if layer == "village_totals":
        return {"color": "#ffffff", "weight": 0.8, "opacity": 0.9, "fillColor": props.get("fill"),
                "fillOpacity": BUBBLE_OPACITY, "radius": props.get("radius", BUBBLE_MIN_PX)}
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
        if spec.style.dash and damaged:
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
    gj = folium.GeoJson(
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
# Township names as map labels: plain dark text with a white halo, no tooltip box.
LABEL_CSS = (f"<style>.{LABEL_CLASS}{{font-size:12px;font-weight:600;color:#333;"
             "text-align:center;white-space:nowrap;pointer-events:none;"
             "text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff}</style>")
LABEL_BOX = (120, 16)  # px: wide enough for a township name, centred on its point


def label_points(data: Mapping[str, Any]) -> list[tuple[tuple[float, float], str]]:
    """(lat, lon) inside each polygon (never in a neighbour, unlike a centroid) and its
    already-escaped tooltip text, for name labels."""
    out = []
    for feat in data.get("features", []):
        point = shapely.geometry.shape(feat["geometry"]).point_on_surface()
        out.append(((round(point.y, PRECISION), round(point.x, PRECISION)),
                    str(feat["properties"].get("tip", ""))))
    return out


class NameLabels(branca.element.MacroElement):  # type: ignore[misc]
    """Text labels added to the parent layer by one short loop over [lat, lon, text] rows:
    a folium Marker + DivIcon per label costs ~600 bytes of script, this ~40."""

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

    def __init__(self, rows: Sequence[tuple[tuple[float, float], str]]) -> None:
        super().__init__()
        self._name = "NameLabels"
        # the text is already HTML-escaped; json.dumps with ASCII escapes keeps it inert in JS
        self.rows = json.dumps([[lat, lon, text] for (lat, lon), text in rows])
        self.class_name = json.dumps(LABEL_CLASS)
        self.size = json.dumps(list(LABEL_BOX))
        self.anchor = json.dumps([LABEL_BOX[0] // 2, LABEL_BOX[1] // 2])


def name_labels(data: Mapping[str, Any], name: str) -> folium.FeatureGroup:
    """Township names drawn on the map (the villages on top take the hover, so a tooltip
    alone would never show them); not interactive, so clicks go through to the features."""
    group = folium.FeatureGroup(name=name)
    NameLabels(label_points(data)).add_to(group)
    return group


def base_map(frames: Mapping[str, dict[str, Any]], settings: Settings, lang: str) -> folium.Map:
    """The constant part of the map: background and the frame layers (boundaries, flood).

    It opens on the county outline; st_folium's centre/zoom then move it to the filtered area.
    """
    center, zoom = county_view(frames)
    # Leaflet takes a fractional zoom (zoomSnap), though folium types zoom_start as int
    m = folium.Map(location=center, zoom_start=zoom, tiles=None,  # type: ignore[arg-type]
                   prefer_canvas=True, control_scale=True, zoom_snap=ZOOM_SNAP)
    m.default_js = list(VENDOR_JS)
    m.default_css = list(VENDOR_CSS)
    figure = m.get_root()
    if isinstance(figure, branca.element.Figure):  # always, for a Map; narrows the type
        figure.header.add_child(folium.Element(LABEL_CSS))
    for tile in tile_layers(settings):
        tile.add_to(m)
    for name in ("flood_extent", "county", "townships", "villages"):
        data = frames.get(name)
        if data is None:
            continue
        layer = REGISTRY.get(name)
        interactive = name in ("villages", "flood_extent")
        geojson_layer(data, layer.label(lang), popup=False, interactive=interactive).add_to(m)
    if frames.get("townships"):
        name_labels(frames["townships"], t("township_names", lang)).add_to(m)
    return m


def drawing_order() -> list[str]:
    """Layers in the order they are drawn (later on top): households first, so the damaged
    roads and facilities — the repairs the map is for — lie on top of them, not under them."""
    names = [layer.name for layer in REGISTRY]
    return ["households", *(name for name in names if name != "households")]


def feature_groups(assets: Mapping[str, dict[str, Any]], lang: str) -> list[folium.FeatureGroup]:
    """One feature group per filtered layer, in ``drawing_order`` (one canvas: added = on top)."""
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


# --- legend ---------------------------------------------------------------------------------
LegendItem = tuple[str, str, str]  # label, colour, shape (line/thin/dash/ring/dot/bubble/box/title)


def legend_items(lang: str, households: str = "each") -> list[LegendItem]:
    """(label, colour, shape) rows for the legend beside the map, matching ``_style``.

    ``households`` says how the households layer is drawn: ``each`` (one dot per household),
    ``totals`` (circles per village) or ``none`` (not shown)."""
    items: list[LegendItem] = [(t("legend_repairs", lang), "", "title")]
    items += [(STATUS.label(code, lang), color, "line") for code, color in STATUS_COLORS.items()]
    items.append((t("undamaged", lang), UNDAMAGED_COLOR, "thin"))
    items.append((t("legend_facilities", lang), "", "title"))
    for layer in REGISTRY.repairable():
        if layer.style.kind == "point":
            items.append((layer.label(lang), layer.style.color, "ring"))
    if households == "each":
        items.append((REGISTRY.get("households").label(lang), "", "title"))
        labels = ("households_ok_legend", "households_one_risk_legend",
                  "households_at_risk_legend")
        items += [(t(key, lang), color, "dot")
                  for key, (_, color) in zip(labels, RISK_COLORS, strict=True)]
        items.append((t("households_monitored_legend", lang), MONITORED_OUTLINE, "ring"))
    elif households == "totals":
        items.append((t("legend_totals", lang), "", "title"))
        items += [(label, color, "bubble") for label, color in share_classes(lang)]
    items.append((t("legend_frame", lang), "", "title"))
    flood = REGISTRY.get("flood_extent").field("depth_class").vocab
    for code, color in DEPTH_COLORS.items():
        items.append((f"{REGISTRY.get('flood_extent').label(lang)} "
                      f"{flood.label(code, lang) if flood else code}", color, "box"))
    items += [(REGISTRY.get("county").label(lang), REGISTRY.get("county").style.color, "line"),
              (REGISTRY.get("townships").label(lang), REGISTRY.get("townships").style.color,
               "dash"),
              (REGISTRY.get("villages").label(lang), REGISTRY.get("villages").style.color,
               "thin")]
    return items


def share_classes(lang: str) -> list[tuple[str, str]]:
    """Legend labels of ``SHARE_COLORS``: none, then percentage ranges of at-risk households."""
    out = [(t("share_none", lang), SHARE_COLORS[0][1])]
    limits = [limit for limit, _ in SHARE_COLORS[1:]]
    for i, (limit, color) in enumerate(SHARE_COLORS[1:]):
        upper = limits[i + 1] if i + 1 < len(limits) else None
        low = f"{limit:.0%}" if limit >= 0.01 else ">0"
        text = f"{low}–{upper:.0%}" if upper is not None else f"≥{limit:.0%}"
        out.append((t("share_range", lang, range=text), color))
    return out


def _legend_mark(color: str, shape: str) -> str:
    box = "display:inline-block;vertical-align:middle;"
    if shape in ("line", "thin", "dash"):
        height = {"line": 4, "thin": 1}.get(shape, 2)
        border = f"border-top:2px dashed {color}" if shape == "dash" else f"background:{color}"
        return f"<span style='{box}width:18px;height:{height}px;{border}'></span>"
    if shape == "ring":
        return (f"<span style='{box}width:10px;height:10px;border-radius:50%;"
                f"border:2px solid {color}'></span>")
    if shape == "dot":
        return (f"<span style='{box}width:8px;height:8px;border-radius:50%;"
                f"background:{color}'></span>")
    if shape == "bubble":
        return (f"<span style='{box}width:12px;height:12px;border-radius:50%;"
                f"background:{color};opacity:{BUBBLE_OPACITY + 0.2:.2f};"
                "border:1px solid #fff'></span>")
    return f"<span style='{box}width:14px;height:10px;background:{color};opacity:0.7'></span>"


def legend_html(lang: str, households: str = "each") -> str:
    """Static legend markup: only our own labels, no data values."""
    parts = []
    for label, color, shape in legend_items(lang, households):
        if shape == "title":
            parts.append(f"<div style='font-size:0.8em;color:#666;margin-top:0.4em'>"
                         f"{esc(label)}</div>")
        else:
            parts.append(f"<div style='font-size:0.85em'>{_legend_mark(color, shape)} "
                         f"{esc(label)}</div>")
    return "".join(parts)


def households_mode(collections: Mapping[str, dict[str, Any]]) -> str:
    """How the households layer is drawn, for the legend: each, totals or none."""
    data = collections.get("households")
    if data is None:
        return "none"
    return "totals" if data.get("aggregated") else "each"


# --- clicks -------------------------------------------------------------------------------------
def resolve_click(
    returned: Mapping[str, Any] | None,
    shown: Mapping[str, dict[str, Any]],
    tolerance_deg: float = 0.003,
) -> tuple[str, int] | None:
    """Which shown feature a map click hit, as (layer, id); None if it hit nothing we show.

    st_folium returns the clicked feature as GeoJSON (``last_active_drawing``, whose properties
    carry our ``fid``) and the click position (``last_object_clicked``); the position is the
    fallback, matched to the nearest shown point or line within ``tolerance_deg``.
    """
    if not returned:
        return None
    shown_ids = {f["properties"]["fid"] for data in shown.values() for f in data["features"]}
    drawing = returned.get("last_active_drawing") or {}
    props = drawing.get("properties") if isinstance(drawing, dict) else None
    if props and props.get("fid") in shown_ids:
        return parse_fid(props["fid"])
    clicked = returned.get("last_object_clicked")
    if not clicked or clicked.get("lat") is None or clicked.get("lng") is None:
        return None
    return nearest_feature(float(clicked["lng"]), float(clicked["lat"]), shown, tolerance_deg)


def nearest_feature(lon: float, lat: float, shown: Mapping[str, dict[str, Any]],
                    tolerance_deg: float) -> tuple[str, int] | None:
    point = shapely.Point(lon, lat)
    best: tuple[float, str] | None = None
    for data in shown.values():
        for feat in data["features"]:
            ref = parse_fid(feat["properties"].get("fid"))
            if ref is None:
                continue
            distance = shapely.geometry.shape(feat["geometry"]).distance(point)
            if distance <= tolerance_deg and (best is None or distance < best[0]):
                best = (distance, feat["properties"]["fid"])
    return parse_fid(best[1]) if best else None


Bounds = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


def _mercator_y(lat: float) -> float:
    """Web Mercator y of a latitude, as a fraction of the world's height (0 = north edge)."""
    rad = math.radians(max(min(lat, 85.0), -85.0))
    return (1 - math.log(math.tan(math.pi / 4 + rad / 2)) / math.pi) / 2


def fit_view(bounds: Bounds, size: tuple[int, int] = MAP_SIZE_PX,
             padding: int = FIT_PADDING_PX) -> tuple[tuple[float, float], float]:
    """Centre (lat, lon) and the largest zoom (a multiple of ``ZOOM_SNAP``) at which
    ``bounds`` fit a ``size`` pixel map with ``padding`` on each side — Leaflet's fitBounds,
    done here because st_folium moves a built map only by centre and zoom."""
    west, south, east, north = bounds
    top, bottom = _mercator_y(north), _mercator_y(south)
    center = (round(_lat_of((top + bottom) / 2), PRECISION), round((west + east) / 2, PRECISION))
    width, height = (max(side - 2 * padding, 1) for side in size)
    fits = [MAX_FIT_ZOOM]
    if east > west:
        fits.append(math.log2(width / (256 * (east - west) / 360)))
    if bottom > top:
        fits.append(math.log2(height / (256 * (bottom - top))))
    zoom = math.floor(min(fits) / ZOOM_SNAP) * ZOOM_SNAP
    return center, max(zoom, 1.0)


def _lat_of(mercator_y: float) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * mercator_y))))


def frame_bounds(frames: Mapping[str, dict[str, Any]], layer: str,
                 codes: Iterable[str] | None = None) -> Bounds | None:
    """Bounds of a frame layer's features (only those whose ``code`` is in ``codes``, if given);
    None when there is nothing to fit."""
    data = frames.get(layer)
    if not data:
        return None
    wanted = None if codes is None else {esc(code) for code in codes}
    geoms = [shapely.geometry.shape(f["geometry"]) for f in data["features"]
             if wanted is None or f["properties"].get("code") in wanted]
    if not geoms:
        return None
    west, south, east, north = shapely.total_bounds(geoms)
    return float(west), float(south), float(east), float(north)


def county_view(frames: Mapping[str, dict[str, Any]]) -> tuple[tuple[float, float], float]:
    """The whole county in the frame (the townships' extent when the outline is missing)."""
    bounds = frame_bounds(frames, "county") or frame_bounds(frames, "townships")
    return fit_view(bounds) if bounds else (COUNTY_CENTER, COUNTY_ZOOM)


def view_for(filters: MapFilter, names: Names, seats: Mapping[str, tuple[float, float]],
             frames: Mapping[str, dict[str, Any]] | None = None,
             ) -> tuple[tuple[float, float], float]:
    """Centre (lat, lon) and zoom fitting the filtered area: the chosen villages, else the
    chosen townships, else the county outline. Without their boundaries in ``frames`` the
    view falls back to a township seat at a fixed zoom."""
    frames = frames or {}
    bounds = None
    if filters.villages:
        bounds = frame_bounds(frames, "villages", filters.villages)
    if bounds is None and filters.townships:
        bounds = frame_bounds(frames, "townships", filters.townships)
    if bounds is not None:
        return fit_view(bounds)
    if len(filters.townships) == 1 and filters.townships[0] in seats:
        zoom = VILLAGE_ZOOM if len(filters.villages) == 1 else TOWNSHIP_ZOOM
        return seats[filters.townships[0]], zoom
    return county_view(frames)

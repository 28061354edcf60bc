"""What the map page carries to the browser: GeoDataFrames turned into GeoJSON dicts.

This module is the safety boundary of the map. Each feature's properties are an explicit
whitelist (``asset_props``, ``household_props``, ``totals_collection``: never id_number, phone
or income), and every data value in them — tooltip text and popup values alike — passes through
``esc`` (``html.escape``) here, before folium or the browser sees it. Anything added to a
feature's properties must be whitelisted and escaped the same way.

The map stays bounded: each asset layer sends at most its share of ``MAX_FEATURES`` features
(``layer_budgets``), and above ``HOUSEHOLD_DETAIL_LIMIT`` households are drawn as one circle per
village with their totals (per township above ``VILLAGE_TOTALS_LIMIT`` villages). Shapes are
simplified by a tolerance of about one pixel of the view they are drawn for (``views.map.viewport``
chooses it) and their coordinates carry no more digits than that tolerance needs.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers import REGISTRY
from layers.base import Layer
from layers.vocabularies import (
    CATEGORY,
    HOUSE_GRADE,
    KIND_FLAG,
    MONITOR_KIND,
    PROBLEM_KIND,
    PROBLEM_STATE,
    RISK_ITEMS,
    STATUS,
)
from views.i18n import t
from views.names import Names

# --- limits ---------------------------------------------------------------------------------
MAX_FEATURES = 3000  # asset features on one map, shared by the layers (open work first)
MIN_PER_LAYER = 50  # every layer keeps at least this many when the budget is shared
HOUSEHOLD_DETAIL_LIMIT = 2500  # above this, households are drawn as village totals
FRAME_LIMIT = 1000  # boundary/flood polygons per frame layer in the base map
VILLAGE_TOTALS_LIMIT = 1000  # above this many villages, households are totalled per township
SIMPLIFY_DEG = 0.0002  # ≈ 20 m: boundaries need no more detail on screen
# above this many villages their outlines are drawn only around a chosen place or in view
VILLAGE_OUTLINE_LIMIT = 1000
PRECISION = 5  # decimal places of lon/lat (≈ 1 m)

# --- colours (the legend in views.map.render explains them) --------------------------------
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


# --- escaping and formatting -----------------------------------------------------------
def esc(value: object) -> str:
    """Any data value as text that is safe inside HTML (and inside a <script> JSON string)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NaT:
        return ""
    return html.escape(str(value), quote=True)


def given(value: object) -> bool:
    """A value is there: not None, NaN, NA or NaT (pandas reads an empty text as NaN), not ''."""
    if value is None or value is pd.NaT or value is pd.NA:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return value != ""


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
def _geometry(geom: Any, simplify: bool,
              tolerance: float = SIMPLIFY_DEG) -> dict[str, Any] | None:
    if geom is None or geom.is_empty:
        return None
    if simplify and geom.geom_type in ("Polygon", "MultiPolygon", "LineString",
                                       "MultiLineString"):
        geom = shapely.simplify(geom, tolerance, preserve_topology=True)
    # coordinates no finer than the simplification: the digits would carry no visible detail
    digits = min(PRECISION, max(2, math.ceil(-math.log10(tolerance)) + 1)) if simplify else PRECISION
    geom = shapely.set_precision(geom, 10 ** -digits)
    if geom.is_empty:
        return None
    return shapely.geometry.mapping(geom)  # type: ignore[no-any-return]


def _feature(geom: Any, props: dict[str, Any], simplify: bool = False,
             tolerance: float = SIMPLIFY_DEG) -> dict[str, Any] | None:
    geometry = _geometry(geom, simplify, tolerance)
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
                     lang: str, tolerance: float = SIMPLIFY_DEG) -> dict[str, Any]:
    """County, township, village and flood polygons with a one-line tooltip, simplified by
    ``tolerance`` degrees (about a pixel of the view they are drawn for).

    Beyond ``FRAME_LIMIT`` polygons (a province-sized data set) only the first ones are drawn:
    the base map is sent on every page load and must stay small. Flood polygons smaller than
    ``tolerance`` (under a pixel) are left out: they could not be seen.
    """
    total = len(gdf)
    if layer.name == "flood_extent" and tolerance > SIMPLIFY_DEG and total:
        gdf = gdf[~sub_pixel(gdf.geometry.to_numpy(), tolerance)]
    if len(gdf) > FRAME_LIMIT:
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
        if layer.name == "villages":  # its label on the zoomed-in map
            props["name"] = esc(rec.get("name", ""))
        feats.append(_feature(geom, props, simplify=True, tolerance=tolerance))
    return collection(feats, layer=layer.name, total=total)


def sub_pixel(geoms: Any, tolerance: float) -> Any:
    """Boolean array: shapes whose bounding box is smaller than ``tolerance`` both ways."""
    bounds = shapely.bounds(geoms)
    return ((bounds[:, 2] - bounds[:, 0]) < tolerance) & ((bounds[:, 3] - bounds[:, 1]) < tolerance)


# --- popup properties (the whitelist) ----------------------------------------------------
# Popups are built in the browser from short property keys and our labels (folium's
# GeoJsonPopup), so each feature carries only its escaped values, not a whole HTML table.
ASSET_POPUP = (("n", "col_name"), ("c", "col_code"), ("s", "col_status"), ("t", "col_township"),
               ("v", "col_severity"), ("d", "col_deadline"), ("u", "col_resp_unit"))
HOUSEHOLD_POPUP = (("n", "col_head"), ("k", "col_category"), ("m", "col_members"),
                   ("g", "col_village"), ("r", "col_risks"), ("q", "lg_popup_problems"),
                   ("h", "col_house_grade"), ("p", "col_helper"))
# One open problem of the ledger as the popup lists it: (kind, state) codes.
OpenProblem = tuple[str, str]
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


def household_props(rec: Mapping[str, Any], names: Names, lang: str,
                    problems: Sequence[OpenProblem] = ()) -> dict[str, Any]:
    """Whitelisted household properties: no ID number, phone or income ever leaves here.

    Coloured by its open risk points: the raised flags and the open problems of the ledger (a
    flag and an open problem of the same kind are one point); the popup lists the problems."""
    risks = open_risks(rec, lang)
    category = CATEGORY.label(rec.get("category"), lang)
    kind = MONITOR_KIND.label(rec["monitor_kind"], lang) if given(rec.get("monitor_kind")) else ""
    grade = HOUSE_GRADE.label(rec["house_grade"], lang) if given(rec.get("house_grade")) else ""
    flagged = {k for k, flag in KIND_FLAG.items() if bool(rec.get(flag))}
    n = len(flagged | {k for k, _ in problems})
    fill = next(color for limit, color in reversed(RISK_COLORS) if n >= limit)
    monitored = rec.get("category") == "monitored"
    listed = ("；" if lang == "zh" else "; ").join(
        f"{PROBLEM_KIND.label(k, lang)}·{PROBLEM_STATE.label(s, lang)}" for k, s in problems)
    return {
        "fid": fid("households", rec["id"]),
        "layer": "households",
        "color": MONITORED_OUTLINE if monitored else fill,
        "fill": fill,
        "tip": esc(f"{rec.get('head_name', '')}（{category}，{n}）"),
        "n": esc(rec.get("head_name")), "k": esc(f"{category} {kind}".strip()),
        "m": esc(rec.get("members")), "g": esc(names.village(rec.get("village_code"))),
        "r": esc(("、" if lang == "zh" else ", ").join(risks)), "q": esc(listed), "h": esc(grade),
        "p": esc(rec.get("helper")),
    }


def _plain(value: object) -> object:
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()[:10]
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    return value


def asset_collection(layer: Layer, gdf: gpd.GeoDataFrame, names: Names, lang: str,
                     limit: int = MAX_FEATURES, tolerance: float = SIMPLIFY_DEG) -> dict[str, Any]:
    """One repairable layer, open work first when it must be cut to ``limit`` features; lines
    simplified by ``tolerance`` degrees (about a pixel of the fitted view)."""
    total = len(gdf)
    if total > limit:
        # one dict lookup per row (a vocabulary scan per row took ~0.1 s at --scale 100)
        order = gdf["status"].map({c: i for i, c in enumerate(STATUS.codes)}).fillna(99)
        gdf = gdf.assign(_order=order).sort_values(["_order", "id"]).head(limit)
        gdf = gdf.drop(columns="_order")
    feats = (_feature(geom, asset_props(layer, rec, names, lang), simplify=True,
                      tolerance=tolerance)
             for rec, geom in _records(gdf))
    return collection(feats, layer=layer.name, total=total,
                      popup_fields=popup_fields(ASSET_POPUP, lang))


def patched_asset_collection(layer: Layer, gdf: gpd.GeoDataFrame, old: Mapping[str, Any],
                             edited: Collection[int], names: Names, lang: str,
                             tolerance: float = SIMPLIFY_DEG) -> dict[str, Any]:
    """:func:`asset_collection` of a layer drawn whole (not cut to a budget) before and after an
    edit of the assets ``edited``: their features, and those of assets ``old`` lacks, drawn
    again; every other one taken from ``old`` (a feature shows its own row only)."""
    kept = {f["properties"]["fid"]: f for f in old["features"]}
    keys = [fid(layer.name, i) for i in gdf["id"].tolist()]
    again = gdf["id"].isin(list(edited)).to_numpy() | np.array([k not in kept for k in keys],
                                                                dtype=bool)
    made = {fid(layer.name, rec["id"]): _feature(geom, asset_props(layer, rec, names, lang),
                                                 simplify=True, tolerance=tolerance)
            for rec, geom in _records(gdf[again])}
    return collection((made[k] if k in made else kept[k] for k in keys), layer=layer.name,
                      total=len(gdf), popup_fields=popup_fields(ASSET_POPUP, lang))


def household_collection(gdf: gpd.GeoDataFrame, names: Names, lang: str,
                         limit: int = HOUSEHOLD_DETAIL_LIMIT,
                         problems: Mapping[int, Sequence[OpenProblem]] | None = None) -> dict[str, Any]:
    """Each household (with its open problems, by household id), or — above ``limit`` — one
    circle per village with its totals."""
    total = len(gdf)
    if total > limit:
        return village_totals(gdf, names, lang)
    problems = problems or {}
    feats = (_feature(geom, household_props(rec, names, lang, problems.get(int(rec["id"]), ())))
             for rec, geom in _records(gdf))
    return collection(feats, layer="households", total=total, aggregated=False,
                      popup_fields=popup_fields(HOUSEHOLD_POPUP, lang))


# --- household totals, budgets ---------------------------------------------------------
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


"""Sample households, roads and frame layers shared by the map tests (no database)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely

from geo.settings import get_settings
from layers import REGISTRY
from views.map import geojson, render
from views.names import Names

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
    m = render.base_map({}, get_settings({}), "zh")
    for group in render.feature_groups(collections, "zh"):
        group.add_to(m)
    return m.get_root().render()


def frame(layer: str, features: list[tuple[str, shapely.Geometry]]) -> dict[str, Any]:
    """A frame layer as frame_collection builds it, from (code, polygon) pairs."""
    spec = REGISTRY.get(layer)
    rows = [{"id": i + 1, "code": code, "name": f"{code}名", "township_code": "411121102",
             "geom": geom} for i, (code, geom) in enumerate(features)]
    gdf = gpd.GeoDataFrame(rows, geometry="geom", crs=4490)
    return geojson.frame_collection(spec, gdf, NAMES, "zh")

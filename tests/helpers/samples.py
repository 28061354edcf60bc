"""Small hand-made features for every layer, with Chinese text, for PostGIS tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import WKTElement
from sqlalchemy.orm import Session

from geo.rank.core import QueueRow
from layers import REGISTRY

TOWNSHIP = "411121102"  # 北舞渡镇
VILLAGE = "411121102201"


def wkt(text: str) -> WKTElement:
    return WKTElement(text, srid=4490)


def square(x0: float, y0: float, size: float) -> str:
    x1, y1 = x0 + size, y0 + size
    return f"MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


REPAIR: dict[str, Any] = {
    "status": "not_started", "severity": "severe", "cost_wan": 12.5, "resp_unit": "县交通运输局",
    "deadline": dt.date(2021, 12, 31), "updated_by": "测试",
}


def sample_rows() -> dict[str, dict[str, Any]]:
    """One valid row per layer, keyed by layer name (insert in registry order)."""
    return {
        "county": {"code": "411121", "name": "舞阳县", "source": "测试", "geom": wkt(square(113.5, 33.4, 0.3))},
        "townships": {"code": TOWNSHIP, "name": "北舞渡镇", "kind": "zhen", "seat_lon": 113.69,
                      "seat_lat": 33.62, "geom": wkt(square(113.6, 33.55, 0.15))},
        "villages": {"code": VILLAGE, "name": "沙河湾村", "township_code": TOWNSHIP, "population": 1520,
                     "households": 410, "severely_hit": True, "help_unit": "县水利局", "work_team": "第一工作队",
                     "centre": wkt("POINT(113.65 33.6)"), "geom": wkt(square(113.62, 33.57, 0.06))},
        "flood_extent": {"depth_class": "d1_2", "observed_on": dt.date(2021, 7, 23), "source": "遥感解译",
                         "geom": wkt(square(113.63, 33.58, 0.02))},
        "roads": {"code": "X012-001", "name": "北舞渡镇沙河大桥<&>", "township_code": TOWNSHIP,
                  "route_code": "X012", "road_class": "county", "structure": "bridge", "chainage": "K12+300",
                  "damage_type": "bridge", "passable": "blocked", "length_m": 180.0,
                  "geom": wkt("LINESTRING(113.64 33.59,113.66 33.61)"), **REPAIR},
        "water_works": {"code": "W-001", "name": "北舞渡镇水厂", "township_code": TOWNSHIP, "kind": "plant",
                        "use": "living", "villages_served": [VILLAGE], "emergency_supply": False,
                        "geom": wkt("POINT(113.65 33.605)"), **REPAIR},
        "power_lines": {"code": "P-001", "name": "北10kV沙河线", "township_code": TOWNSHIP, "feeder": "沙河线",
                        "substation": "北舞渡35kV变电站", "villages_fed": [VILLAGE],
                        "transformer_areas": ["沙河湾1号台区"],
                        "filing": "not_filed", "geom": wkt("LINESTRING(113.61 33.6,113.65 33.6)"), **REPAIR},
        "pv_stations": {"code": "PV-001", "name": "沙河湾村光伏电站", "township_code": TOWNSHIP,
                        "village_code": VILLAGE, "capacity_kw": 183.0, "beneficiaries": ["H-001"],
                        "welfare_posts": 6, "damage_kind": "inverter", "geom": wkt("POINT(113.651 33.601)"), **REPAIR},
        "telecom_sites": {"code": "T-001", "name": "沙河湾基站", "township_code": TOWNSHIP, "kind": "base_station",
                          "operator": "中国移动", "villages_served": [VILLAGE], "geom": wkt("POINT(113.652 33.602)"),
                          **REPAIR},
        "schools": {"code": "S-001", "name": "沙河湾小学", "township_code": TOWNSHIP, "level": "primary",
                    "pupils": 230, "villages_served": [VILLAGE], "geom": wkt("POINT(113.653 33.603)"), **REPAIR},
        "clinics": {"code": "C-001", "name": "沙河湾村卫生室", "township_code": TOWNSHIP, "kind": "village",
                    "villages_served": [VILLAGE], "geom": wkt("POINT(113.654 33.604)"), **REPAIR},
        "households": {"code": "H-001", "head_name": "王二妮", "id_number": "41112119800101123X",
                       "phone": "13800000000", "members": 4, "category": "monitored", "monitor_kind": "sudden",
                       "risk_housing": True, "risk_water": True, "house_grade": "D", "flood_damage": "severe",
                       "income_per_capita": 5200, "helper": "李帮扶", "village_code": VILLAGE,
                       "geom": wkt("POINT(113.655 33.605)")},
    }


def insert_samples(session: Session, only: set[str] | None = None) -> dict[str, Any]:
    """Insert the sample rows (all layers, or ``only`` plus what they depend on); return the objects."""
    objects: dict[str, Any] = {}
    for layer in REGISTRY:
        if only is not None and layer.name not in only | {"townships", "villages"}:
            continue
        obj = layer.model(**sample_rows()[layer.name])
        session.add(obj)
        session.flush()
        objects[layer.name] = obj
    return objects


def queue_row(**values: Any) -> QueueRow:
    """A queue row as the ranking core makes it, with neutral values for what a test leaves out."""
    base: dict[str, Any] = {
        "rank": 1, "county_rank": 1, "layer": "roads", "layer_zh": "水毁公路", "id": 1, "code": "X001",
        "name": "", "township": "北舞渡镇", "township_code": "411121102", "task": "修复",
        "status": "not_started", "status_zh": "未开工", "urgency": "长远", "use": "生活",
        "importance": "一般", "key_reasons": [], "villages_cut_off": 0, "cut_off_villages": [],
        "villages_affected": 0, "households": 0, "households_nearby": 0, "monitored_households": 0,
        "weighted_households": 0.0, "severity": None, "severity_zh": "", "deadline": None, "reason": "",
    }
    return QueueRow(**(base | values))

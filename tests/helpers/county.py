"""Tiny hand-built counties for the ranking tests (no database): villages, households, assets.

Coordinates are CGCS2000 lon/lat near the county seat; 0.01° ≈ 0.93 km east, 1.1 km north.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from shapely.geometry import LineString

from geo.rank.core import LayerInfo, Override, RankInputs, RankResult
from geo.rank.inputs import known_codes, layer_info
from geo.rank.rules import DEFAULT_RULES_PATH, Rules, parse_rules
from layers import REGISTRY

TWP = "411121100"  # 舞泉镇: also the county seat
SEAT = (113.60, 33.40)
RISKS = ("risk_food", "risk_clothing", "risk_education", "risk_medical", "risk_housing",
         "risk_water")


def info(name: str) -> LayerInfo:
    return layer_info(REGISTRY.get(name))


def rules(**replace: str) -> Rules:
    """The shipped rules, with ``old=new`` text replacements of single lines."""
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return parse_rules(text, "test.toml", known_codes(REGISTRY))


def village(code: str, name: str, lon: float, lat: float, severe: bool = False) -> dict[str, object]:
    return {"code": code, "name": name, "township_code": TWP, "severely_hit": severe,
            "households": 100, "lon": lon, "lat": lat}


def households(village_code: str, n: int, lon: float, lat: float, category: str = "general",
               start: int = 0, **flags: bool) -> list[dict[str, object]]:
    return [{"code": f"{village_code}{start + k:04d}", "village_code": village_code,
             "category": category, **{r: flags.get(r, False) for r in RISKS},
             "lon": lon, "lat": lat} for k in range(n)]


def asset(id_: int, code: str, status: str | None, geom: object, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {"id": id_, "code": code, "name": f"名{code}", "township_code": TWP,
                              "status": status, "severity": None, "deadline": None, "geom": geom}
    row.update(extra)
    return row


def inputs(vils: list[dict[str, object]], hh: list[dict[str, object]],
           layers: list[tuple[str, list[dict[str, object]]]],
           overrides: dict[tuple[str, int], Override] | None = None) -> RankInputs:
    twp = pd.DataFrame([{"code": TWP, "name": "舞泉镇", "seat_lon": SEAT[0], "seat_lat": SEAT[1]}])
    hh_cols = ["code", "village_code", "category", *RISKS, "lon", "lat"]
    return RankInputs(pd.DataFrame(vils), pd.DataFrame(hh, columns=hh_cols), twp,
                      [(info(name), pd.DataFrame(rows)) for name, rows in layers],
                      {"status": {"not_started": "未开工", "opened": "已抢通"},
                       "filing": {"not_filed": "未备案", "filed": "已备案"}},
                      overrides or {})


def line(*points: tuple[float, float]) -> LineString:
    return LineString(points)


def order(result: RankResult) -> list[tuple[str, str]]:
    return [(r.code, r.task) for r in result.rows]


def row(result: RankResult, code: str, task: str | None = None) -> Any:
    return next(r for r in result.rows if r.code == code and (task is None or r.task == task))

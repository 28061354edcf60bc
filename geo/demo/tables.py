"""Per-tile rows of the infrastructure tables: codes, damage and repair fields on the structure."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely

from geo.demo.common import STATUS_DATE, keep
from geo.demo.damage import damage_draw, repair_columns
from geo.demo.segments import Segments
from geo.demo.structure import Structure

ROAD_CHANCE = (0.004, 0.08, 0.22, 0.4, 0.55)  # by flood depth level 0 (dry) … 4 (>2 m)
ASSET_CHANCE = (0.01, 0.1, 0.3, 0.5, 0.65)
CODE_LETTER = {"roads": "R", "water_works": "W", "power_lines": "P", "pv_stations": "G",
               "telecom_sites": "T", "schools": "S", "clinics": "M"}
OPEN = ("assess", "not_started", "opening", "opened", "repairing")
BLOCKING = ("assess", "not_started", "opening")
LIVING_KINDS = ("plant", "intake", "network")

Rows = tuple[pd.DataFrame, dict[str, np.ndarray]]


def _codes(adcode: str, table: str, n: int) -> np.ndarray:
    return np.array([f"{adcode}{CODE_LETTER[table]}{i + 1:05d}" for i in range(n)], dtype=object)


def _township_of(st: Structure, geoms: np.ndarray) -> np.ndarray:
    """Township index of each geometry's representative point (0 if on no township)."""
    pts = shapely.point_on_surface(geoms) if len(geoms) else geoms
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    out = np.zeros(len(geoms), dtype=int)
    for i, poly in enumerate(st.frame.twp_geom):
        shapely.prepare(poly)
        out[np.asarray(shapely.contains_xy(poly, x, y), dtype=bool)] = i
    return out


def road_table(
    st: Structure, adcode: str, twp_codes: np.ndarray, twp_names: list[str], rng: np.random.Generator
) -> Rows:
    seg = st.roads
    n = len(seg.geom)
    boost = np.where(seg.near_river, 0.35, 0.0) * (seg.depth > 0)
    damaged, sev = damage_draw(rng, seg.depth, ROAD_CHANCE, boost)
    twp = _township_of(st, seg.geom)
    rep = repair_columns(rng, "roads", damaged, sev, _road_cost(seg, rng), [twp_names[t] for t in twp])
    status = rep["status"]
    passable = np.where(np.isin(status, BLOCKING),
                        np.where(rng.random(n) < 0.7, "blocked", "limited"), "open").astype(object)
    df = pd.DataFrame({
        "code": _codes(adcode, "roads", n), "name": seg.name, "township_code": twp_codes[twp],
        "route_code": seg.route, "road_class": seg.road_class, "structure": seg.structure,
        "chainage": seg.chainage, "damage_type": keep(damaged, _damage_type(seg, rng)),
        "passable": passable, "length_m": seg.length_m, **rep,
    })
    return df, {"geom": seg.geom}


def _road_cost(seg: Segments, rng: np.random.Generator) -> np.ndarray:
    per_km = np.array([{"national": 300.0, "provincial": 220.0, "county": 120.0,
                        "township": 60.0, "village": 30.0}[c] for c in seg.road_class])
    cost = per_km * np.asarray(seg.length_m) / 1000.0
    structure = np.array(seg.structure, dtype=object)
    cost = np.where(structure == "bridge", rng.uniform(80, 400, len(cost)), cost)
    return np.where(np.isin(structure, ["ford", "culvert"]), rng.uniform(5, 40, len(cost)), cost)


def _damage_type(seg: Segments, rng: np.random.Generator) -> np.ndarray:
    structure = np.array(seg.structure, dtype=object)
    n = len(structure)
    plain = np.array(["washout", "collapse", "submerged", "silt", "landslip"], dtype=object)
    kind = plain[rng.choice(5, n, p=[0.3, 0.25, 0.25, 0.15, 0.05])]
    kind = np.where(structure == "bridge", "bridge", kind)
    kind = np.where(structure == "culvert", "culvert", kind)
    return np.where(structure == "ford", np.where(rng.random(n) < 0.5, "washout", "silt"), kind)


def asset_table(
    st: Structure, table: str, depth: np.ndarray, adcode: str, twp_codes: np.ndarray,
    twp_names: list[str], vil_codes: np.ndarray, hh: pd.DataFrame, rng: np.random.Generator,
) -> Rows:
    a = st.assets[table]
    n = len(a)
    twp = np.asarray(a.twp)
    damaged, sev = damage_draw(rng, depth, ASSET_CHANCE, np.asarray(a.depth_boost) * (depth > 0))
    rep = repair_columns(rng, table, damaged, sev, np.asarray(a.base_cost),
                         [twp_names[t] for t in twp])
    codes = _codes(adcode, table, n)
    served = [list(vil_codes[s]) for s in a.served]
    df = pd.DataFrame({"code": codes, "name": a.cols["name"], "township_code": twp_codes[twp]})
    extra = EXTRA[table](a.cols, served, rep, codes, vil_codes, hh, depth, rng)
    for col, values in extra.items():
        df[col] = values
    for col, values in rep.items():
        df[col] = values
    return df, {"geom": np.array(a.geom, dtype=object)}


def _water(cols, served, rep, codes, vil_codes, hh, depth, rng):  # type: ignore[no-untyped-def]
    kind = np.array(cols["kind"], dtype=object)
    emergency = np.isin(kind, LIVING_KINDS) & np.isin(rep["status"], OPEN)
    return {"kind": kind, "use": cols["use"], "villages_served": served,
            "emergency_supply": emergency}


def _power(cols, served, rep, codes, vil_codes, hh, depth, rng):  # type: ignore[no-untyped-def]
    parent = [codes[p] if p >= 0 else None for p in cols["parent"]]
    areas = [[f"{vil_codes[v]}-T{j + 1}" for j in range(k)]
             for v, k in zip(cols["node"], cols["areas"], strict=True)]
    status = rep["status"]
    coin = rng.random(len(status)) < 0.5
    # 先实施后备案: the filing follows the works
    filing = np.where(np.isin(status, ["assess", "not_started"]), "not_filed", "filed")
    filing = np.where(status == "repairing", np.where(coin, "not_filed", "filing"), filing)
    filing = np.where(status == "done", np.where(coin, "filing", "filed"), filing)
    filing = keep(np.asarray(status != None), filing)  # noqa: E711
    filed_on, documents = _filings(filing, rep)
    return {"feeder": cols["feeder"], "substation": cols["substation"], "parent_code": parent,
            "villages_fed": served, "transformer_areas": areas, "filing": filing,
            "filed_on": filed_on, "filing_doc": documents, "voltage_kv": 10}


def _filings(filing: np.ndarray, rep: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """A filed line's date (a week after the works, by the data set's day) and document number."""
    dates: list[dt.date | None] = []
    documents: list[str | None] = []
    number = 0
    for state, started, finished in zip(filing, rep["started_on"], rep["finished_on"], strict=True):
        if state != "filed":
            dates.append(None)
            documents.append(None)
            continue
        number += 1
        base = finished or started or STATUS_DATE
        dates.append(min(base + dt.timedelta(days=7), STATUS_DATE))
        documents.append(f"舞电备〔2021〕{number}号")
    return np.array(dates, dtype=object), np.array(documents, dtype=object)


def _pv(cols, served, rep, codes, vil_codes, hh, depth, rng):  # type: ignore[no-untyped-def]
    """Beneficiaries: 脱贫户 of the station's village, about one per 4 kW."""
    cap = np.asarray(cols["capacity_kw"], dtype=float)
    poor = hh[hh["category"] == "tuopin"]
    by_village = poor.groupby("village_code", sort=True)["code"].apply(list).to_dict()
    benef = []
    for v, kw in zip(cols["village"], cap.tolist(), strict=True):
        members = by_village.get(vil_codes[v], [])
        benef.append(members[: max(1, round(kw / 4))])
    status = rep["status"]
    flooded = (depth >= 3) & np.isin(status, ["assess", "not_started"])
    kinds = np.array(["modules", "inverter", "logger", "soiled"], dtype=object)
    kind = np.where(flooded, "flooded", kinds[rng.choice(4, len(cap), p=[0.35, 0.25, 0.15, 0.25])])
    return {"village_code": vil_codes[np.asarray(cols["village"])], "capacity_kw": cap,
            "beneficiaries": benef, "welfare_posts": np.round(cap * 0.16).astype(int),
            "damage_kind": keep(np.asarray(status != None), kind)}  # noqa: E711


def _telecom(cols, served, rep, codes, vil_codes, hh, depth, rng):  # type: ignore[no-untyped-def]
    return {"kind": cols["kind"], "operator": cols["operator"], "villages_served": served}


def _schools(cols, served, rep, codes, vil_codes, hh, depth, rng):  # type: ignore[no-untyped-def]
    return {"level": cols["level"], "pupils": cols["pupils"], "villages_served": served}


def _clinics(cols, served, rep, codes, vil_codes, hh, depth, rng):  # type: ignore[no-untyped-def]
    return {"kind": cols["kind"], "villages_served": served}


EXTRA = {"water_works": _water, "power_lines": _power, "pv_stations": _pv,
         "telecom_sites": _telecom, "schools": _schools, "clinics": _clinics}

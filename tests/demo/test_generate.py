"""Plausibility invariants of the demo county (pure: no database), generated once per module."""

from __future__ import annotations

import re

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.crs import METRIC_EPSG
from geo.demo import TABLES, generate
from geo.demo.common import outline_lonlat
from layers import REGISTRY
from layers.vocabularies import IMPASSABLE_STATUSES, STATUS

SEED = 7
TOL_M = 60.0  # features within this distance of the outline count as inside


@pytest.fixture(scope="module")
def data() -> dict[str, gpd.GeoDataFrame]:
    return generate(scale=1, seed=SEED)


@pytest.fixture(scope="module")
def metric(data: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    out = {}
    for name, frame in data.items():
        moved = frame.to_crs(METRIC_EPSG)
        moved.geometry = moved.geometry.make_valid()  # the round trip may bend a ring onto another
        out[name] = moved
    return out


def test_every_table_has_exactly_the_schema_columns(data: dict[str, gpd.GeoDataFrame]) -> None:
    assert list(data) == list(TABLES)
    for layer in REGISTRY:
        expected = {c.name for c in layer.table.columns} - {"id", "updated_at"}
        assert set(data[layer.name].columns) == expected, layer.name
        assert data[layer.name].crs.to_epsg() == 4490


def test_outline_is_the_real_county_converted_from_gcj02() -> None:
    area = gpd.GeoSeries([outline_lonlat()], crs=4490).to_crs(METRIC_EPSG).area.iloc[0] / 1e6
    assert 768 < area < 778
    # AMap's GCJ-02 outline sits ~0.55 km east/north of the true one; ours is the true one
    assert outline_lonlat().contains(shapely.Point(113.6015, 33.4381))  # county seat


def test_all_geometries_valid_and_inside_the_county(
    data: dict[str, gpd.GeoDataFrame], metric: dict[str, gpd.GeoDataFrame]
) -> None:
    county = metric["county"].geometry.iloc[0].buffer(TOL_M)
    shapely.prepare(county)
    kinds = {"county": "MultiPolygon", "townships": "MultiPolygon", "villages": "MultiPolygon",
             "flood_extent": "MultiPolygon", "roads": "LineString", "power_lines": "LineString"}
    for name, frame in metric.items():
        assert data[name].geometry.is_valid.all(), name
        assert not data[name].geometry.is_empty.any(), name
        if name in kinds:
            assert (data[name].geom_type == kinds[name]).all(), name
        inside = shapely.contains(county, frame.geometry.to_numpy())
        assert inside.all(), f"{name}: {int((~inside).sum())} outside"


def test_townships_partition_the_county(metric: dict[str, gpd.GeoDataFrame]) -> None:
    twp = metric["townships"]
    county = metric["county"].geometry.iloc[0]
    assert len(twp) == 14
    assert (twp.geom_type == "MultiPolygon").all()
    assert twp.area.sum() == pytest.approx(county.area, rel=1e-4)
    assert shapely.union_all(twp.geometry.to_numpy()).symmetric_difference(county).area < 1e4
    assert set(twp["kind"]) == {"zhen", "xiang"} and (twp["kind"] == "xiang").sum() == 4
    for _, row in twp.iterrows():
        seat = gpd.GeoSeries(gpd.points_from_xy([row.seat_lon], [row.seat_lat]), crs=4490)
        assert row.geom.buffer(1).contains(seat.to_crs(METRIC_EPSG).iloc[0]), row["name"]


def test_villages_partition_their_townships(metric: dict[str, gpd.GeoDataFrame]) -> None:
    vil, twp = metric["villages"], metric["townships"].set_index("code")
    assert len(vil) == 398
    assert vil["code"].str.fullmatch(r"411121\d{3}[23]\d{2}").all()
    assert vil["code"].is_unique
    for code, group in vil.groupby("township_code"):
        township = twp.loc[code, "geom"]
        assert group.area.sum() == pytest.approx(township.area, rel=1e-4), code
        union = shapely.union_all(group.geometry.to_numpy())
        assert union.symmetric_difference(township).area < 1e4, code
    centres = gpd.GeoSeries(vil["centre"], crs=4490).to_crs(METRIC_EPSG)
    assert vil.geometry.contains(centres).all()


def test_population_and_hit_villages_are_plausible(data: dict[str, gpd.GeoDataFrame]) -> None:
    vil = data["villages"]
    assert 420_000 < vil["population"].sum() < 480_000
    hit = vil[vil["severely_hit"]]
    assert 20 <= len(hit) <= 150
    assert hit["help_unit"].notna().all() and hit["work_team"].notna().all()
    assert vil.loc[~vil["severely_hit"], "help_unit"].isna().all()
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}村", n) for n in vil["name"])


def test_household_counts_and_codes(data: dict[str, gpd.GeoDataFrame]) -> None:
    hh = data["households"]
    cats = hh["category"].value_counts()
    assert 12_000 <= cats["tuopin"] <= 15_000
    assert 600 <= cats["monitored"] <= 1_200
    assert cats["dibao"] > 0 and cats["tekun"] > 0
    assert hh["code"].is_unique
    assert (hh["monitor_kind"].notna() == (hh["category"] == "monitored")).all()
    kinds = hh.loc[hh["category"] == "monitored", "monitor_kind"].value_counts()
    assert kinds.idxmax() == "sudden"  # flood cases are mostly 突发严重困难户
    assert hh["id_number"].str.fullmatch(r"411121\d{11}[\dX]").all()
    assert hh["phone"].dropna().str.fullmatch(r"1[35789]\d{9}").all()


def test_id_numbers_have_valid_check_characters(data: dict[str, gpd.GeoDataFrame]) -> None:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    for number in data["households"]["id_number"].iloc[::97]:
        total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
        assert "10X98765432"[total % 11] == number[17]


def test_households_inside_their_village(metric: dict[str, gpd.GeoDataFrame]) -> None:
    vil = metric["villages"].set_index("code")
    hh = metric["households"]
    polys = vil.loc[hh["village_code"], "geom"].to_numpy()
    assert shapely.covers(polys, hh.geometry.to_numpy()).all()


def test_risk_and_house_grade_follow_the_flood(data: dict[str, gpd.GeoDataFrame]) -> None:
    hh = data["households"]
    dry = hh["flood_damage"] == "none"
    assert not hh.loc[dry, "house_grade"].isin(["C", "D"]).any()
    assert hh.loc[~dry, "house_grade"].isin(["C", "D"]).mean() > 0.2
    assert hh.loc[~dry, "risk_water"].mean() > 5 * hh.loc[dry, "risk_water"].mean()
    assert (hh["income_per_capita"] > 0).all()


def _road_graph(roads: gpd.GeoDataFrame) -> nx.Graph:
    graph = nx.Graph()
    for line in roads.geometry:
        coords = shapely.get_coordinates(line)
        graph.add_edge(tuple(coords[0]), tuple(coords[-1]))
    return graph


def test_road_graph_connected_and_reaches_every_village(data: dict[str, gpd.GeoDataFrame]) -> None:
    roads = data["roads"]
    graph = _road_graph(roads)
    assert nx.is_connected(graph)
    nodes = set(graph.nodes)
    centres = shapely.get_coordinates(data["villages"]["centre"].to_numpy())
    assert all(tuple(c) in nodes for c in centres)
    seats = data["townships"][["seat_lon", "seat_lat"]].to_numpy()
    near = [min(np.hypot(*(centres - s).T)) for s in seats]
    assert max(near) < 1e-5  # every township seat is a road node (the seat village's centre)


def test_road_attributes(metric: dict[str, gpd.GeoDataFrame], data: dict[str, gpd.GeoDataFrame]) -> None:
    roads = data["roads"]
    assert roads["code"].is_unique
    assert roads["route_code"].str.fullmatch(r"[GSXYC]\d{3}").all()
    assert {"G240", "S330"} <= set(roads["route_code"])
    assert roads["chainage"].str.fullmatch(r"K\d+\+\d{3}").all()
    assert set(roads["structure"]) >= {"road", "bridge", "ford"}
    assert np.allclose(roads["length_m"], metric["roads"].length, atol=0.5)
    assert set(roads["status"].dropna()) == set(STATUS.codes)  # every stage on the map
    blocked = roads["status"].isin(IMPASSABLE_STATUSES)
    assert roads.loc[blocked, "passable"].isin(["blocked", "limited"]).all()
    assert (roads.loc[~blocked, "passable"] == "open").all()
    undamaged = roads[roads["status"].isna()]
    for col in ("severity", "cost_wan", "resp_unit", "deadline", "damage_type"):
        assert undamaged[col].isna().all(), col
    bridges = roads[roads["structure"] != "road"]
    assert bridges["status"].notna().mean() > roads["status"].notna().mean()


def test_damage_follows_the_flood(data: dict[str, gpd.GeoDataFrame]) -> None:
    flood = shapely.union_all(data["flood_extent"].geometry.to_numpy())
    for name in ("roads", "water_works", "power_lines", "clinics"):
        frame = data[name]
        wet = shapely.intersects(flood, frame.geometry.to_numpy())
        damaged = frame["status"].notna().to_numpy()
        assert damaged[wet].mean() > 3 * max(damaged[~wet].mean(), 0.01), name


def test_flood_depth_classes(data: dict[str, gpd.GeoDataFrame], metric: dict[str, gpd.GeoDataFrame]) -> None:
    flood = metric["flood_extent"]
    assert set(flood["depth_class"]) == {"lt05", "d05_1", "d1_2", "gt2"}
    assert 100e6 < flood.area.sum() < 300e6  # 13–39 % of the county
    geoms = flood.geometry.to_numpy()
    overlap = sum(shapely.area(shapely.intersection(geoms[i], geoms[i + 1:])).sum()
                  for i in range(len(geoms)))
    assert overlap < 1e-4 * flood.area.sum()


def test_assets_serve_named_villages(data: dict[str, gpd.GeoDataFrame]) -> None:
    codes = set(data["villages"]["code"])
    for name, col in (("water_works", "villages_served"), ("telecom_sites", "villages_served"),
                      ("schools", "villages_served"), ("clinics", "villages_served"),
                      ("power_lines", "villages_fed")):
        lists = data[name][col]
        assert all(set(v) <= codes for v in lists), name
        assert set().union(*map(set, lists)) == codes, name  # every village is served
    water = data["water_works"]
    assert set(water["kind"]) == {"plant", "intake", "network", "pump", "dyke"}
    assert (water["kind"] == "plant").sum() == 14
    assert (water.loc[water["kind"] == "pump", "use"] == "production").all()
    assert (water.loc[water["kind"] == "dyke", "use"] == "flood").all()
    living_open = water["kind"].isin(["plant", "intake", "network"]) & water["status"].isin(
        ["assess", "not_started", "repairing"])
    assert (water["emergency_supply"] == living_open).all()


def test_power_lines_form_trees(data: dict[str, gpd.GeoDataFrame]) -> None:
    lines = data["power_lines"]
    codes = set(lines["code"])
    parents = lines["parent_code"].dropna()
    assert set(parents) <= codes
    graph = nx.DiGraph(list(zip(parents, lines.loc[parents.index, "code"], strict=True)))
    assert nx.is_forest(graph.to_undirected())
    assert (lines["voltage_kv"] == 10).all()
    assert lines.loc[lines["status"].isna(), "filing"].isna().all()


def test_pv_stations(data: dict[str, gpd.GeoDataFrame]) -> None:
    pv = data["pv_stations"]
    hh = data["households"].set_index("code")
    assert 100 <= len(pv) <= 140
    assert pv["capacity_kw"].between(60, 300).all()
    for _, row in pv.iterrows():
        assert row.beneficiaries, row["name"]
        assert (hh.loc[row.beneficiaries, "village_code"] == row.village_code).all()
    assert (pv["welfare_posts"] > 0).all()


def test_repair_fields_consistent(data: dict[str, gpd.GeoDataFrame]) -> None:
    for layer in REGISTRY.repairable():
        frame = data[layer.name]
        assert (frame["version"] == 1).all() and (frame["updated_by"] == "demo").all()
        done = frame["status"].isin(["done", "accepted"])
        assert frame.loc[done, "finished_on"].notna().all(), layer.name
        both = frame["finished_on"].notna()
        assert (pd.to_datetime(frame.loc[both, "finished_on"])
                >= pd.to_datetime(frame.loc[both, "started_on"])).all()
        assert (pd.to_datetime(frame["finished_on"].dropna()) < "2021-09-15").all()


def test_same_seed_same_data_other_seed_other_data(data: dict[str, gpd.GeoDataFrame]) -> None:
    again = generate(scale=1, seed=SEED)
    for name in TABLES:
        pd.testing.assert_frame_equal(
            pd.DataFrame(data[name]).drop(columns="geom"), pd.DataFrame(again[name]).drop(columns="geom"))
        assert data[name].geometry.geom_equals_exact(again[name].geometry, 0.0).all(), name
    other = generate(scale=1, seed=SEED + 1)
    assert not data["villages"].geometry.geom_equals(other["villages"].geometry).all()
    assert list(data["households"]["head_name"][:50]) != list(other["households"]["head_name"][:50])


def test_scale_makes_tiles_with_unique_codes() -> None:
    two = generate(scale=2, seed=SEED)
    assert len(two["county"]) == 2 and len(two["townships"]) == 28
    assert len(two["villages"]) == 2 * 398
    for name in ("townships", "villages", "households", "roads", "power_lines"):
        assert two[name]["code"].is_unique, name
    assert two["townships"]["name"].is_unique
    assert two["villages"]["code"].str.fullmatch(r"\d{12}").all()
    counties = two["county"].to_crs(METRIC_EPSG).geometry
    assert not counties.iloc[0].intersects(counties.iloc[1])

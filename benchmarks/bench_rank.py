"""Full re-rank of the repair queue: demo county and ``--scale`` N data, against a naive per-asset
loop and against the same exposure computation in PostGIS SQL, all measured in one run.

    python -m benchmarks.bench_rank            # scale 1 (+ DB comparisons) and scale 100
    BENCH_RANK_SCALE=10 python -m benchmarks.bench_rank

Figures: seconds (best of a few runs where cheap), peak memory of the ranking (tracemalloc) and of
the process (ru_maxrss), counts. Generating the data and loading the database are not timed.
"""

from __future__ import annotations

import gc
import os
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from geo.demo.generate import generate
from geo.demo.load import load
from geo.rank.core import RankInputs, rank
from geo.rank.exposure import People, codes_list
from geo.rank.inputs import inputs_from_frames, load_registry_rules, read_inputs
from geo.rank.passage import Network, RoadSettings, _cut_flags
from geo.rank.rules import Rules
from geo.rank.sql_reference import sql_exposures
from layers import REGISTRY


def _best(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def _peak_mb(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return round(peak / 2**20, 1)


def _settings(rules: Rules) -> RoadSettings:
    return RoadSettings(rules.impassable, rules.nearby_m, rules.snap_decimals, rules.snap_max_m,
                        rules.county_seat_township)


def naive(inputs: RankInputs, rules: Rules) -> int:
    """The obvious way: per damaged road, rebuild the passable graph (networkx) with and without
    that segment and see which cut-off villages it reconnects; per other asset, filter the
    household table. Returns the number of (asset, household) links found."""
    people = People.build(inputs.households, inputs.villages, rules.category_weights,
                          rules.risk_weights)
    links = 0
    for info, frame in inputs.layers:
        frame = frame.reset_index(drop=True)
        damaged = [i for i, s in enumerate(frame["status"]) if s in rules.tasks["repair"].statuses]
        if info.exposure == "road_graph":
            links += _naive_roads(frame, people, inputs.townships, damaged, rules)
            continue
        column = {"served": "villages_served", "feeder": "villages_fed",
                  "beneficiaries": "beneficiaries"}[info.exposure]
        hh = people.frame
        for i in damaged:
            codes = codes_list(frame[column].iat[i])
            key = hh["code"] if info.exposure == "beneficiaries" else hh["village_code"]
            links += int(key.isin(codes).sum())
    return links


def _naive_roads(roads: pd.DataFrame, people: People, townships: pd.DataFrame,
                 damaged: list[int], rules: Rules) -> int:
    net = Network.build(roads, _settings(rules))
    flags, node, _, _ = _cut_flags(net, people, townships, _settings(rules))
    seats = set(net.snap(townships["seat_lon"].to_numpy(float),
                         townships["seat_lat"].to_numpy(float), rules.snap_max_m).tolist())
    cut_nodes = node[flags]
    links = 0
    for i in damaged:
        graph = nx.Graph()
        graph.add_nodes_from(range(len(net.node_xy)))
        keep = net.passable | (net.edge_row == i)  # this one segment reopened
        graph.add_edges_from(zip(net.u[keep].tolist(), net.v[keep].tolist(), strict=True))
        reached = set().union(*(nx.node_connected_component(graph, s) for s in seats if s >= 0))
        links += sum(1 for n in cut_nodes.tolist() if n in reached)
    return links


def _in_memory(scale: int, rules: Rules, repeat: int) -> tuple[dict[str, Any], RankInputs]:
    tables = generate(scale)
    inputs = inputs_from_frames(tables, REGISTRY)
    seconds, result = _best(lambda: rank(inputs, rules), repeat)
    figures = {
        f"scale{scale}_rank_s": round(seconds, 3),
        f"scale{scale}_tasks": len(result.rows),
        f"scale{scale}_cannot_rank": len(result.cannot_rank),
        f"scale{scale}_households": len(inputs.households),
        f"scale{scale}_road_segments": len(inputs.layers[0][1]),
        f"scale{scale}_rank_peak_mb": _peak_mb(lambda: rank(inputs, rules)),
    }
    return figures, inputs


def _database(rules: Rules) -> dict[str, Any]:
    from geo.testing.databases import temporary_database

    with temporary_database() as engine:
        with engine.begin() as conn:
            load(conn, generate(1), progress=False)
        with engine.connect() as conn:
            read_s, inputs = _best(lambda: read_inputs(conn, REGISTRY))
            core_s, _ = _best(lambda: rank(inputs, rules))
            sql_s, _ = _best(lambda: sql_exposures(conn, REGISTRY, rules))
    return {"scale1_db_read_s": round(read_s, 3), "scale1_db_read_and_rank_s": round(read_s + core_s, 3),
            "scale1_postgis_sql_exposure_s": round(sql_s, 3),
            "ratio_postgis_sql_over_core": round(sql_s / core_s, 1)}


def main() -> dict[str, object]:
    big = int(os.environ.get("BENCH_RANK_SCALE", "100"))
    rules = load_registry_rules(REGISTRY)
    figures, small = _in_memory(1, rules, repeat=5)
    naive_s, _ = _best(lambda: naive(small, rules), repeat=1)
    figures["scale1_naive_per_asset_s"] = round(naive_s, 3)
    figures["ratio_naive_over_core"] = round(naive_s / float(figures["scale1_rank_s"]), 1)
    try:
        figures.update(_database(rules))
    except Exception as error:  # no PostgreSQL here: say so rather than fail the whole run
        figures["db_part"] = f"skipped: {type(error).__name__}: {str(error)[:120]}"
    large, _ = _in_memory(big, rules, repeat=1)
    figures.update(large)
    figures["process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["cpus"] = os.cpu_count() or 0
    figures["numpy"] = np.__version__
    return figures


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key:<36} {value}")

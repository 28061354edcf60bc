"""The repair schedule: demo county and ``--scale`` N data, against the pre-issue-11 sort measured
in the same run, plus the crew what-if and the household-days of three orders on the demo county.

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

import numpy as np

from benchmarks.baseline_rank import largest_first_order, old_sort, old_sort_order
from geo.demo.generate import generate
from geo.demo.load import load
from geo.rank.core import RankInputs, RankResult, rank
from geo.rank.inputs import inputs_from_frames, load_registry_rules, read_inputs
from geo.rank.rules import Rules
from geo.rank.schedule import durations, simulate
from geo.rank.sql_reference import sql_exposures
from layers import REGISTRY

CREWS = (5, 10, 20)  # per county tile


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


def _schedule(inputs: RankInputs, rules: Rules, crews: int) -> tuple[RankResult, Any]:
    """The full schedule: the ranked queue and its crew what-if."""
    result = rank(inputs, rules)
    assert result.plan is not None
    return result, simulate(result.plan, result.order, crews)


def _in_memory(scale: int, rules: Rules, repeat: int) -> tuple[dict[str, Any], RankInputs, RankResult]:
    tables = generate(scale)
    inputs = inputs_from_frames(tables, REGISTRY)
    crews = 10 * scale
    seconds, (result, what_if) = _best(lambda: _schedule(inputs, rules, crews), repeat)
    rank_s, _ = _best(lambda: rank(inputs, rules), repeat)
    what_if_s, _ = _best(lambda: simulate(result.plan, result.order, crews), repeat)
    old_s, _ = _best(lambda: old_sort(inputs, rules), repeat)
    p = f"scale{scale}_"
    figures = {
        p + "schedule_s": round(seconds, 3),
        p + "rank_s": round(rank_s, 3),
        p + "what_if_s": round(what_if_s, 3),
        p + "old_sort_s": round(old_s, 3),
        p + "ratio_schedule_over_old_sort": round(rank_s / old_s, 2),
        p + "tasks": len(result.rows),
        p + "cannot_rank": len(result.cannot_rank),
        p + "households": len(inputs.households),
        p + "road_segments": len(inputs.layers[0][1]),
        p + "crews": crews,
        p + "day_all_back": what_if.day_all_back(),
        p + "schedule_peak_mb": _peak_mb(lambda: _schedule(inputs, rules, crews)),
    }
    return figures, inputs, result


def _household_days(result: RankResult) -> dict[str, Any]:
    """Household-days without basic service on the demo county: this schedule, the old sort and
    largest-first, each worked in its own order by the same crews with the same durations."""
    plan = result.plan
    assert plan is not None
    days = durations(plan)
    orders = {"schedule": result.order, "old_sort": old_sort_order(plan),
              "largest_first": largest_first_order(plan)}
    out: dict[str, Any] = {}
    for crews in CREWS:
        found = {name: simulate(plan, order, crews, days) for name, order in orders.items()}
        for name, s in found.items():
            out[f"hh_days_{crews}crews_{name}"] = round(s.household_days)
            out[f"day_all_back_{crews}crews_{name}"] = s.day_all_back()
        best = found["schedule"].household_days
        out[f"hh_days_{crews}crews_saved_vs_old_pct"] = round(
            100 * (1 - best / found["old_sort"].household_days), 1)
        out[f"hh_days_{crews}crews_saved_vs_largest_pct"] = round(
            100 * (1 - best / found["largest_first"].household_days), 1)
    return out


def _key_share(result: RankResult) -> dict[str, Any]:
    """Share of 重点 per layer (all tasks / the 应急 ones) on the demo county, for the README."""
    out: dict[str, Any] = {}
    for layer in [la.name for la in REGISTRY.repairable()]:
        rows = [r for r in result.rows if r.layer == layer]
        urgent = [r for r in rows if r.urgency == "应急"]
        out[f"key_{layer}"] = f"{sum(r.importance == '重点' for r in rows)}/{len(rows)}"
        out[f"key_{layer}_emergency"] = f"{sum(r.importance == '重点' for r in urgent)}/{len(urgent)}"
    share = np.mean([r.importance == "重点" for r in result.rows])
    out["key_share_pct"] = round(100 * float(share), 1)
    return out


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
            "scale1_postgis_sql_who_lost_what_s": round(sql_s, 3)}


def main() -> dict[str, object]:
    big = int(os.environ.get("BENCH_RANK_SCALE", "100"))
    rules = load_registry_rules(REGISTRY)
    figures, _, small = _in_memory(1, rules, repeat=5)
    figures.update(_household_days(small))
    figures.update(_key_share(small))
    try:
        figures.update(_database(rules))
    except Exception as error:  # no PostgreSQL here: say so rather than fail the whole run
        figures["db_part"] = f"skipped: {type(error).__name__}: {str(error)[:120]}"
    del small
    gc.collect()
    large, _, _ = _in_memory(big, rules, repeat=1)
    figures.update(large)
    figures["process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["cpus"] = os.cpu_count() or 0
    figures["numpy"] = np.__version__
    return figures


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key:<40} {value}")

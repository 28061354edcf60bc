"""Repair fields of damaged assets as they stood on STATUS_DATE (2021-09-15).

Undamaged assets carry status NULL and no repair fields. Damaged ones are spread over every stage
from 待评估 to 已验收; the worse the damage, the earlier the stage tends to be.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from geo.demo.common import ASSESS_DEADLINE, OPEN_DEADLINE, STATUS_DATE, USER, YEAR_END, keep
from geo.demo.names import RESP_UNITS

ROAD_STAGES = ("assess", "not_started", "opening", "opened", "repairing", "done", "accepted")
ROAD_WEIGHTS = (0.04, 0.08, 0.12, 0.28, 0.26, 0.14, 0.08)
STAGES = ("assess", "not_started", "repairing", "done", "accepted")
WEIGHTS = (0.06, 0.14, 0.38, 0.26, 0.16)
SEVERITIES = np.array(["light", "moderate", "severe", "destroyed"], dtype=object)
ROAD_REPAIR_DEADLINE = dt.date(2021, 10, 20)  # functional repair within three months
WORK_FROM = dt.date(2021, 7, 22)
WORK_UNTIL = STATUS_DATE - dt.timedelta(days=1)


def repair_columns(
    rng: np.random.Generator, layer: str, damaged: np.ndarray, severity: np.ndarray,
    base_cost: np.ndarray, township_names: list[str],
) -> dict[str, np.ndarray]:
    """Columns status … updated_by; ``severity`` is 0–3 (light … destroyed) where damaged."""
    n = len(damaged)
    roads = layer == "roads"
    stages, weights = (ROAD_STAGES, ROAD_WEIGHTS) if roads else (STAGES, WEIGHTS)
    u = rng.random(n) ** (1.0 + 0.12 * severity)  # worse damage → a little earlier stage
    stage = np.searchsorted(np.cumsum(weights), u * 0.999999, side="right")
    status = keep(damaged, np.array(stages, dtype=object)[stage])
    started_stage = stages.index("opening" if roads else "repairing")
    finished_stage = stages.index("done")
    start = _dates(rng, n, WORK_FROM, WORK_UNTIL - dt.timedelta(days=5))
    span = rng.integers(3, 40, n)
    finish = [
        min(s + dt.timedelta(days=int(k)), WORK_UNTIL) for s, k in zip(start, span.tolist(), strict=True)
    ]
    units = RESP_UNITS[layer]
    pick = rng.integers(0, len(units), n)
    cost = np.round(base_cost * (0.6 + 0.5 * severity) * rng.uniform(0.7, 1.3, n), 2)
    out: dict[str, list[object]] = {k: [] for k in (
        "status", "severity", "cost_wan", "resp_unit", "deadline", "started_on", "finished_on")}
    for i in range(n):
        if not damaged[i]:
            for k in out:
                out[k].append(None)
            continue
        s = int(stage[i])
        out["status"].append(status[i])
        out["severity"].append(SEVERITIES[int(severity[i])])
        out["cost_wan"].append(float(cost[i]))
        out["resp_unit"].append(units[pick[i]].format(twp=township_names[i]))
        out["deadline"].append(_deadline(roads, stages[s]))
        out["started_on"].append(start[i] if s >= started_stage else None)
        out["finished_on"].append(finish[i] if s >= finished_stage else None)
    cols = {k: np.array(v, dtype=object) for k, v in out.items()}
    cols["version"] = np.ones(n, dtype=np.int64)
    cols["updated_by"] = np.full(n, USER, dtype=object)
    cols["est_days"] = np.full(n, None, dtype=object)  # no engineer's estimate: the rule applies
    return cols


def _deadline(roads: bool, status: str) -> dt.date:
    if not roads:
        return YEAR_END
    if status == "assess":
        return ASSESS_DEADLINE
    if status in ("not_started", "opening"):
        return OPEN_DEADLINE
    return ROAD_REPAIR_DEADLINE


def _dates(rng: np.random.Generator, n: int, start: dt.date, end: dt.date) -> list[dt.date]:
    offs = rng.integers(0, (end - start).days + 1, n)
    return [start + dt.timedelta(days=int(k)) for k in offs.tolist()]


def damage_draw(
    rng: np.random.Generator, depth: np.ndarray, chance: tuple[float, float, float, float, float],
    boost: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each asset was damaged (by flood depth level 0–4) and how badly (0–3)."""
    p = np.asarray(chance)[depth]
    if boost is not None:
        p = np.clip(p + boost, 0.0, 0.97)
    damaged = rng.random(len(depth)) < p
    sev = np.clip(np.round(depth * 0.7 + rng.normal(0.0, 0.8, len(depth))), 0, 3).astype(int)
    return damaged, np.where(damaged, sev, 0)

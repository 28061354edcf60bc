"""Households at risk (脱贫户, 监测对象, 低保, 特困) of one tile, vectorised over all of them.

Households cluster in the hamlets of their village and stay inside its polygon; flood damage,
house grades and risk flags follow the flood depth where each house stands.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.demo.boundaries import Frame
from geo.demo.common import keep
from geo.demo.hazard import Hazard
from geo.demo.names import person_names

COUNTS = {"tuopin": (12_500, 14_500), "monitored": (700, 1_100), "dibao": (400, 700),
          "tekun": (100, 200)}
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
HAMLET_SIGMA_M = 160.0
DAMAGE = np.array(["none", "light", "moderate", "severe"], dtype=object)
GRADES = np.array(["A", "B", "C", "D"], dtype=object)
# P(grade A, B, C, D) by flood damage none/light/moderate/severe: C/D only where it flooded
GRADE_P = np.array([[0.45, 0.55, 0.0, 0.0], [0.2, 0.65, 0.15, 0.0],
                    [0.05, 0.5, 0.33, 0.12], [0.0, 0.25, 0.43, 0.32]])
INCOME_MEDIAN = {"tuopin": 9800.0, "monitored": 5800.0, "dibao": 6300.0, "tekun": 5200.0}


def hamlets(frame: Frame, rng: np.random.Generator) -> np.ndarray:
    """(villages, 3, 2): the village centre and two smaller hamlets inside the village."""
    out = np.repeat(frame.vil_xy[:, None, :], 3, axis=1).copy()
    for v, poly in enumerate(frame.vil_geom):
        for h in (1, 2):
            for _ in range(6):
                p = frame.vil_xy[v] + rng.normal(0.0, 500.0, 2)
                if poly.contains(shapely.Point(p)):
                    out[v, h] = p
                    break
    return out


def households(
    frame: Frame, hazard: Hazard, hamlet_xy: np.ndarray, flooded_share: np.ndarray,
    village_codes: np.ndarray, adcode: str, rng: np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The households of one tile: columns (no geometry), x and y in metres."""
    cats = np.concatenate([
        np.full(int(rng.integers(lo, hi + 1)), cat, dtype=object) for cat, (lo, hi) in COUNTS.items()
    ])
    n = len(cats)
    weight = frame.vil_pop * rng.gamma(3.0, 1.0, len(frame.vil_pop))
    vil = rng.choice(len(weight), n, p=weight / weight.sum())
    # flood victims swell the monitored group: draw their villages by flood exposure too
    mon = np.flatnonzero(cats == "monitored")
    wet = weight * (1.0 + 6.0 * flooded_share)
    vil[mon] = rng.choice(len(weight), len(mon), p=wet / wet.sum())
    order = np.lexsort((rng.random(n), vil))
    cats, vil = cats[order], vil[order]
    x, y = _positions(frame, hamlet_xy, vil, rng)
    depth = hazard.depth(x, y)
    damage = _damage(depth, rng)
    grade = _grade(damage, rng)
    monitored = cats == "monitored"
    kind = np.where(damage >= 1, np.where(rng.random(n) < 0.85, "sudden", "unstable"),
                    np.where(rng.random(n) < 0.5, "unstable", "marginal")).astype(object)
    members = np.where(cats == "tekun", rng.integers(1, 3, n), rng.choice(
        np.arange(1, 7), n, p=[0.12, 0.22, 0.24, 0.22, 0.13, 0.07]))
    serial = np.arange(n) - np.searchsorted(vil, vil) + 1
    codes = [f"{vc}{s:04d}" for vc, s in zip(village_codes[vil].tolist(), serial.tolist(), strict=True)]
    frame_out = pd.DataFrame({
        "code": codes,
        "head_name": person_names(rng, n),
        "id_number": id_numbers(adcode, n, rng),
        "phone": _phones(n, rng),
        "members": members,
        "category": cats,
        "monitor_kind": keep(monitored, kind),
        **_risks(cats, depth, damage, grade, rng),
        "house_grade": GRADES[grade],
        "flood_damage": DAMAGE[damage],
        "income_per_capita": _income(cats, damage, rng),
        "helper": _helpers(vil, len(frame.vil_pop), rng),
        "village_code": village_codes[vil],
        "version": np.ones(n, dtype=np.int64),
        "updated_by": np.full(n, None, dtype=object),
    })
    return frame_out, x, y


def _positions(
    frame: Frame, hamlet_xy: np.ndarray, vil: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Around a hamlet of the village; redrawn until inside the village polygon."""
    n = len(vil)
    hamlet = rng.choice(3, n, p=[0.6, 0.25, 0.15])
    base = hamlet_xy[vil, hamlet]
    xy = base.copy()
    todo = np.arange(n)
    polys = frame.vil_geom
    shapely.prepare(polys)
    for _ in range(8):
        trial = base[todo] + rng.normal(0.0, HAMLET_SIGMA_M, (len(todo), 2))
        ok = shapely.contains_xy(polys[vil[todo]], trial[:, 0], trial[:, 1])
        xy[todo[ok]] = trial[ok]
        todo = todo[~ok]
        if not len(todo):
            break
    xy[todo] = frame.vil_xy[vil[todo]]  # the rest stand at the village centre
    return xy[:, 0].copy(), xy[:, 1].copy()


def _damage(depth: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """0 none … 3 severe, from the depth level 0 (dry) … 4 (>2 m)."""
    shift = rng.choice([-1, 0, 0, 0, 1], len(depth))
    base = np.array([0, 1, 2, 3, 3])[depth]
    dmg = np.clip(base + shift, 0, 3)
    return np.where(depth == 0, (rng.random(len(depth)) < 0.05).astype(int), dmg)


def _grade(damage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cum = np.cumsum(GRADE_P, axis=1)[damage]
    return (rng.random(len(damage))[:, None] > cum).sum(axis=1).clip(0, 3)


def _risks(
    cats: np.ndarray, depth: np.ndarray, damage: np.ndarray, grade: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    n = len(cats)
    weak = np.isin(cats, ["monitored", "tekun"]).astype(float)
    severe = (damage == 3).astype(float)

    def flag(p: np.ndarray | float) -> np.ndarray:
        return np.asarray(rng.random(n) < p)

    return {
        "risk_food": flag(0.002 + 0.10 * severe + 0.03 * weak),
        "risk_clothing": flag(0.001 + 0.05 * severe),
        "risk_education": flag(0.005 + 0.03 * severe + 0.01 * weak),
        "risk_medical": flag(0.02 + 0.04 * weak + 0.03 * severe),
        "risk_housing": (grade >= 2) & flag(0.8),
        "risk_water": flag(np.where(depth >= 2, 0.35, 0.005)),
    }


def _income(cats: np.ndarray, damage: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    med = pd.Series(cats).map(INCOME_MEDIAN).to_numpy(dtype=float)
    val = med * np.exp(rng.normal(0.0, 0.3, len(cats))) * (1.0 - 0.12 * damage)
    return np.round(np.maximum(val, 2500.0))


def _helpers(vil: np.ndarray, n_vil: int, rng: np.random.Generator) -> np.ndarray:
    """Each village has a few cadres; each of its households has one of them as helper."""
    pool = np.array(person_names(rng, n_vil * 6), dtype=object).reshape(n_vil, 6)
    return pool[vil, rng.integers(0, 6, len(vil))]


def id_numbers(adcode: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """18-digit resident ID numbers with a valid ISO 7064 MOD 11-2 check character."""
    digits = np.empty((n, 17), dtype=np.int64)
    digits[:, :6] = np.array([int(c) for c in adcode])
    year = rng.integers(1938, 1996, n)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    seq = rng.integers(0, 1000, n)
    for col, (value, width) in enumerate(((year, 4), (month, 2), (day, 2), (seq, 3))):
        start = 6 + sum((4, 2, 2, 3)[:col])
        for k in range(width):
            digits[:, start + k] = value // 10 ** (width - 1 - k) % 10
    out = np.empty((n, 18), dtype=np.uint8)
    out[:, :17] = digits + 48
    out[:, 17] = ID_CHECK[(digits @ ID_WEIGHTS) % 11]
    return out.view("S18").ravel().astype("U18").astype(object)


def _phones(n: int, rng: np.random.Generator) -> np.ndarray:
    prefix = np.array([b"13", b"15", b"18", b"17", b"19"])[rng.integers(0, 5, n)]
    body = rng.integers(0, 10, (n, 9)).astype(np.uint8) + 48
    out = np.empty((n, 11), dtype=np.uint8)
    out[:, :2] = np.frombuffer(prefix.tobytes(), dtype=np.uint8).reshape(n, 2)
    out[:, 2:] = body
    phones = out.view("S11").ravel().astype("U11").astype(object)
    phones[rng.random(n) < 0.08] = None  # some elderly heads have no phone
    return phones

"""Who each damaged asset leaves without road, water, power, school, clinic or income.

Pure functions over plain frames (no database, no layers): the ranking core in geo/rank/core.py calls
them once per layer. Every asset's exposure is the set of household positions it affects plus the
villages behind them; a problem text instead means the asset cannot be ranked.

Road rule (孤岛村): nodes are segment endpoints rounded to ``snap_decimals``; passable segments are
those whose 抢通 task no longer exists. One union-find pass gives the components of the full graph
and of the passable graph. A village (its centre snapped to the nearest node) is cut off when the
full graph links it to its township seat or the county seat and the passable graph links it to
neither. Attribution: contract each passable component to one piece and every piece holding a
seat into one "mainland" node; damaged segments join pieces. A damaged segment is credited with a
cut-off village when it lies on some simple path from the village's piece to the mainland (found
with the block-cut tree of that piece graph): reopening it can be part of reconnecting the
village. A damaged spur beyond the village or a loop inside one piece is not credited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

NO_GEOMETRY = "无几何位置，无法判断影响范围 (no geometry)"
NO_VILLAGE = "未关联任何行政村，无法判断影响范围 (no link to any village)"


@dataclass
class Exposure:
    households: np.ndarray  # positions in People.frame, unique
    villages: tuple[str, ...] = ()  # affected village codes
    cut_off: tuple[str, ...] = ()  # villages cut off from the road network (roads only)
    nearby: int = 0  # households within the configured distance of a damaged road
    downstream: int = 0  # feeder segments at and below the damaged one (power only)
    welfare_posts: int = 0  # public-welfare posts paid by a PV station
    emergency_supply: bool = False  # 临时应急供水 in place
    problem: str | None = None


def unrankable(problem: str) -> Exposure:
    return Exposure(households=np.empty(0, dtype=np.int64), problem=problem)


@dataclass
class People:
    """Households and villages, indexed for fast look-ups."""

    frame: pd.DataFrame  # households: code, village_code, category, risk_* flags, lon, lat
    villages: pd.DataFrame  # code, name, township_code, severely_hit, households, lon, lat
    weights: np.ndarray
    monitored: np.ndarray  # bool per household
    by_village: dict[str, np.ndarray] = field(default_factory=dict)
    by_code: dict[str, int] = field(default_factory=dict)
    village_names: dict[str, str] = field(default_factory=dict)
    severely_hit: set[str] = field(default_factory=set)
    hh_village: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))

    @classmethod
    def build(cls, households: pd.DataFrame, villages: pd.DataFrame,
              category_weights: dict[str, float], risk_weights: dict[str, float]) -> People:
        hh = households.reset_index(drop=True)
        weights = hh["category"].map(category_weights).fillna(0.0).to_numpy(dtype=float)
        for flag, extra in risk_weights.items():
            if flag in hh.columns:
                weights = weights + hh[flag].fillna(False).astype(bool).to_numpy() * extra
        by_village = {str(code): idx.to_numpy(dtype=np.int64)
                      for code, idx in hh.groupby("village_code").groups.items()}
        by_code = dict(zip(hh["code"].astype(str).tolist(), range(len(hh)), strict=True))
        vil = villages.reset_index(drop=True)
        codes = vil["code"].astype(str)
        names = dict(zip(codes, vil["name"].astype(str), strict=True))
        severe = set(codes[vil["severely_hit"].fillna(False).astype(bool)])
        return cls(hh, vil, weights, (hh["category"] == "monitored").to_numpy(), by_village,
                   by_code, names, severe, hh["village_code"].astype(str).to_numpy(dtype=object))

    @property
    def village_codes(self) -> set[str]:
        return set(self.village_names)

    def in_villages(self, codes: Iterable[str]) -> np.ndarray:
        parts = [self.by_village[c] for c in codes if c in self.by_village]
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)

    def villages_of(self, positions: np.ndarray) -> set[str]:
        return set(self.hh_village[positions].tolist())


def codes_list(value: object) -> list[str]:
    """A text-array cell (list, tuple, numpy array, None or NaN) as a list of codes."""
    if value is None or isinstance(value, float):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]  # type: ignore[attr-defined]


def has_geometry(geom: object) -> bool:
    return isinstance(geom, shapely.Geometry) and not shapely.is_empty(geom)




# --- served, feeder, beneficiaries -------------------------------------------------------------

def served_exposures(frame: pd.DataFrame, people: People, rows: Iterable[int]) -> dict[int, Exposure]:
    known = people.village_codes
    out: dict[int, Exposure] = {}
    emergency = frame["emergency_supply"].tolist() if "emergency_supply" in frame.columns else None
    served = frame["villages_served"].tolist()
    for i in rows:
        codes = sorted(set(codes_list(served[i])) & known)
        if not codes:
            out[i] = unrankable(NO_VILLAGE)
            continue
        supply = emergency is not None and _flag(emergency[i])
        out[i] = Exposure(people.in_villages(codes), tuple(codes), emergency_supply=supply)
    return out


def feeder_exposures(frame: pd.DataFrame, people: People, rows: Iterable[int]) -> dict[int, Exposure]:
    """Villages fed by the damaged segment and every segment below it (parent_code tree)."""
    children: dict[str, list[int]] = {}
    fed_by = frame["villages_fed"].tolist()
    for i, parent in enumerate(frame["parent_code"].tolist()):
        if isinstance(parent, str) and parent:
            children.setdefault(parent, []).append(i)
    codes = frame["code"].astype(str).to_numpy()
    known = people.village_codes
    out: dict[int, Exposure] = {}
    for i in rows:
        seen, stack, fed = {i}, [i], set()
        while stack:  # depth-first walk; ``seen`` guards against a cycle in bad data
            j = stack.pop()
            fed.update(codes_list(fed_by[j]))
            for child in children.get(codes[j], []):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        villages = sorted(fed & known)
        if not villages:
            out[i] = unrankable(NO_VILLAGE)
            continue
        out[i] = Exposure(people.in_villages(villages), tuple(villages), downstream=len(seen))
    return out


def beneficiary_exposures(frame: pd.DataFrame, people: People,
                          rows: Iterable[int]) -> dict[int, Exposure]:
    known = people.village_codes
    out: dict[int, Exposure] = {}
    benef = frame["beneficiaries"].tolist()
    own_col = frame["village_code"].tolist() if "village_code" in frame.columns else [None] * len(frame)
    posts_col = frame["welfare_posts"].tolist() if "welfare_posts" in frame.columns else [0] * len(frame)
    for i in rows:
        found = [people.by_code[c] for c in codes_list(benef[i]) if c in people.by_code]
        positions = np.unique(np.asarray(found, dtype=np.int64))
        villages = people.villages_of(positions)
        own = own_col[i]
        if isinstance(own, str) and own in known:
            villages.add(own)
        if not villages:
            out[i] = unrankable(NO_VILLAGE)
            continue
        out[i] = Exposure(positions, tuple(sorted(villages)), welfare_posts=_count(posts_col[i]))
    return out


def _count(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0  # None / NaN: no posts recorded


def _flag(value: object) -> bool:
    """True only for a real true value (None / NaN from a missing cell count as false)."""
    return value is True or (isinstance(value, np.bool_) and bool(value))

"""Who loses what while a damaged asset is down: its outage, before any repair is sequenced.

Pure functions over plain frames (no database, no layers): geo/rank/plan.py calls them once per
layer. An outage names the service lost (drinking water, power, school, clinic, income,
communications, irrigation, flood control — passage is geo/rank/passage.py's), the share of it
lost (临时应急供水 leaves less lost than no water) and the villages or households losing it; a
problem text instead means the asset cannot be ranked.

- served (water works, telecom, schools, clinics): the households of the villages it serves;
- feeder (power lines): the villages fed by the damaged segment and every segment below it on the
  feeder tree (``parent_code``), since their power comes through it;
- beneficiaries (PV stations): the beneficiary households' income, plus the welfare posts its
  income pays (光伏扶贫 "80%" rule; the post holders are a count, not listed households).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from geo.rank.gain import Unit
from geo.rank.rules import Rules

NO_GEOMETRY = "无几何位置，无法判断影响范围 (no geometry)"
NO_VILLAGE = "未关联任何行政村，无法判断影响范围 (no link to any village)"


@dataclass
class Outage:
    """What one damaged asset takes away while it is down."""

    service: str
    villages: tuple[str, ...] = ()  # villages losing the service (all their households)
    households: np.ndarray | None = None  # or exactly these households (positions in People)
    level: float = 1.0  # share of the service lost: 1, or less on temporary supply
    posts: int = 0  # welfare posts whose pay stops (PV)
    downstream: int = 0  # feeder segments at and below the damaged one (power)
    problem: str | None = None


def unrankable(service: str, problem: str) -> Outage:
    return Outage(service, problem=problem)


@dataclass
class People:
    """Households and villages, indexed for fast look-ups, with the weights of the rules."""

    frame: pd.DataFrame  # households: code, village_code, category, risk_* flags, lon, lat
    villages: pd.DataFrame  # code, name, township_code, severely_hit, households, lon, lat
    weights: np.ndarray  # per household: category weight + open risk flags
    monitored: np.ndarray  # bool per household: 监测对象
    key: np.ndarray  # bool per household: one of the rules' key groups
    severe: np.ndarray  # bool per household: lives in a 重灾村
    by_village: dict[str, np.ndarray] = field(default_factory=dict)
    by_code: dict[str, int] = field(default_factory=dict)
    village_names: dict[str, str] = field(default_factory=dict)
    severely_hit: set[str] = field(default_factory=set)
    hh_village: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))

    @classmethod
    def build(cls, households: pd.DataFrame, villages: pd.DataFrame, rules: Rules) -> People:
        hh = households.reset_index(drop=True)
        weights = hh["category"].map(rules.category_weights).fillna(0.0).to_numpy(dtype=float)
        for flag, extra in rules.risk_weights.items():
            if flag in hh.columns:
                weights = weights + hh[flag].fillna(False).astype(bool).to_numpy() * extra
        by_village = {str(code): idx.to_numpy(dtype=np.int64)
                      for code, idx in hh.groupby("village_code").groups.items()}
        by_code = dict(zip(hh["code"].astype(str).tolist(), range(len(hh)), strict=True))
        vil = villages.reset_index(drop=True)
        codes = vil["code"].astype(str)
        names = dict(zip(codes, vil["name"].astype(str), strict=True))
        severe = set(codes[vil["severely_hit"].fillna(False).astype(bool)])
        village = hh["village_code"].astype(str)
        category = hh["category"]
        return cls(hh, vil, weights, (category == "monitored").to_numpy(dtype=bool),
                   category.isin(rules.importance.key_groups).to_numpy(dtype=bool),
                   village.isin(severe).to_numpy(dtype=bool), by_village, by_code, names, severe,
                   village.to_numpy(dtype=object))

    @property
    def village_codes(self) -> set[str]:
        return set(self.village_names)

    def in_villages(self, codes: Iterable[str]) -> np.ndarray:
        parts = [self.by_village[c] for c in codes if c in self.by_village]
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)

    def villages_of(self, positions: np.ndarray) -> set[str]:
        return set(self.hh_village[positions].tolist())


def unit_of(people: People, service: str, households: np.ndarray, villages: Iterable[str],
            service_weight: float, posts: int = 0, post_weight: float = 0.0) -> Unit:
    """The sums a gain needs over ``households`` (welfare posts count as key-group households:
    the "80%" rule pays them to poor households)."""
    key = people.key[households]
    return Unit(
        service=service, households=households,
        weight=service_weight * (float(people.weights[households].sum()) + posts * post_weight),
        key=float(key.sum()) + posts, monitored=float(people.monitored[households].sum()),
        severe=float((key & people.severe[households]).sum()), villages=tuple(villages),
        posts=posts)


def codes_list(value: object) -> list[str]:
    """A text-array cell (list, tuple, numpy array, None or NaN) as a list of codes."""
    if value is None or isinstance(value, float):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]  # type: ignore[attr-defined]


def has_geometry(geom: object) -> bool:
    return isinstance(geom, shapely.Geometry) and not shapely.is_empty(geom)


def served_outages(frame: pd.DataFrame, people: People, rows: Iterable[int],
                   services: Sequence[str], supply_loss: float) -> dict[int, Outage]:
    """Households of the villages served; ``services[i]``: what row i provides."""
    known = people.village_codes
    out: dict[int, Outage] = {}
    emergency = frame["emergency_supply"].tolist() if "emergency_supply" in frame.columns else None
    served = frame["villages_served"].tolist()
    for i in rows:
        codes = tuple(sorted(set(codes_list(served[i])) & known))
        if not codes:
            out[i] = unrankable(services[i], NO_VILLAGE)
            continue
        supply = emergency is not None and _flag(emergency[i])
        out[i] = Outage(services[i], codes, level=supply_loss if supply else 1.0)
    return out


def feeder_outages(frame: pd.DataFrame, people: People, rows: Iterable[int],
                   service: str) -> dict[int, Outage]:
    """Villages fed by the damaged segment and every segment below it (parent_code tree)."""
    children: dict[str, list[int]] = {}
    fed_by = frame["villages_fed"].tolist()
    for i, parent in enumerate(frame["parent_code"].tolist()):
        if isinstance(parent, str) and parent:
            children.setdefault(parent, []).append(i)
    codes = frame["code"].astype(str).to_numpy()
    known = people.village_codes
    out: dict[int, Outage] = {}
    for i in rows:
        seen, stack, fed = {i}, [i], set()
        while stack:  # depth-first walk; ``seen`` guards against a cycle in bad data
            j = stack.pop()
            fed.update(codes_list(fed_by[j]))
            for child in children.get(codes[j], []):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        villages = tuple(sorted(fed & known))
        if not villages:
            out[i] = unrankable(service, NO_VILLAGE)
            continue
        out[i] = Outage(service, villages, downstream=len(seen))
    return out


def beneficiary_outages(frame: pd.DataFrame, people: People, rows: Iterable[int],
                        service: str) -> dict[int, Outage]:
    """Beneficiary households and welfare posts of each damaged PV station."""
    known = people.village_codes
    out: dict[int, Outage] = {}
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
            out[i] = unrankable(service, NO_VILLAGE)
            continue
        out[i] = Outage(service, tuple(sorted(villages)), positions, posts=_count(posts_col[i]))
    return out


def _count(value: object) -> int:
    try:
        return max(0, int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0  # None / NaN: no posts recorded


def _flag(value: object) -> bool:
    """True only for a real true value (None / NaN from a missing cell count as false)."""
    return value is True or (isinstance(value, np.bool_) and bool(value))

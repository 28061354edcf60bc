"""Point facilities that serve named villages: telecom sites, schools, clinics; and the PV sites."""

from __future__ import annotations

import numpy as np

from geo.demo.assets import Assets, nearest_villages, offset_inside, township_villages
from geo.demo.boundaries import Frame
from geo.demo.names import OPERATORS

PV_RANGE = (100, 140)
PV_CAPACITIES = np.array([60.0, 100.0, 120.0, 150.0, 200.0, 250.0, 300.0])
MACUN = "411121202"  # 马村乡: 10 village PV stations on record (2018)


def _assign(xy: np.ndarray, sites: list[int]) -> list[list[int]]:
    """Each point goes to its nearest site (an index into xy); returns the members of each site."""
    d = np.hypot(xy[:, None, 0] - xy[None, sites, 0], xy[:, None, 1] - xy[None, sites, 1])
    near = np.argmin(d, axis=1)
    return [[int(v) for v in np.flatnonzero(near == k)] for k in range(len(sites))]


def build_telecom(frame: Frame, rng: np.random.Generator) -> Assets:
    out = Assets()
    n_vil = len(frame.vil_name)
    sites = sorted(rng.choice(n_vil, n_vil // 3, replace=False).tolist())
    for v, served in zip(sites, _assign(frame.vil_xy, sites), strict=True):
        p = offset_inside(frame, v, rng, 200.0, 500.0)
        extra = nearest_villages(frame, np.array([p.x, p.y]), 3)
        op = OPERATORS[int(rng.integers(0, len(OPERATORS)))]
        out.add(p, int(frame.vil_twp[v]), sorted(dict.fromkeys([*served, *extra])), 12.0,
                name=f"{frame.vil_name[v]}{op[2:4]}基站", kind="base_station", operator=op)
    for i, twp in enumerate(frame.townships):
        vils = township_villages(frame, i)
        room = offset_inside(frame, vils[0], rng, 100.0, 300.0)
        out.add(room, i, vils, 35.0, name=f"{twp.name}通信局房", kind="machine_room", operator="中国电信")
        duct = offset_inside(frame, vils[int(rng.integers(0, len(vils)))], rng, 100.0, 400.0)
        out.add(duct, i, nearest_villages(frame, np.array([duct.x, duct.y]), 5), 8.0,
                name=f"{twp.name}通信管道井", kind="duct", operator="中国铁塔")
    return out


def build_schools(frame: Frame, rng: np.random.Generator) -> Assets:
    out = Assets()
    for i, twp in enumerate(frame.townships):
        vils = township_villages(frame, i)
        seat = vils[0]
        out.add(offset_inside(frame, seat, rng), i, vils, 80.0, name=f"{twp.name}第一初级中学",
                level="junior", pupils=int(rng.integers(600, 1600)))
        out.add(offset_inside(frame, seat, rng), i, [seat], 20.0, name=f"{twp.name}中心幼儿园",
                level="kindergarten", pupils=int(rng.integers(120, 400)))
        k = max(1, round(len(vils) / 2.5))
        picks = [seat, *sorted(rng.choice(vils[1:], k - 1, replace=False).tolist())]
        groups = _assign(frame.vil_xy[vils], [vils.index(p) for p in picks])
        for j, (v, members) in enumerate(zip(picks, groups, strict=True)):
            served = [vils[m] for m in members]
            nine = j == 1 and len(vils) > 25
            level = "nine_year" if nine else "primary"
            word = "九年一贯制学校" if nine else ("中心小学" if v == seat else "小学")
            out.add(offset_inside(frame, v, rng), i, served, 30.0,
                    name=f"{frame.vil_name[v].removesuffix('村') if v != seat else twp.name}{word}",
                    level=level, pupils=int(rng.integers(60, 140)) * len(served))
    return out


def build_clinics(frame: Frame, rng: np.random.Generator) -> Assets:
    out = Assets()
    for i, twp in enumerate(frame.townships):
        vils = township_villages(frame, i)
        out.add(offset_inside(frame, vils[0], rng), i, vils, 60.0, name=f"{twp.name}卫生院",
                kind="township")
    for v in range(len(frame.vil_name)):
        out.add(offset_inside(frame, v, rng, 50.0, 250.0), int(frame.vil_twp[v]), [v], 5.0,
                name=f"{frame.vil_name[v]}卫生室", kind="village")
    return out


def build_pv(frame: Frame, rng: np.random.Generator) -> Assets:
    """100–140 village stations; 马村乡 has its ten on record."""
    n = int(rng.integers(PV_RANGE[0], PV_RANGE[1] + 1))
    codes = [t.code for t in frame.townships]
    macun = np.flatnonzero(frame.vil_twp == codes.index(MACUN))
    first = rng.choice(macun, min(10, len(macun)), replace=False)
    others = np.setdiff1d(np.arange(len(frame.vil_name)), macun)
    weight = frame.vil_pop[others] / frame.vil_pop[others].sum()
    rest = rng.choice(others, n - len(first), replace=False, p=weight)
    out = Assets()
    for v in sorted([*first.tolist(), *rest.tolist()]):
        p = offset_inside(frame, v, rng, 150.0, 450.0)
        cap = float(rng.choice(PV_CAPACITIES))
        out.add(p, int(frame.vil_twp[v]), [v], cap * 0.5, 0.05,
                name=f"{frame.vil_name[v]}光伏扶贫电站", capacity_kw=cap, village=v)
    return out


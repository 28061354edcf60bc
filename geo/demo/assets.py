"""The static part of an infrastructure layer: geometry and fixed attributes, built once per seed
and stamped onto every tile (codes, village codes and damage are drawn per tile)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from geo.demo.boundaries import Frame


@dataclass
class Assets:
    geom: list[shapely.Geometry] = field(default_factory=list)
    twp: list[int] = field(default_factory=list)  # township index
    served: list[list[int]] = field(default_factory=list)  # village indices
    depth_boost: list[float] = field(default_factory=list)  # extra chance of damage
    base_cost: list[float] = field(default_factory=list)  # 万元 at moderate damage
    cols: dict[str, list[object]] = field(default_factory=dict)  # fixed columns

    def add(
        self, geom: shapely.Geometry, twp: int, served: list[int], cost: float,
        boost: float = 0.0, **cols: object,
    ) -> None:
        self.geom.append(geom)
        self.twp.append(twp)
        self.served.append(served)
        self.base_cost.append(cost)
        self.depth_boost.append(boost)
        for key, value in cols.items():
            self.cols.setdefault(key, []).append(value)

    def __len__(self) -> int:
        return len(self.geom)


def township_villages(frame: Frame, i: int) -> list[int]:
    return [int(v) for v in np.flatnonzero(frame.vil_twp == i)]


def nearest_villages(frame: Frame, xy: np.ndarray, k: int) -> list[int]:
    d = np.hypot(*(frame.vil_xy - xy).T)
    return [int(v) for v in np.argsort(d, kind="stable")[:k]]


def offset_inside(
    frame: Frame, v: int, rng: np.random.Generator, lo: float = 120.0, hi: float = 400.0
) -> shapely.Point:
    """A point near village v's centre that stays inside the village (else the centre)."""
    for _ in range(8):
        ang = rng.uniform(0, 2 * np.pi)
        r = rng.uniform(lo, hi)
        p = shapely.Point(frame.vil_xy[v] + r * np.array([np.cos(ang), np.sin(ang)]))
        if frame.vil_geom[v].contains(p):
            return p
    return shapely.Point(frame.vil_xy[v])

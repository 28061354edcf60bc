"""The county's structure for one seed: everything that every tile shares (metres)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geo.demo.assets import Assets
from geo.demo.boundaries import Frame, build_frame
from geo.demo.common import stream
from geo.demo.facilities import build_clinics, build_pv, build_schools, build_telecom
from geo.demo.hazard import Hazard, build_hazard
from geo.demo.names import HELP_UNITS
from geo.demo.people import hamlets
from geo.demo.roadnet import RoadNet, build_roadnet
from geo.demo.segments import Segments, build_segments
from geo.demo.utilities import build_power, build_water

SEVERE_SHARE = 0.35  # share of a village under more than 1 m of water that makes it 重灾村


@dataclass
class Structure:
    frame: Frame
    hazard: Hazard
    net: RoadNet
    roads: Segments
    assets: dict[str, Assets]  # water_works, power_lines, pv_stations, telecom_sites, …
    hamlets: np.ndarray
    flooded_share: np.ndarray  # share of each village under any water
    severely_hit: np.ndarray
    help_unit: list[str | None]
    work_team: list[str | None]


def build_structure(seed: int) -> Structure:
    frame = build_frame(stream(seed, 1))
    hazard = build_hazard(frame.county, stream(seed, 2))
    net = build_roadnet(frame, stream(seed, 3))
    roads = build_segments(frame, net, hazard, stream(seed, 4))
    assets = {
        "water_works": build_water(frame, net, hazard, stream(seed, 5)),
        "power_lines": build_power(frame, net, stream(seed, 6)),
        "pv_stations": build_pv(frame, stream(seed, 7)),
        "telecom_sites": build_telecom(frame, stream(seed, 8)),
        "schools": build_schools(frame, stream(seed, 9)),
        "clinics": build_clinics(frame, stream(seed, 10)),
    }
    severe = _severely_hit(frame, hazard)
    units, teams = _help(frame, severe, stream(seed, 11))
    return Structure(
        frame=frame, hazard=hazard, net=net, roads=roads, assets=assets,
        hamlets=hamlets(frame, stream(seed, 12)), severely_hit=severe,
        flooded_share=_share(frame, hazard.levels[3]), help_unit=units,
        work_team=teams,
    )


def _share(frame: Frame, water: shapely.Geometry) -> np.ndarray:
    wet = shapely.area(shapely.intersection(frame.vil_geom, water))
    return np.asarray(wet / shapely.area(frame.vil_geom), dtype=float)


def _severely_hit(frame: Frame, hazard: Hazard) -> np.ndarray:
    """Villages deep in the flood: much of their land under >1 m, or their centre under >1 m."""
    share = _share(frame, hazard.levels[1])
    centre = hazard.depth(frame.vil_xy[:, 0], frame.vil_xy[:, 1]) >= 3
    return np.asarray((share >= SEVERE_SHARE) | centre, dtype=bool)


def _help(
    frame: Frame, severe: np.ndarray, rng: np.random.Generator
) -> tuple[list[str | None], list[str | None]]:
    """A help unit (帮扶单位) and its resident work team (驻村工作队) for each 重灾村."""
    units: list[str | None] = []
    teams: list[str | None] = []
    pick = rng.integers(0, len(HELP_UNITS), len(severe))
    for v, hit in enumerate(severe.tolist()):
        if not hit:
            units.append(None)
            teams.append(None)
            continue
        unit = HELP_UNITS[int(pick[v])]
        units.append(unit)
        teams.append(f"{unit}驻{frame.vil_name[v]}工作队")
    return units, teams

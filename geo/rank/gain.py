"""What finishing a task gives back (``Gain``), the loss groups it is counted on (``Unit``), and
the loss changes a finished task makes (``Change``, for the crew what-if).

A household's loss of a service is a share from 0 (served) to 1 (no service at all): temporary
emergency water and a road detour are shares below 1. What a task gives back is the loss it
removes, household by household, weighted by the household's weight (category + open risks) and
the service's weight (data/rank_rules.toml [weights.service]).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Unit:
    """Households that lose one service together, with the sums the gains need."""

    service: str
    households: np.ndarray  # positions in People (empty for welfare posts)
    weight: float  # sum of household weights x service weight
    key: float  # key-group households (welfare posts count as key-group households)
    monitored: float
    severe: float  # key-group households living in a 重灾村
    villages: tuple[str, ...]
    posts: int = 0

    @property
    def count(self) -> int:
        return len(self.households)


@dataclass
class Gain:
    """What finishing a task (or a bundle of tasks) gives back, the tasks above it being done.

    ``protect``: a long-term task whose service is already back (a reopened road's permanent
    repair, a temporarily restored facility): the figures are what it keeps, not what it returns.
    """

    service: str
    value: float = 0.0  # weighted: sum of weight x service weight x loss share given back
    households: int = 0  # households whose loss shrinks
    restored: float = 0.0  # households given back, a partial loss counting by its share
    key: float = 0.0  # key-group households given back (by share)
    key_count: int = 0  # key-group households whose loss shrinks (welfare posts included)
    monitored: float = 0.0  # 监测对象 given back (by share)
    monitored_count: int = 0  # 监测对象 whose loss shrinks
    severe: float = 0.0  # key-group households in 重灾村 given back (by share)
    villages: list[str] = field(default_factory=list)  # village codes that get something back
    reconnected: list[str] = field(default_factory=list)  # cut-off villages reconnected (roads)
    detour_villages: int = 0  # villages whose detour gets shorter (roads)
    detour_households: int = 0
    detour_saved_m: float = 0.0  # metres saved, averaged over those villages' households
    posts: int = 0  # welfare posts paid again (PV)
    still_partial: int = 0  # households left on temporary supply or a detour afterwards
    blocked_by: set[int] = field(default_factory=set)  # pending tasks still holding the loss
    protect: bool = False

    def add_unit(self, unit: Unit, given: float, after: float) -> None:
        """Count ``unit`` losing ``given`` less (down to ``after``)."""
        if given <= 0:
            return
        self.value += unit.weight * given
        self.households += unit.count
        self.restored += unit.count * given
        self.key += unit.key * given
        self.key_count += round(unit.key)
        self.monitored += unit.monitored * given
        self.monitored_count += round(unit.monitored)
        self.severe += unit.severe * given
        self.posts += unit.posts
        self.villages.extend(unit.villages)
        if after > 0:
            self.still_partial += unit.count


@dataclass
class Change:
    """A loss that changed when a task finished: these households now lose ``level`` of it."""

    households: np.ndarray
    service: str
    level: float

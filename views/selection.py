"""The filtered set shared by the map, the repair list and "export what the map shows"."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa

from geo.rank.core import CannotRank, QueueRow
from layers.filter import Filter
from layers.store import read_layer
from views.queue import rank_queue

Queue = tuple[list[QueueRow], list[CannotRank]]
BBox = tuple[float, float, float, float]


def queue_rows(bind: sa.Connection) -> Queue:
    """The whole county's priority queue, best first, and the assets that cannot be ranked."""
    result = rank_queue(bind)
    return result.rows, result.cannot_rank


def passes_tiers(row: QueueRow, chosen: Filter) -> bool:
    """Does a queue row pass the filter's 重点/一般, 应急/长远 and monitored-only choices?"""
    if chosen.importance and row.importance not in chosen.importance:
        return False
    if chosen.urgency and row.urgency not in chosen.urgency:
        return False
    return not (chosen.monitored_only and row.monitored_households <= 0)


def filter_queue(rows: Iterable[QueueRow], chosen: Filter,
                 allowed: Mapping[str, set[int]] | None = None) -> list[QueueRow]:
    """Queue rows that pass the tier filters and, when given, belong to the allowed features."""
    return [row for row in rows
            if (allowed is None or row.id in allowed.get(row.layer, set()))
            and (not chosen.needs_queue or passes_tiers(row, chosen))]


@dataclasses.dataclass
class Selection:
    """The filtered set the map, the repair list and "export what the map shows" all use."""

    assets: dict[str, gpd.GeoDataFrame]
    households: gpd.GeoDataFrame | None
    queue: list[QueueRow]
    cannot_rank: list[CannotRank] = dataclasses.field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {name: len(gdf) for name, gdf in self.assets.items()}
        if self.households is not None:
            out["households"] = len(self.households)
        return out

    def ids(self) -> dict[str, list[int]]:
        return {name: [int(i) for i in gdf["id"]] for name, gdf in self.assets.items()}


def select(bind: sa.Connection, chosen: Filter, ranked: Queue | None = None, *,
           with_households: bool = True, bbox: BBox | None = None) -> Selection:
    """Read each chosen layer with the status/place filters, then apply the ranking's tiers.

    ``ranked``: the whole ranked queue when the caller has it already (it does not depend on the
    filters, so the app ranks once per data change, not once per filter change).
    ``with_households=False``: leave the households out (they depend only on the place filters,
    so the app reads them separately and a status change does not read 14k households again).
    ``bbox``: only features inside this box (the map's viewport mode); the list and the counts
    use the whole filtered set, without it.
    """
    rows, cannot = ranked if ranked is not None else queue_rows(bind)
    # A tier filter keeps only queued assets: read just those (and the unrankable ones, which
    # the list reports), not every asset of the county (seconds at --scale 100).
    wanted = _tier_candidates(rows, cannot, chosen) if chosen.needs_queue else None
    assets: dict[str, gpd.GeoDataFrame] = {}
    for layer in chosen.asset_layers():
        assets[layer.name] = read_layer(
            bind, layer, statuses=list(chosen.statuses) or None,
            townships=list(chosen.townships) or None, villages=list(chosen.villages) or None,
            bbox=bbox, ids=None if wanted is None else sorted(wanted.get(layer.name, set())),
        )
    allowed = {name: set(gdf["id"].astype(int)) for name, gdf in assets.items()}
    queue = filter_queue(rows, chosen, allowed)
    cannot = [c for c in cannot if c.id in allowed.get(c.layer, set())]
    if chosen.needs_queue:
        kept: dict[str, set[int]] = {}
        for row in queue:
            kept.setdefault(row.layer, set()).add(row.id)
        assets = {n: g[g["id"].isin(kept.get(n, set()))] for n, g in assets.items()}
    households = None
    if chosen.shows_households and with_households:
        households = read_layer(bind, "households", townships=list(chosen.townships) or None,
                                villages=list(chosen.villages) or None, bbox=bbox)
    return Selection(assets, households, queue, cannot)


def _tier_candidates(rows: Iterable[QueueRow], cannot: Iterable[CannotRank],
                     chosen: Filter) -> dict[str, set[int]]:
    """Per layer, the ids a tier filter can keep (queued rows passing the tiers) plus the
    unrankable assets: the only assets ``select`` needs to read under that filter."""
    out: dict[str, set[int]] = {}
    for row in rows:
        if passes_tiers(row, chosen):
            out.setdefault(row.layer, set()).add(row.id)
    for item in cannot:
        out.setdefault(item.layer, set()).add(item.id)
    return out


def patch_select(bind: sa.Connection, chosen: Filter, previous: Selection, ranked: Queue,
                 edits: Iterable[tuple[str, int]]) -> Selection:
    """What ``select(bind, chosen, ranked, with_households=False)`` gives after an edit of these
    assets (layer, id), from the selection before it: only the edited rows are read again (an
    edit changes its own row; the queue, re-ranked, is filtered again in memory). A tier filter
    depends on every asset's place in the queue, so it is selected again in full."""
    if chosen.needs_queue:
        return select(bind, chosen, ranked, with_households=False)
    rows, cannot = ranked
    edited: dict[str, set[int]] = {}
    for layer, asset_id in edits:
        edited.setdefault(layer, set()).add(int(asset_id))
    assets = dict(previous.assets)
    for name, ids in edited.items():
        if name not in assets:  # a layer the filter does not show
            continue
        fresh = read_layer(bind, name, statuses=list(chosen.statuses) or None,
                           townships=list(chosen.townships) or None,
                           villages=list(chosen.villages) or None, ids=sorted(ids))
        kept = assets[name][~assets[name]["id"].isin(ids)]
        merged = pd.concat([kept, fresh]) if len(fresh) else kept
        assets[name] = merged.sort_values("id", kind="stable").reset_index(drop=True)
    allowed = {name: set(gdf["id"].astype(int)) for name, gdf in assets.items()}
    return Selection(assets, None, filter_queue(rows, chosen, allowed),
                     [c for c in cannot if c.id in allowed.get(c.layer, set())])

"""The filtered set as the map and the repair list show it (``pages.common.selection``), kept so
that an edit patches it instead of rebuilding it.

At province scale rebuilding the view of the whole county after one status change meant reading
every asset again and drawing every layer again (seconds). An edit changes its own rows only:
:func:`patch_view` re-reads those, filters the re-ranked queue again in memory and redraws only
the layers whose drawn features may differ (the edited layers; all of them when the per-layer
budgets moved). Households do not change with a status, so their layer is kept as it was.
No Streamlit here.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from layers import REGISTRY
from layers.filter import Filter
from views.map.data import map_collections
from views.map.geojson import (
    SIMPLIFY_DEG,
    asset_collection,
    layer_budgets,
    patched_asset_collection,
)
from views.names import Names
from views.selection import Queue, Selection, patch_select, select

_TOKENS = itertools.count(1)


def next_token() -> int:
    """A number never given before (unlike ``id()``): what a map drawn from a set of data is
    cached under, so that a map drawn from a set an edit replaced is never served again."""
    return next(_TOKENS)


@dataclasses.dataclass(frozen=True)
class SelectionView:
    """One filter's selection (``selection``) and what the pages read of it (``data``: the map's
    collections, counts, ids, versions, queue rows, unrankable assets, and a ``token`` new for
    every build and every patch)."""

    filters: Filter
    language: str
    tolerance: float
    selection: Selection
    budgets: dict[str, int]
    data: dict[str, Any]

    def content(self) -> dict[str, Any]:
        """``data`` but its token (new for every build and patch): what two views showing the
        same thing have equal."""
        return {key: value for key, value in self.data.items() if key != "token"}


def build_view(bind: sa.Connection, filters: Filter, ranked: Queue, names: Names, language: str,
               tolerance: float | None, households: dict[str, Any] | None = None) -> SelectionView:
    """The view from scratch; ``households``: the households layer for the map when the filter
    shows it (it depends on the place filters only: the caller has it cached)."""
    tolerance = tolerance or SIMPLIFY_DEG  # as map_collections takes it
    sel = select(bind, filters, ranked, with_households=False)
    budgets = layer_budgets({name: len(gdf) for name, gdf in sel.assets.items()})
    collections = map_collections(sel, names, language, tolerance)  # kept budgets: patch_view
    return _view(filters, language, tolerance, sel, budgets, collections, households)


def patch_view(bind: sa.Connection, view: SelectionView, ranked: Queue, names: Names,
               edits: Iterable[tuple[str, int]]) -> SelectionView:
    """The view after an edit of these assets (layer, id): the same as :func:`build_view` would
    give (tests/views/test_selection_view.py), from the view before it."""
    edits = list(edits)
    sel = patch_select(bind, view.filters, view.selection, ranked, edits)
    budgets = layer_budgets({name: len(gdf) for name, gdf in sel.assets.items()})
    # a tier filter was selected again in full: every layer may differ
    touched = set(sel.assets) if view.filters.needs_queue else {layer for layer, _ in edits}
    old = view.data["collections"]
    whole = {name for name, gdf in view.selection.assets.items()  # drawn uncut before the edit
             if name in view.budgets and len(gdf) <= view.budgets[name]}
    redraw = touched | _cut_differently(whole, view.budgets, sel, budgets)
    edited = {name: {int(i) for layer, i in edits if layer == name} for name in touched}
    collections = {name: (_collection(sel, name, names, view.language, budgets, view.tolerance,
                                      old[name] if name in whole else None, edited.get(name))
                          if name in redraw else old[name])
                   for name in sel.assets}
    return _view(view.filters, view.language, view.tolerance, sel, budgets, collections,
                 old.get("households"), reuse=(view.data, touched))


def _cut_differently(whole: set[str], before: dict[str, int], sel: Selection,
                     budgets: dict[str, int]) -> set[str]:
    """Layers whose budget moved (from ``before``) where it cuts them, before or after
    (``whole``: the layers drawn uncut before): a layer drawn whole both times is drawn the same
    whatever its budget (one status more or less in a status filter moves every budget; the
    other layers need no redraw)."""
    return {name for name, gdf in sel.assets.items()
            if budgets[name] != before.get(name) and (len(gdf) > budgets[name] or name not in whole)}


def _collection(sel: Selection, name: str, names: Names, language: str, budgets: dict[str, int],
                tolerance: float, before: dict[str, Any] | None = None,
                edited: set[int] | None = None) -> dict[str, Any]:
    """A layer's drawing. ``before``: its drawing before an edit when it was drawn uncut; if it
    is uncut now too, only the ``edited`` assets' features are drawn again."""
    gdf, layer = sel.assets[name], REGISTRY.get(name)
    if before is not None and edited and len(gdf) <= budgets[name]:
        return patched_asset_collection(layer, gdf, before, edited, names, language, tolerance)
    return asset_collection(layer, gdf, names, language, limit=budgets[name], tolerance=tolerance)


def _view(filters: Filter, language: str, tolerance: float, sel: Selection,
          budgets: dict[str, int], collections: dict[str, dict[str, Any]],
          households: dict[str, Any] | None,
          reuse: tuple[dict[str, Any], set[str]] | None = None) -> SelectionView:
    """``reuse``: the data before an edit and the edited layers (the others' ids and versions
    are the same: an asset of the whole county per entry, not worth building again)."""
    counts = sel.counts()
    collections = dict(collections)
    if households is not None:
        collections["households"] = households
        counts["households"] = households["total"]
    old, touched = reuse if reuse is not None else ({}, set(sel.assets))
    ids = {name: (old["ids"][name] if name not in touched and name in old.get("ids", {})
                  else [int(i) for i in gdf["id"]])
           for name, gdf in sel.assets.items()}
    versions = {name: (old["versions"][name] if name not in touched
                       and name in old.get("versions", {})
                       else {int(i): int(v) for i, v in zip(gdf["id"], gdf["version"], strict=True)})
                for name, gdf in sel.assets.items()}
    data = {"collections": collections, "counts": counts, "ids": ids, "versions": versions,
            "queue": sel.queue, "cannot_rank": sel.cannot_rank, "token": next_token()}
    return SelectionView(filters, language, tolerance, sel, budgets, data)

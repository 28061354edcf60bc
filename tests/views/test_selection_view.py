"""After an edit, the patched selection view (only the edited rows read again, the re-ranked
queue filtered again, untouched layers' drawings kept) is the view a fresh build gives; and a
fresh build is what the page built before the view was kept (select + map_collections)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from layers import REGISTRY
from layers.filter import Filter
from layers.store import set_status
from views.map import data as map_data
from views.names import load_names
from views.queue import after_edit, live_ranking
from views.selection import select
from views.selection_view import build_view, patch_view

pytestmark = pytest.mark.postgis

FILTERS = [
    Filter(),
    Filter(statuses=("not_started", "opening")),
    Filter(layers=("roads", "households"), townships=("411121100", "411121201")),
    Filter(importance=("重点",)),  # a tier filter: selected again in full
    Filter(layers=("schools",)),  # the edits touch no layer it shows
]


def _asset(conn: sa.Connection, layer: str, status: str) -> tuple[int, int]:
    table = REGISTRY.get(layer).table
    row = conn.execute(sa.select(table.c.id, table.c.version).where(table.c.status == status)
                       .order_by(table.c.id).limit(1)).one()
    return int(row[0]), int(row[1])


def test_build_view_is_what_the_page_built(demo: sa.Connection) -> None:
    live = live_ranking(demo)
    ranked = (live.result.rows, live.result.cannot_rank)
    names = load_names(demo)
    for chosen in FILTERS:
        view = build_view(demo, chosen, ranked, names, "zh", None)
        sel = select(demo, chosen, ranked, with_households=False)
        assert view.data["collections"] == map_data.map_collections(sel, names, "zh", None)
        assert view.data["counts"] == sel.counts()
        assert view.data["queue"] == sel.queue and view.data["cannot_rank"] == sel.cannot_rank
        assert view.data["ids"] == sel.ids()


@pytest.mark.parametrize("edits", [
    [("roads", "not_started", "opening")],
    [("water_works", "not_started", "done"), ("roads", "assess", "not_started")],
])
def test_patched_views_equal_a_fresh_build(demo: sa.Connection,
                                           edits: list[tuple[str, str, str]]) -> None:
    live = live_ranking(demo)
    names = load_names(demo)
    homes = map_data.household_map(demo, (), (), names, "zh")
    views = [build_view(demo, chosen, (live.result.rows, live.result.cannot_rank), names, "en",
                        0.0005, homes if chosen.shows_households else None)
             for chosen in FILTERS]
    changed = []
    for layer, was, becomes in edits:
        asset_id, version = _asset(demo, layer, was)
        set_status(demo, layer, asset_id, becomes, version, "test")
        changed.append((layer, asset_id))
    live = after_edit(demo, live, changed)
    ranked = (live.result.rows, live.result.cannot_rank)
    for chosen, view in zip(FILTERS, views, strict=True):
        patched = patch_view(demo, view, ranked, names, changed)
        fresh = build_view(demo, chosen, ranked, names, "en", 0.0005,
                           homes if chosen.shows_households else None)
        assert patched.content() == fresh.content(), chosen
        # a new token: a map drawn from the view before the edit is never served again
        assert len({view.data["token"], patched.data["token"], fresh.data["token"]}) == 3
        assert patched.budgets == fresh.budgets
    # the edited asset moved: its status shows in the default view's drawing and versions
    layer, asset_id = changed[0]
    default = patch_view(demo, views[0], ranked, names, changed)
    assert default.data["versions"][layer][asset_id] == views[0].data["versions"][layer][asset_id] + 1
    assert default.content() != views[0].content()


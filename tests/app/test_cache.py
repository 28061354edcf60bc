"""A browser's "clear cache" cannot make the app rank the queue again; an edit can (AppTest).

Streamlit handles a client's ``clear_cache`` message by emptying ``st.cache_data`` and
``st.cache_resource`` for every session (``AppSession._handle_clear_cache_request``). The test
does exactly that between two runs and counts how often the ranked queue is computed. The same
message sent over a real websocket to a running server is in tests/app/test_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from streamlit.runtime import caching
from streamlit.testing.v1 import AppTest

from geo.rank.core import row_dict
from pages import common
from tests.helpers.app import APP, Credentials, app_admin, app_database_url, save_status, sign_in
from views.names import load_names
from views.queue import rank_queue
from views.selection_view import build_view

__all__ = ["app_admin", "app_database_url"]

pytestmark = pytest.mark.postgis


@pytest.fixture
def app(app_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("TRACKER_DATABASE_URL", app_database_url)
    monkeypatch.delenv("TRACKER_DEV", raising=False)
    yield AppTest.from_file(APP, default_timeout=120)


def test_clear_cache_from_a_client_does_not_rerank(app: AppTest, app_admin: Credentials) -> None:
    common.clear_caches()  # start from a known state: the next run ranks once
    before = common.SHARED.computed["queue"]
    sign_in(app, app_admin)  # the map page (and so the ranking) is behind the sign-in
    assert not app.exception
    ranked = common.SHARED.computed["queue"]
    assert ranked == before + 1
    assert ranked >= 1
    app.run()
    assert common.SHARED.computed["queue"] == ranked  # cached

    caching.cache_data.clear()  # what any client's clear_cache message does
    caching.cache_resource.clear()
    app.run()
    assert not app.exception
    assert common.SHARED.computed["queue"] == ranked  # not ranked again

    common.clear_caches()  # an edit: the tracker's own action
    app.run()
    assert common.SHARED.computed["queue"] == ranked + 1


def test_an_edit_patches_the_queue_instead_of_reranking_the_county(
        app: AppTest, app_database_url: str, app_admin: Credentials) -> None:
    """Saving a status re-reads that asset only (no new full ranking), and the list every user
    sees afterwards is the one a full read-and-rank gives."""
    sign_in(app, app_admin)
    rows, _ = common.queue(app_database_url)
    road = next(r for r in rows if r.layer == "roads" and r.status == "not_started")
    ranked = common.SHARED.computed["queue"]
    fid = f"roads:{road.id}"
    save_status(app, fid, "opening")
    assert common.SHARED.computed["queue"] == ranked  # patched, not computed again
    patched, cannot = common.queue(app_database_url)
    assert next(r for r in patched if r.layer == "roads" and r.id == road.id).status == "opening"
    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        full = rank_queue(conn)  # read afresh, ranked by the plain greedy
    engine.dispose()
    assert [row_dict(r) for r in patched] == [row_dict(r) for r in full.rows]
    assert cannot == full.cannot_rank


def test_an_edit_patches_the_map_and_list_views(
        app: AppTest, app_database_url: str, app_admin: Credentials) -> None:
    """Saving a status patches each kept selection view (the map's layers, the list, counts)
    rather than rebuilding it, keeps the households' layer, and every patched view is the one a
    fresh build from the database gives."""
    common.clear_caches()
    sign_in(app, app_admin)
    assert common.VIEWS.keys("selection"), "the map page built its selection view"
    rows, _ = common.queue(app_database_url)
    water = next(r for r in rows if r.layer == "water_works" and r.status == "not_started")
    built = common.VIEWS.computed["selection"]
    fid = f"water_works:{water.id}"
    save_status(app, fid, "repairing")
    assert common.VIEWS.computed["selection"] == built  # patched, not built again
    ranked = common.queue(app_database_url)
    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    checked = 0
    table = common.REGISTRY.get("water_works").table
    with engine.connect() as conn:
        names = load_names(conn)
        version = conn.execute(sa.select(table.c.version).where(table.c.id == water.id)).scalar_one()
        for key in common.VIEWS.keys("selection"):
            view = common.VIEWS.get("selection", key, lambda: None)  # type: ignore[arg-type,return-value]
            assert view is not None
            homes = view.data["collections"].get("households")
            fresh = build_view(conn, view.filters, ranked, names, view.language, view.tolerance,
                               homes)
            assert view.content() == fresh.content()
            if water.id in view.data["versions"].get("water_works", {}):
                assert view.data["versions"]["water_works"][water.id] == version  # the saved one
                checked += 1
    engine.dispose()
    assert checked >= 1

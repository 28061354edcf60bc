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
from tests.helpers.app import APP, Credentials, app_admin, app_database_url, sign_in
from views.queue import rank_queue

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
    app.session_state["selected"] = fid
    app.run()
    app.selectbox(key=f"new_status_{fid}").set_value("opening").run()
    app.button(key="save_status").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert common.SHARED.computed["queue"] == ranked  # patched, not computed again
    patched, cannot = common.queue(app_database_url)
    assert next(r for r in patched if r.layer == "roads" and r.id == road.id).status == "opening"
    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        full = rank_queue(conn)  # read afresh, ranked by the plain greedy
    engine.dispose()
    assert [row_dict(r) for r in patched] == [row_dict(r) for r in full.rows]
    assert cannot == full.cannot_rank

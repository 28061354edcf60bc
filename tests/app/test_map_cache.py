"""The map is drawn once per filtered set and shared (pages/map_component.py, ``common.MAPS``):
an edit reaches every user's map and list at once, and two scopes never get each other's map.

Driven through the app (AppTest) against the committed test database; what the map shows is read
from the arguments the page hands the st_folium component (its GeoJSON data), as the browser
gets them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from layers import REGISTRY
from pages import common
from tests.helpers.app import (
    APP,
    TOWNSHIP,
    Credentials,
    app_admin,
    app_database_url,
    make_account,
    save_status,
    sign_in,
)
from views.i18n import t
from views.map.geojson import status_label

__all__ = ["app_admin", "app_database_url"]

pytestmark = pytest.mark.postgis
TOWNSHIP2 = "411121100"


@pytest.fixture
def new_app(app_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("TRACKER_DATABASE_URL", app_database_url)
    monkeypatch.delenv("TRACKER_DEV", raising=False)
    common.clear_caches()
    yield lambda: AppTest.from_file(APP, default_timeout=120)
    common.clear_caches()


def map_features(at: AppTest) -> dict[str, dict[str, Any]]:
    """fid → properties of every feature in the map the page handed to its component."""
    [component] = at.get("component_instance")
    script = json.loads(component.proto.json_args)["feature_group"]
    decoder = json.JSONDecoder()
    found: dict[str, dict[str, Any]] = {}
    for call in re.finditer(r"_add\(", script):  # each layer's data: geo_json_…_add({...})
        data, _ = decoder.raw_decode(script, call.end())
        for feature in data["features"]:
            found[feature["properties"]["fid"]] = feature["properties"]
    return found


def list_status(at: AppTest, layer: str, asset: str) -> str:
    """The status the repair list shows for the asset (its layer and id or code)."""
    layer_col, id_col, status_col = (t(f"col_{c}", "zh") for c in ("layer", "id", "status"))
    [frame] = [d.value for d in at.dataframe
               if {layer_col, id_col, status_col} <= set(d.value.columns)]
    row = frame[(frame[layer_col] == REGISTRY.get(layer).label("zh"))
                & (frame[id_col].astype(str) == asset)]
    return str(row[status_col].iloc[0])


def test_an_edit_reaches_the_map_and_list_of_every_user(
        new_app: Any, app_database_url: str, app_admin: Credentials) -> None:
    editor, viewer = new_app(), new_app()
    sign_in(editor, app_admin)
    sign_in(viewer, make_account(app_database_url, "admin", prefix="viewer"))
    rows, _ = common.queue(app_database_url)
    road = next(r for r in rows if r.layer == "roads" and r.status == "not_started")
    fid = f"roads:{road.id}"
    assert map_features(viewer)[fid]["status"] == "not_started"
    drawn = common.MAPS.computed["map"]
    viewer.run()
    editor.run()
    assert common.MAPS.computed["map"] == drawn  # the same map for both, drawn once

    save_status(editor, fid, "opening")

    viewer.run()  # the other user's next run: the map drawn again from the edited data
    assert map_features(viewer)[fid]["status"] == "opening"
    assert map_features(editor.run())[fid]["status"] == "opening"
    assert common.MAPS.computed["map"] == drawn + 1
    viewer.switch_page("pages/repairs_page.py").run()
    assert list_status(viewer, "roads", str(road.id)) == status_label("opening", "zh")


def township_of(url: str, fids: set[str]) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    found: set[str] = set()
    with engine.connect() as conn:
        for fid in fids:
            layer, _, number = fid.partition(":")
            table = REGISTRY.get(layer).table
            found.add(conn.execute(sa.select(table.c.township_code)
                                   .where(table.c.id == int(number))).scalar_one())
    engine.dispose()
    return found


def test_two_township_accounts_never_get_each_others_map(
        new_app: Any, app_database_url: str, app_admin: Credentials) -> None:
    mine, theirs, county = new_app(), new_app(), new_app()
    drawn = common.MAPS.computed["map"]
    sign_in(mine, make_account(app_database_url, "township", township=TOWNSHIP))
    sign_in(theirs, make_account(app_database_url, "township", township=TOWNSHIP2))
    sign_in(county, app_admin)
    shown = {}
    for name, at in (("mine", mine), ("theirs", theirs), ("county", county)):
        at.run()  # a second run each, from the cache, interleaved with the others'
        shown[name] = {fid for fid, props in map_features(at).items()
                       if props["layer"] in REGISTRY.names
                       and REGISTRY.get(props["layer"]).repairable}
    assert shown["mine"] and shown["theirs"]
    assert township_of(app_database_url, shown["mine"]) == {TOWNSHIP}
    assert township_of(app_database_url, shown["theirs"]) == {TOWNSHIP2}
    assert shown["county"] == shown["mine"] | shown["theirs"]
    assert common.MAPS.computed["map"] == drawn + 3  # one map per scope, each drawn once

"""Every page of the app under streamlit.testing.v1.AppTest against a real, committed PostGIS.

The map click is opaque to AppTest (st_folium is a custom component), so the detail panel is
driven through its selection in session_state and its list, as a keyboard user would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from layers import REGISTRY
from layers.filter import Filter
from layers.store import set_status
from tests.helpers.app import (
    APP,
    ID_NUMBER,
    TOWNSHIP,
    XSS_NAME,
    Credentials,
    app_admin,
    app_database_url,
    feature_id,
    feature_state,
    sign_in,
)
from views import selection
from views.map import data as map_data
from views.map import geojson
from views.names import load_names

__all__ = ["app_admin", "app_database_url"]  # the fixtures, imported so pytest finds them here

pytestmark = pytest.mark.postgis
PAGES = ("pages/map_page.py", "pages/repairs_page.py", "pages/progress_page.py",
         "pages/households_page.py", "pages/ledger_page.py", "pages/import_page.py",
         "pages/export_page.py")


@pytest.fixture
def app(app_database_url: str, app_admin: Credentials,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The app, signed in as a county administrator through the sign-in form."""
    monkeypatch.setenv("TRACKER_DATABASE_URL", app_database_url)
    monkeypatch.setenv("TRACKER_USER", "apptest")
    monkeypatch.delenv("TRACKER_DEV", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    yield sign_in(at, app_admin)


def metric(at: AppTest, label: str) -> int:
    for m in at.metric:
        if m.label == label:
            return int(m.value)
    raise AssertionError(f"no metric {label!r} in {[m.label for m in at.metric]}")


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_runs(app: AppTest, lang: str) -> None:
    app.sidebar.radio(key="lang").set_value(lang).run()  # signed in already: switch as a user does
    title = app.title[0].value
    assert title == ("舞阳县水毁修复与防返贫跟踪" if lang == "zh" else "Wuyang flood recovery tracker")
    for page in PAGES:
        app.switch_page(page).run()
        assert not app.exception, (page, [e.value for e in app.exception])
        errors = [e.value for e in app.error if "逾期" not in e.value and "overdue" not in e.value]
        assert not errors, (page, errors)  # overdue deadlines are shown in red on purpose


def test_filters_change_the_counts_on_map_and_list(app: AppTest) -> None:
    app.run()
    no_errors(app)
    all_assets = metric(app, "设施（处）")
    all_tasks = metric(app, "修复任务（项）")
    assert all_assets >= 10 and all_tasks >= 1

    app.sidebar.multiselect(key="f_status").set_value(["done", "accepted"]).run()
    finished = metric(app, "设施（处）")
    assert 0 < finished < all_assets
    assert metric(app, "修复任务（项）") == 0  # finished work has no task left

    app.sidebar.multiselect(key="f_status").set_value([]).run()
    app.sidebar.multiselect(key="f_township").set_value([TOWNSHIP]).run()
    one_town = metric(app, "设施（处）")
    assert 0 < one_town < all_assets
    tasks = metric(app, "修复任务（项）")

    # the repair list shows the same filtered set: as many rows as the map page's task count
    app.switch_page("pages/repairs_page.py").run()
    no_errors(app)
    assert metric(app, "修复任务（项）") == tasks
    assert len(app.dataframe[0].value) == tasks
    assert app.get("download_button")  # Excel and CSV


def test_importance_and_monitored_filters_narrow_the_list(app: AppTest) -> None:
    app.run()
    app.switch_page("pages/repairs_page.py").run()
    every = len(app.dataframe[0].value)
    app.sidebar.checkbox(key="f_monitored").check().run()
    no_errors(app)
    monitored = len(app.dataframe[0].value)
    assert 0 < monitored <= every
    reasons = app.dataframe[0].value["排序理由"].tolist()
    assert all("监测" in r for r in reasons)
    app.sidebar.multiselect(key="f_importance").set_value(["重点"]).run()
    frame = app.dataframe[0].value
    assert set(frame["重要程度"]) <= {"重点"}


def test_crew_what_if_on_the_repair_list(app: AppTest) -> None:
    app.run()
    app.switch_page("pages/repairs_page.py").run()
    no_errors(app)
    queue_tables = len(app.dataframe)
    app.toggle(key="crew_on").set_value(True).run()
    no_errors(app)
    app.number_input(key="crews").set_value(2).run()
    no_errors(app)
    summary = next(x.value for x in app.text if "个施工队按清单顺序施工" in x.value)
    assert summary.startswith("2 个施工队")
    curve = app.dataframe[queue_tables].value
    assert list(curve.columns[:4]) == ["第几天", "已完成任务", "基本服务已恢复户数", "仍缺基本服务户数"]
    assert curve["第几天"].iloc[0] == 0 and curve["仍缺基本服务户数"].iloc[-1] == 0
    assert len(app.get("vega_lite_chart")) == 1  # the day-by-day curve


def test_status_change_persists(app: AppTest, app_database_url: str) -> None:
    fid = feature_id(app_database_url, "pv_stations", "PV-001")
    before_status, before_version = feature_state(app_database_url, "pv_stations", fid)
    app.session_state["selected"] = f"pv_stations:{fid}"
    app.run()
    no_errors(app)
    new = "repairing" if before_status != "repairing" else "done"
    app.selectbox(key=f"new_status_pv_stations:{fid}").set_value(new).run()
    app.button(key="save_status").click().run()
    no_errors(app)
    assert feature_state(app_database_url, "pv_stations", fid) == (new, before_version + 1)
    assert any("已保存" in s.value for s in app.success)


def test_stale_edit_is_refused_and_nothing_overwritten(app: AppTest, app_database_url: str) -> None:
    fid = feature_id(app_database_url, "clinics", "C-001")
    app.session_state["selected"] = f"clinics:{fid}"
    app.run()  # the panel reads the clinic: this user now holds its current version
    no_errors(app)
    _, version = feature_state(app_database_url, "clinics", fid)
    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:  # someone else saves first
        set_status(conn, "clinics", fid, "done", version, "另一位用户")
    engine.dispose()

    app.selectbox(key=f"new_status_clinics:{fid}").set_value("opening").run()
    app.button(key="save_status").click().run()
    assert not app.exception
    assert any("已被他人修改" in e.value for e in app.error)
    assert feature_state(app_database_url, "clinics", fid) == ("done", version + 1)

    app.button(key="detail_reload").click().run()  # reload, then the change goes through
    app.selectbox(key=f"new_status_clinics:{fid}").set_value("accepted").run()
    app.button(key="save_status").click().run()
    no_errors(app)
    assert feature_state(app_database_url, "clinics", fid) == ("accepted", version + 2)


def test_picking_from_the_list_opens_the_detail_panel(app: AppTest, app_database_url: str) -> None:
    app.run()
    fid = feature_id(app_database_url, "water_works", "W-001")
    app.selectbox(key="pick").set_value(f"water_works:{fid}").run()
    no_errors(app)
    assert app.session_state["selected"] == f"water_works:{fid}"
    # the facts table (the history of changes follows it in the panel)
    facts = next(d.value for d in app.dataframe if list(d.value.columns) == ["字段", "值"])
    assert "北舞渡镇水厂" in facts.iloc[:, 1].tolist()


def test_households_page_masks_ids_and_shows_html_as_text(app: AppTest) -> None:
    app.run()
    app.switch_page("pages/households_page.py").run()
    no_errors(app)
    frame = app.dataframe[0].value
    assert XSS_NAME in frame["户主"].tolist()  # stored text, shown as text by st.dataframe
    ids = frame["身份证号（已脱敏）"].tolist()
    assert ID_NUMBER not in ids and "4111**********123X" in ids
    for column in ("联系电话", "人均纯收入(元)", "身份证号"):
        assert column not in frame.columns
    every = metric(app, "农户（户）")
    app.checkbox(key="hh_only_risk").uncheck().run()
    assert metric(app, "农户（户）") > every  # the household without risks now shows too
    app.multiselect(key="hh_category").set_value(["monitored"]).run()
    assert metric(app, "农户（户）") == 1


def test_progress_page_shows_the_deadlines(app: AppTest) -> None:
    app.run()
    app.switch_page("pages/progress_page.py").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "2021年11月30日" in text and "2021年12月31日" in text
    assert any("逾期" in e.value for e in app.error)  # today is long past both deadlines
    by_status = app.dataframe[0].value
    assert "水毁公路" in by_status.index


def test_export_page_prepares_a_download(app: AppTest) -> None:
    app.run()
    app.switch_page("pages/export_page.py").run()
    no_errors(app)
    app.selectbox(key="ex_layer").set_value("roads").run()
    app.selectbox(key="ex_format").set_value("geojson").run()
    app.button(key="ex_prepare").click().run()
    no_errors(app)
    assert app.get("download_button")


def test_a_database_that_cannot_be_reached_gives_one_sentence(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL",
                       "postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    monkeypatch.delenv("TRACKER_DEV", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.error and "Traceback" not in at.error[0].value


def test_village_totals_are_counted_in_the_database(app_database_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:

    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        rows = {r["village_code"]: r for r in map_data.village_household_totals(conn)}
        assert {code: (r["n"], r["monitored"], r["at_risk"]) for code, r in rows.items()} == {
            "411121102201": (2, 1, 2), "411121100201": (1, 0, 0)}
        only = map_data.village_household_totals(conn, townships=("舞泉镇",))
        assert [r["village_code"] for r in only] == ["411121100201"]
        names = load_names(conn)
        shown = map_data.household_map(conn, (), (), names, "zh")
        assert shown["aggregated"] is False and len(shown["features"]) == 3
        monkeypatch.setattr(geojson, "HOUSEHOLD_DETAIL_LIMIT", 2)  # as if the county were big
        totals = map_data.household_map(conn, (), (), names, "zh")
    engine.dispose()
    assert totals["aggregated"] is True and totals["total"] == 3
    assert sorted(f["properties"]["c"] for f in totals["features"]) == [1, 2]


def test_development_mode_turns_error_details_on(app_database_url: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit import config

    monkeypatch.setenv("TRACKER_DATABASE_URL", app_database_url)
    monkeypatch.setenv("TRACKER_DEV", "1")
    before = config.get_option("client.showErrorDetails")
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.exception
        assert config.get_option("client.showErrorDetails") == "full"
    finally:
        config.set_option("client.showErrorDetails", before)


def test_export_what_the_map_shows_honours_the_tier_filter(app: AppTest, app_database_url: str,
                                                           tmp_path: Path) -> None:
    import pyogrio


    app.run()
    app.sidebar.multiselect(key="f_importance").set_value(["重点"]).run()
    app.switch_page("pages/export_page.py").run()
    no_errors(app)
    app.selectbox(key="ex_format").set_value("gpkg").run()
    app.checkbox(key="ex_current").check().run()
    # the households the map shows are personal data: their own choice, confirmed (logged)
    app.checkbox(key="ex_personal").check().run()
    app.checkbox(key="ex_personal_confirm").check().run()
    app.button(key="ex_prepare").click().run()
    no_errors(app)
    filename, payload, total = app.session_state["export_file"]
    path = tmp_path / filename
    path.write_bytes(payload)
    exported = {name: sorted(int(i) for i in pyogrio.read_dataframe(path, layer=name)["要素ID"])
                for name, _ in pyogrio.list_layers(path) if name in REGISTRY.names}

    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:  # what the map shows under the same filter, and unfiltered
        shown = selection.select(conn, Filter(importance=("重点",)))
        every = selection.select(conn, Filter())
    engine.dispose()
    expected = {name: sorted(ids) for name, ids in shown.ids().items() if ids}
    assert shown.households is not None
    expected["households"] = sorted(int(i) for i in shown.households["id"])
    assert exported == expected
    assert total == sum(len(ids) for ids in expected.values())
    # the tier filter really narrowed the export: the 一般 road is on the unfiltered map only
    assert len(expected["roads"]) < len(every.ids()["roads"])


def test_viewport_queries_read_only_the_box(app_database_url: str) -> None:

    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        names = load_names(conn)
        everything = selection.select(conn, Filter(), with_households=True)
        homes = everything.households
        assert homes is not None and len(homes) == 3
        lon, lat = float(homes.geometry.iloc[0].x), float(homes.geometry.iloc[0].y)
        box = (lon - 1e-5, lat - 1e-5, lon + 1e-5, lat + 1e-5)
        inside = map_data.household_map(conn, (), (), names, "zh", box)
        far = (100.0, 20.0, 100.1, 20.1)
        nothing = selection.select(conn, Filter(), with_households=True, bbox=far)
        west, south, east, north = (float(v) for v in homes.total_bounds)
        whole = selection.select(conn, Filter(), with_households=True,
                              bbox=(west - 1, south - 1, east + 1, north + 1))
    engine.dispose()
    expected = sum(1 for p in homes.geometry if p.x == lon and p.y == lat)
    assert inside["total"] == expected and len(inside["features"]) == expected
    assert sum(nothing.counts().values()) == 0
    assert whole.counts() == everything.counts()


def test_frames_are_constant_on_small_data_and_per_place_on_large(
        app_database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import shapely


    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        names = load_names(conn)
        town = next(iter(names.townships))
        county = map_data.frame_collections(conn, names, "zh")
        chosen = map_data.frame_collections(conn, names, "zh", (town,))
        monkeypatch.setattr(geojson, "VILLAGE_OUTLINE_LIMIT", 0)  # as if villages were many
        big_county = map_data.frame_collections(conn, names, "zh")
        big_chosen = map_data.frame_collections(conn, names, "zh", (town,))
    engine.dispose()
    assert county == chosen and county["plan"]["villages"] == "all"
    assert "villages" not in big_county and big_county["plan"]["villages"] == "none"
    assert big_county["plan"]["tolerance"] >= geojson.SIMPLIFY_DEG
    assert big_chosen["plan"]["villages"] == "window" and big_chosen["villages"]["features"]
    assert big_county["plan"]["village_total"] == county["plan"]["village_total"] > 0
    # the county view's outline is still a polygon near the exact one
    exact = shapely.geometry.shape(county["county"]["features"][0]["geometry"])
    coarse = shapely.geometry.shape(big_county["county"]["features"][0]["geometry"])
    assert coarse.hausdorff_distance(exact) <= big_county["plan"]["tolerance"] * 2


@pytest.mark.parametrize("tiers", [{"importance": ("重点",)}, {"urgency": ("长远",)},
                                   {"monitored_only": True}])
def test_tier_filters_read_only_the_queued_assets_with_the_same_result(
        app_database_url: str, tiers: dict[str, object]) -> None:

    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        ranked = selection.queue_rows(conn)
        everything = selection.select(conn, Filter(), ranked)
        tiered = selection.select(conn, Filter(**tiers), ranked)  # type: ignore[arg-type]
    engine.dispose()
    queue = selection.filter_queue(ranked[0], Filter(**tiers))  # type: ignore[arg-type]
    expected: dict[str, list[int]] = {name: [] for name in everything.assets}
    for row in queue:
        expected[row.layer].append(row.id)
    assert tiered.ids() == {name: sorted(set(ids)) for name, ids in expected.items()}
    assert [r.id for r in tiered.queue] == [r.id for r in queue]
    assert tiered.cannot_rank == everything.cannot_rank

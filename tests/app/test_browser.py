"""End to end in a real headless Chromium (Debian's; Playwright never downloads a browser).

`tracker serve` (streamlit run app.py) runs as a subprocess against the committed test database. The tests look
inside st_folium's iframe, record every request (anything leaving localhost fails: the app must
work with no internet), click features on the canvas-rendered map, change filters, download an
export, and save screenshots of what they saw to build/screenshots/ (git-ignored: a test run never
changes tracked files; the README's screenshots come from the demo county, scripts/screenshots.py).
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from geo.testing.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MAP_FRAME,
    ROOT,
    Visit,
    shoot,
    streamlit_server,
)
from tests.helpers.app import (
    XSS_NAME,
    XSS_ROAD,
    Credentials,
    app_admin,
    app_database_url,
    make_account,
)
from tests.helpers.nasty import (
    BEACON,
    BEACON_HOST,
    EVALUATED,
    MARKER,
    NASTY,
    nasty_database_url,
)

__all__ = ["app_admin", "app_database_url", "nasty_database_url"]

pytestmark = [pytest.mark.browser, pytest.mark.postgis]
LOG = ROOT / "build" / "streamlit-test.log"


@pytest.fixture(scope="module")
def server(app_database_url: str) -> Iterator[str]:
    # the ranked queue stays cached for the whole module: a recomputation is then a cache drop
    with streamlit_server(app_database_url, LOG, "browser",
                          {"TRACKER_CACHE_SECONDS": "3600"}) as url:
        yield url
    LOG.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def nasty_admin(nasty_database_url: str) -> Credentials:
    """A county administrator of the hostile-text database (every page needs a sign-in)."""
    return make_account(nasty_database_url, "admin")


@pytest.fixture(scope="module")
def nasty_server(nasty_database_url: str) -> Iterator[str]:
    """The app on the database whose every free text is hostile (tests.helpers.nasty)."""
    log_path = ROOT / "build" / "streamlit-nasty-test.log"
    MARKER.unlink(missing_ok=True)
    with streamlit_server(nasty_database_url, log_path, "browser") as url:
        yield url
    log_path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: install it with "
                    "'sudo apt-get install -y chromium' (make test does) or set TRACKER_CHROMIUM.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visit(browser: Browser, server: str, app_admin: Credentials) -> Iterator[Visit]:
    v = Visit(browser, server, app_admin.pair())  # each open() signs in, as a new tab must
    yield v
    v.close()


def test_map_shows_every_layer_offline(visit: Visit) -> None:
    started = time.monotonic()
    visit.open("/")
    frame = visit.map_frame()
    frame.locator("canvas").first.wait_for(timeout=30000)
    first_paint = time.monotonic() - started
    names = frame.locator(".leaflet-control-layers").text_content() or ""
    for label in ("水毁公路 (4)", "学校 (2)", "农户 (3)", "行政村", "淹没范围"):
        assert label in names, names
    shoot(visit, "map.png")
    assert visit.external() == [], visit.external()
    assert any("/app/static/vendor/leaflet-1.9.4/leaflet.js" in u for u in visit.requests)
    assert first_paint < 30


def test_status_filter_changes_the_count(visit: Visit) -> None:
    visit.open("/")
    visit.map_frame()
    before = visit.metric(0)
    sidebar = visit.page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stMultiSelect").first.click()
    visit.page.get_by_role("option", name="已完工").click()
    visit.page.keyboard.press("Escape")
    visit.page.wait_for_function(
        f"() => document.querySelector('[data-testid=stMetricValue]').innerText.trim() != '{before}'",
        timeout=30000)
    after = visit.metric(0)
    assert 0 < after < before
    frame = visit.map_frame()
    # the map shows the same filtered set (textContent: the control may be collapsed)
    expect(frame.locator(".leaflet-control-layers")).to_contain_text("水毁公路 (1)", timeout=30000)
    assert visit.external() == []


def test_click_opens_the_detail_panel(visit: Visit) -> None:
    visit.open("/")
    visit.map_frame()
    visit.click_map_at(33.605, 113.65)  # 北舞渡镇水厂
    panel = visit.page.get_by_text("水毁水利工程 · #")
    panel.wait_for(timeout=30000)
    visit.page.get_by_text("北舞渡镇水厂").first.wait_for(state="attached", timeout=30000)
    save = visit.page.get_by_role("button", name="保存状态")
    assert save.count() == 1
    save.scroll_into_view_if_needed()
    shoot(visit, "detail.png", full_page=False)


def test_typing_a_code_finds_it_on_the_map(visit: Visit) -> None:
    visit.open("/")
    frame = visit.map_frame()
    box = visit.page.get_by_label("查找（村、乡镇、编码、路线桩号或名称）")
    box.fill("W-001")
    box.press("Enter")  # two keystrokes after typing: the best hit is chosen
    visit.page.get_by_text("水毁水利工程 · #").wait_for(timeout=30000)
    visit.page.get_by_text("北舞渡镇水厂").first.wait_for(state="attached", timeout=30000)
    frame = visit.map_frame()  # outlined in its own layer, over the others
    expect(frame.locator(".leaflet-control-layers")).to_contain_text("查找", timeout=30000)
    shoot(visit, "search.png", full_page=False)
    assert visit.external() == []


def test_household_html_shows_as_text_in_the_popup(visit: Visit) -> None:
    visit.open("/")
    frame = visit.map_frame()
    # the household sits on a damaged road, which is drawn above the households: hide the roads
    visit.hide_layer("水毁公路")
    visit.click_map_at(33.606, 113.656, zoom=18)  # the household whose name is an <img> tag
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=30000)
    assert XSS_NAME in popup.inner_text()
    assert popup.locator("img").count() == 0
    time.sleep(0.5)
    assert visit.dialogs == []
    html = frame.locator("body").inner_html()
    assert "41112119800101123X" not in html and "13800000000" not in html


def test_pages_render_and_export_downloads(visit: Visit) -> None:
    for path, shot, text in (("/repairs", "repairs.png", "修复优先清单"),
                             ("/progress", "progress.png", "两个时限"),
                             ("/households", "households.png", "受灾风险农户"),
                             ("/ledger", "ledger.png", "每个风险点从发现到销号")):
        visit.open(path)
        visit.page.get_by_text(text).first.wait_for(timeout=30000)
        visit.page.get_by_test_id("stDataFrame").first.wait_for(timeout=30000)
        shoot(visit, shot)
    visit.open("/export")
    visit.page.get_by_role("button", name="生成文件").click()
    download_button = visit.page.get_by_test_id("stDownloadButton")
    download_button.wait_for(timeout=60000)
    with visit.page.expect_download(timeout=60000) as info:
        download_button.locator("button").click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    target = Path(download.path())
    assert target.stat().st_size > 1000
    assert visit.external() == []


def test_a_bookmarked_page_opens_on_a_freshly_started_server(browser: Browser,
                                                              app_database_url: str,
                                                              app_admin: Credentials) -> None:
    """The first visitor of a new server who opens /repairs signs in on a working form and
    lands on the repair list (under `streamlit run app.py` Streamlit's old pages/ convention
    showed "Page not found" over an inert form until app.py had run once)."""
    log_path = ROOT / "build" / "streamlit-fresh-test.log"
    with streamlit_server(app_database_url, log_path, "browser") as fresh:
        visit = Visit(browser, fresh, (app_admin.name, app_admin.password))
        try:
            visit.open("/repairs")  # signs in: fails if the form is inert
            visit.page.get_by_text("修复优先清单").first.wait_for(timeout=30000)
            assert visit.page.get_by_text("Page not found").count() == 0
            assert visit.page.url.endswith("/repairs")
        finally:
            visit.close()
    log_path.unlink(missing_ok=True)


def test_the_repair_lists_excel_is_made_when_clicked(visit: Visit) -> None:
    """The list's Excel is built on the click (deferred download), not on every run: the file
    comes down, opens, and holds the list under its heading."""
    import openpyxl

    visit.open("/repairs")
    visit.page.get_by_test_id("stDataFrame").first.wait_for(timeout=30000)
    visit.idle()  # the file is made by the run the button belongs to
    button = visit.page.get_by_test_id("stDownloadButton").first
    with visit.page.expect_download(timeout=60000) as info:
        button.locator("button").click()
    download = info.value
    assert download.suggested_filename == "repair_queue.xlsx"
    # (the downloaded file's temporary name has no extension, which openpyxl goes by)
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))["修复清单"]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("修复" in c for c in cells[:3])  # the title heading
    assert "状态" in cells and len(list(sheet.iter_rows())) > 5  # the header and rows


def _computed(name: str) -> int:
    """How often the server computed ``name`` so far (its log says so each time)."""
    return LOG.read_text(encoding="utf-8", errors="replace").count(f"computed {name}")


def test_a_clients_clear_cache_message_does_not_rerank(visit: Visit, server: str) -> None:
    """Any websocket client may send Streamlit's clear_cache: it must not cost a re-rank."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from websockets.sync.client import connect

    visit.open("/")
    visit.map_frame()
    assert visit.page.get_by_test_id("stMainMenu").count() == 0  # no "Clear cache" to click
    queue, selection, names = _computed("queue"), _computed("selection"), _computed("names")
    assert queue >= 1 and selection >= 1

    message = BackMsg()
    message.clear_cache = True  # an anonymous client, no browser, no cookie
    with connect(server.replace("http://", "ws://") + "/_stcore/stream",
                 subprotocols=["streamlit"]) as socket:  # type: ignore[list-item]
        socket.send(message.SerializeToString())
        time.sleep(1.0)

    visit.open("/")
    visit.map_frame()
    time.sleep(0.5)
    assert _computed("names") > names  # Streamlit's cache was emptied…
    assert _computed("queue") == queue  # …but neither the ranked queue…
    assert _computed("selection") == selection  # …nor the filtered set was computed again


def _texts_on_the_map(visit: Visit) -> set[str]:
    """What a reader sees of every feature's popup values: each value put into a <div> as the
    popup does (innerHTML) and read back as text."""
    frame = visit.leaflet()
    return set(frame.evaluate("""() => {
        const seen = [];
        for (const group of window.feature_group) {
            group.eachLayer(layer => layer.eachLayer && layer.eachLayer(f => {
                for (const value of Object.values(f.feature.properties)) {
                    const div = document.createElement('div');
                    div.innerHTML = String(value);
                    seen.push(div.textContent);
                }
            }));
        }
        return seen;
    }"""))


def test_hostile_text_stays_text_in_the_browser(browser: Browser, nasty_server: str,
                                                nasty_admin: Credentials) -> None:
    visit = Visit(browser, nasty_server, nasty_admin.pair())
    try:
        visit.open("/")
        frame = visit.map_frame()
        shown = _texts_on_the_map(visit)
        for text in NASTY:  # every hostile road name arrives literally (the popup's n), as
            # HTML shows text: its parser turns CR and CRLF into LF
            assert text.replace("\r\n", "\n").replace("\r", "\n") in shown, text[:40]
        body = frame.locator("body").inner_html()
        assert EVALUATED not in body and EVALUATED not in visit.page.content()
        assert not MARKER.exists()
        time.sleep(0.5)
        assert visit.dialogs == [] and visit.external() == []
        shoot(visit, "hostile-map.png")
    finally:
        visit.close()


def test_saving_a_road_named_like_a_beacon_loads_nothing(browser: Browser, nasty_server: str,
                                                          nasty_admin: Credentials) -> None:
    visit = Visit(browser, nasty_server, nasty_admin.pair())
    try:
        visit.open("/")
        visit.map_frame()
        pick = visit.page.get_by_test_id("stSelectbox").filter(has_text="或从列表选择")
        pick.click()
        visit.page.keyboard.type("beacon")
        visit.page.get_by_role("option").filter(has_text=f"水毁公路：{BEACON}").first.click()
        visit.page.get_by_text("水毁公路 · #").wait_for(timeout=30000)
        status = visit.page.get_by_test_id("stSelectbox").filter(has_text="新状态")
        status.scroll_into_view_if_needed()
        status.locator("input").click()
        visit.page.keyboard.type("抢通中")
        visit.page.keyboard.press("Enter")
        visit.page.get_by_role("button", name="保存状态").click()
        saved = visit.page.get_by_test_id("stAlertContentSuccess")
        saved.wait_for(timeout=30000)
        assert BEACON in saved.inner_text()  # the name, literally
        assert saved.locator("img, a").count() == 0, saved.inner_html()
        time.sleep(1.0)
        assert not [u for u in visit.requests if BEACON_HOST in u]
        assert visit.external() == [] and visit.dialogs == []
    finally:
        visit.close()


FIND_LABEL = "查找（村、乡镇、编码、路线桩号或名称）"


def test_a_new_user_reaches_a_villages_damaged_assets_by_typing_its_name(visit: Visit) -> None:
    """The issue's journey (its time is measured in benchmarks/bench_app.py, never here): sign
    in, type a village in the find box, Enter picks it; the map outlines it and its repairs are
    listed, their names as text."""
    visit.open("/")
    visit.map_frame()
    box = visit.page.get_by_label(FIND_LABEL)
    box.fill("东关村")
    box.press("Enter")
    visit.page.get_by_text("东关村：待修复的水毁设施").wait_for(timeout=60000)
    listed = visit.page.locator("table.tracker-compact")
    expect(listed).to_contain_text(XSS_ROAD, timeout=30000)  # the hostile name, as text
    frame = visit.map_frame()  # outlined by its own border, in its own layer over the others
    expect(frame.locator(".leaflet-control-layers")).to_contain_text("查找", timeout=30000)
    outlined = visit.leaflet().evaluate(
        "Object.values(window.map._layers).filter(l => l.feature"
        " && l.feature.properties.layer === 'found').map(l => l.feature.geometry.type)")
    assert outlined == ["Polygon"]  # the village's shape, not a box around a point
    assert visit.dialogs == [] and visit.external() == []


LABELS_SHOWN_JS = """() => Array.from(document.querySelectorAll('.tracker-village-label'))
    .filter(e => getComputedStyle(e).display !== 'none').map(e => e.textContent)"""


def test_village_names_show_only_when_zoomed_in(visit: Visit) -> None:
    visit.open("/")
    visit.map_frame()
    frame = visit.leaflet()
    assert frame.evaluate(LABELS_SHOWN_JS) == []  # the county view: no village names
    frame.evaluate("void window.map.setView([33.45, 113.55], 13, {animate: false})")
    frame.wait_for_function(f"() => ({LABELS_SHOWN_JS})().includes('东关村')", timeout=30000)
    # every township border is one dashed line (no stretch drawn twice, out of step)
    dashes = frame.evaluate(
        "Object.values(window.map._layers).filter(l => l.feature"
        " && l.feature.properties.layer === 'townships').map(l => l.options.dashArray)")
    assert dashes and all(dashes)


def test_at_phone_width_the_map_holds_the_county_and_the_list_wraps(visit: Visit) -> None:
    visit.page.set_viewport_size({"width": 390, "height": 844})
    visit.open("/")
    visit.map_frame()
    frame = visit.leaflet()
    frame.wait_for_function("""() => {
        const county = Object.values(window.map._layers).find(l => l.feature
            && l.feature.properties.layer === 'county');
        return county && window.map.getBounds().pad(0.01).contains(county.getBounds());
    }""", timeout=30000)
    box = visit.page.locator(MAP_FRAME).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    shoot(visit, "phone-map.png", full_page=False)
    visit.open("/repairs")
    visit.page.get_by_text("手机版列表").click()
    listed = visit.page.locator("table.tracker-compact")
    listed.wait_for(timeout=30000)
    assert listed.locator("th").all_inner_texts() == ["序号", "任务", "位置", "状态", "排序理由"]
    table_box = listed.bounding_box()
    assert table_box is not None and table_box["x"] + table_box["width"] <= 390  # no side scroll
    shoot(visit, "phone-list.png", full_page=False)


def test_a_village_chosen_in_the_sidebar_is_outlined_and_zoomed_to(visit: Visit) -> None:
    visit.open("/")
    visit.map_frame()
    before = visit.leaflet().evaluate("window.map.getZoom()")
    sidebar = visit.page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stMultiSelect").filter(has_text="行政村").click()
    visit.page.get_by_role("option", name="东关村").click()
    visit.page.keyboard.press("Escape")
    visit.leaflet().wait_for_function(
        "() => Object.values(window.map._layers).some(l => l.feature"
        " && l.feature.properties.layer === 'found' && l.feature.properties.code === '411121100201')",
        timeout=60000)
    frame = visit.leaflet()
    frame.wait_for_function(f"() => window.map.getZoom() > {before}", timeout=30000)
    assert frame.evaluate("window.map.getBounds().contains([33.45, 113.55])")  # its centre

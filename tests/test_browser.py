"""End to end in a real headless Chromium (Debian's; Playwright never downloads a browser).

`streamlit run app.py` runs as a subprocess against the committed test database. The tests look
inside st_folium's iframe, record every request (anything leaving localhost fails: the app must
work with no internet), click features on the canvas-rendered map, change filters, download an
export, and save screenshots of what they saw to build/screenshots/ (git-ignored: a test run never
changes tracked files; the README's screenshots come from the demo county, scripts/screenshots.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Frame, FrameLocator, expect

from tests.app_fixtures import XSS_NAME, app_database_url

__all__ = ["app_database_url"]

pytestmark = [pytest.mark.browser, pytest.mark.postgis]
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = Path(os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer at {url} within {timeout} s")


@contextmanager
def streamlit_server(database_url: str, log_path: Path, user: str) -> Iterator[str]:
    """`streamlit run app.py` on a free local port against ``database_url``; yields its URL."""
    port = free_port()
    env = {**os.environ, "TRACKER_DATABASE_URL": database_url, "TRACKER_USER": user,
           "TRACKER_BASEMAP": "none"}
    env.pop("TRACKER_DEV", None)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def server(app_database_url: str) -> Iterator[str]:
    log_path = ROOT / "build" / "streamlit-test.log"
    with streamlit_server(app_database_url, log_path, "browser") as url:
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


class Visit:
    """One browser page with its request log and any JavaScript dialog it opened."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1500, "height": 1100},
                                           accept_downloads=True, locale="zh-CN")
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)  # an alert() from data would be script injection
        dialog.dismiss()

    def external(self) -> list[str]:
        return [u for u in self.requests
                if not u.startswith((self.base, "data:", "blob:", "about:"))]

    def open(self, path: str = "/") -> None:
        self.page.goto(self.base + path)
        self.page.get_by_test_id("stAppViewContainer").wait_for(timeout=30000)

    def map_frame(self) -> FrameLocator:
        self.page.locator(MAP_FRAME).wait_for(timeout=30000)
        frame = self.page.frame_locator(MAP_FRAME)
        frame.locator(".leaflet-control-layers").wait_for(timeout=30000)
        return frame

    def leaflet(self) -> Frame:
        for frame in self.page.frames:
            if "streamlit_folium" in frame.url:
                frame.wait_for_function("() => window.map && window.feature_group", timeout=30000)
                return frame
        raise AssertionError("the map iframe has no Leaflet map")

    def click_map_at(self, lat: float, lon: float, zoom: int = 16) -> None:
        """Centre the map on a point, then click the canvas there like a user would."""
        frame = self.leaflet()
        # void: setView returns the map, whose object graph is too deep to send back on big data
        frame.evaluate(f"void window.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
        time.sleep(0.8)
        x, y = frame.evaluate(
            f"(() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]);"
            " return [p.x, p.y]; })()")
        box = self.page.locator(MAP_FRAME).bounding_box()
        assert box is not None, "the map iframe is not visible"
        self.page.mouse.click(box["x"] + x, box["y"] + y)

    def hide_layer(self, label: str) -> None:
        """Untick a layer in the map's layer control, as a user would (hover opens the list)."""
        frame = self.map_frame()
        frame.locator(".leaflet-control-layers").hover()
        item = frame.locator(".leaflet-control-layers-overlays label", has_text=label)
        item.locator("input").uncheck()
        self.page.mouse.move(1, 1)  # leave the control so it folds up again

    def metric(self, index: int = 0) -> int:
        values = self.page.get_by_test_id("stMetricValue")
        return int(values.nth(index).inner_text().strip())

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Browser, server: str) -> Iterator[Visit]:
    v = Visit(browser, server)
    yield v
    v.close()


def shoot(visit: Visit, name: str, full_page: bool = True, folder: Path = SHOTS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    time.sleep(1.0)  # let charts and the map finish drawing
    visit.page.screenshot(path=str(folder / name), full_page=full_page)


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
                             ("/households", "households.png", "受灾风险农户")):
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

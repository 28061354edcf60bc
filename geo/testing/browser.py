"""The browser harness: the app under `tracker serve` on a free local port, and one Chromium page
with its request log. Shared by the browser tests and scripts/screenshots.py (Debian's Chromium;
Playwright never downloads a browser). It runs the app as a process; it imports no Streamlit.
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

from playwright.sync_api import Browser, Dialog, Frame, FrameLocator, Page

ROOT = Path(__file__).resolve().parents[2]
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
def streamlit_server(database_url: str, log_path: Path, user: str,
                     extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`tracker serve` (`streamlit run app.py`, cli/serve.py) on a free local port against
    ``database_url``; yields its URL."""
    port = free_port()
    env = {**os.environ, "TRACKER_DATABASE_URL": database_url, "TRACKER_USER": user,
           "TRACKER_BASEMAP": "none", **(extra_env or {})}
    env.pop("TRACKER_DEV", None)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port), "--address", "127.0.0.1"],
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


def sign_in_page(page: Page, name: str, password: str, timeout_ms: float = 30000) -> None:
    """Fill the app's sign-in form and wait until it is gone (the page then runs)."""
    secret = page.locator("input[type=password]")
    secret.wait_for(timeout=timeout_ms)
    page.get_by_test_id("stTextInput").first.locator("input").fill(name)
    secret.fill(password)
    page.get_by_role("button", name="登录", exact=True).click()  # the form sends both values
    secret.wait_for(state="detached", timeout=timeout_ms)


class Visit:
    """One browser page with its request log and any JavaScript dialog it opened; with
    ``credentials`` (account, password) every ``open`` signs in, as a new browser tab must."""

    def __init__(self, browser: Browser, base: str,
                 credentials: tuple[str, str] | None = None) -> None:
        self.base = base
        self.credentials = credentials
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
        if self.credentials is not None:
            sign_in_page(self.page, *self.credentials)

    def idle(self, timeout_ms: float = 30000) -> None:
        """Wait until the app's script is not running (Streamlit's status widget is gone): an
        element of a run still in progress may be replaced before a click on it lands."""
        self.page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=timeout_ms)

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


def shoot(visit: Visit, name: str, full_page: bool = True, folder: Path = SHOTS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    time.sleep(1.0)  # let charts and the map finish drawing
    visit.page.screenshot(path=str(folder / name), full_page=full_page)

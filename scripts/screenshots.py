"""README screenshots from the demo county: `make screenshots` writes docs/screenshots/*.png.

A throwaway PostGIS database (geo.testing.databases.temporary_database) is loaded with the demo county
(geo.demo), `tracker serve` (streamlit run app.py) serves it on a free local port, and Debian's headless Chromium,
driven with the browser test's helpers and launch arguments, visits every page in Chinese at
1500x1100 (and the map and repair list at phone width, 390 px). Each shot waits until its page
has data: the map until its canvas holds the county's features, the tables until they show, the
export until its download is ready.

Run from the repository root: `.venv/bin/python -m scripts.screenshots`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import shapely
import sqlalchemy as sa
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy.engine import Engine

from geo.demo import DEFAULT_SEED, demo_ledger, generate, load, load_ledger
from geo.testing.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Visit, shoot, streamlit_server
from geo.testing.databases import temporary_database
from layers.accounts import bootstrap_admin
from layers.store import read_layer

OUT = ROOT / "docs" / "screenshots"
LOG = ROOT / "build" / "screenshots-streamlit.log"
WAIT_MS = 180_000  # the first visit ranks the whole county's queue
# shapes on the map canvas before it counts as drawn: the demo county has thousands
MIN_SHAPES = 1000
SHAPES_JS = "Object.values(window.map._layers).filter(l => l instanceof L.Path).length"


@contextmanager
def demo_database() -> Iterator[Engine]:
    """A throwaway database holding the demo county (dropped on exit)."""
    with temporary_database() as engine:
        data = generate(scale=1)
        with engine.begin() as conn:
            load(conn, data, progress=False)
            load_ledger(conn, demo_ledger(data, DEFAULT_SEED))
        yield engine


def county_bounds(engine: Engine) -> tuple[float, float, float, float]:
    """(south, west, north, east) of the county outline."""
    with engine.connect() as conn:
        west, south, east, north = read_layer(conn, "county").total_bounds
    return float(south), float(west), float(north), float(east)


def road_targets(engine: Engine, count: int = 5) -> list[tuple[float, float]]:
    """(lat, lon) halfway along the longest roads still waiting for work: good roads to click."""
    with engine.connect() as conn:
        roads = read_layer(conn, "roads", statuses=["not_started", "opening"])
    roads = roads.sort_values("length_m", ascending=False).head(count)
    points = [shapely.line_interpolate_point(g, 0.5, normalized=True) for g in roads.geometry]
    return [(p.y, p.x) for p in points]


def wait_drawn(visit: Visit) -> None:
    """Until the map's canvas holds the county's features and their number stops changing."""
    frame = visit.leaflet()
    frame.wait_for_function(f"() => {SHAPES_JS} >= {MIN_SHAPES}", timeout=WAIT_MS)
    before = -1
    while (now := int(frame.evaluate(SHAPES_JS))) != before:
        before = now
        time.sleep(1.0)


def shot_map(visit: Visit, bounds: tuple[float, float, float, float]) -> None:
    visit.open("/")
    visit.map_frame()
    wait_drawn(visit)
    south, west, north, east = bounds
    frame = visit.leaflet()
    # open the layer list so the picture shows each layer with its count, and fit the county
    # beside it (void: Leaflet returns the map, too deep an object to send back)
    frame.evaluate("document.querySelector('.leaflet-control-layers')"
                   ".classList.add('leaflet-control-layers-expanded')")
    frame.evaluate("window.map.options.zoomSnap = 0.25")  # fill the frame, not the next whole zoom
    frame.evaluate(f"void window.map.fitBounds([[{south}, {west}], [{north}, {east}]],"
                   " {paddingTopLeft: [10, 10], paddingBottomRight: [260, 10], animate: false})")
    wait_drawn(visit)
    shoot(visit, "map.png", folder=OUT)


def shot_detail(visit: Visit, targets: list[tuple[float, float]]) -> None:
    visit.page.set_viewport_size({"width": 1500, "height": 1950})  # the map and the panel below it
    visit.open("/")
    visit.map_frame()
    wait_drawn(visit)
    for lat, lon in targets:  # a point or another line may lie on top: try the next road
        visit.click_map_at(lat, lon, zoom=15)
        try:
            visit.page.get_by_text("水毁公路 · #").wait_for(timeout=30_000)
        except PlaywrightTimeout:
            continue
        visit.page.get_by_role("button", name="保存状态").wait_for(timeout=30_000)
        wait_drawn(visit)
        show_popup(visit, lat, lon)
        visit.page.mouse.move(5, 5)  # no hover tooltip over the picture
        shoot(visit, "detail.png", folder=OUT)
        return
    raise RuntimeError("no click on a damaged road opened its detail panel")


# The popup bound to the layer group holding the feature, opened with that group's own content
# and options, without firing a click (a click would make st_folium rerun the page again).
POPUP_JS = """([fid, lat, lon]) => {
  const layers = Object.values(window.map._layers);
  const hit = layers.find(l => l.feature && l.feature.properties.fid === fid);
  const group = hit && layers.find(l => l !== hit && l.hasLayer && l.hasLayer(hit) && l.getPopup());
  if (!group) { return false; }
  const bound = group.getPopup();
  const content = typeof bound._content === "function" ? bound._content(hit) : bound._content;
  L.popup(bound.options).setLatLng([lat, lon]).setContent(content).openOn(window.map);
  return true;
}"""


def show_popup(visit: Visit, lat: float, lon: float) -> None:
    """Show the selected road's popup where it was clicked: the rerun after the click redrew the
    layers, which closed the popup the click had opened."""
    feature_id = int(visit.page.get_by_text("水毁公路 · #").first.inner_text().rsplit("#", 1)[1])
    if visit.leaflet().evaluate(POPUP_JS, [f"roads:{feature_id}", lat, lon]):
        visit.map_frame().locator(".leaflet-popup-content").wait_for(timeout=10_000)
    else:
        print("screenshots: the road's popup was not found; detail.png shows the panel only",
              file=sys.stderr)
    time.sleep(1.0)


def shot_tables(visit: Visit) -> None:
    for path, name, text in (("/repairs", "repairs.png", "修复优先清单"),
                             ("/progress", "progress.png", "两个时限"),
                             ("/households", "households.png", "受灾风险农户")):
        visit.open(path)
        visit.page.get_by_text(text).first.wait_for(timeout=WAIT_MS)
        visit.page.get_by_test_id("stDataFrame").first.wait_for(timeout=WAIT_MS)
        shoot(visit, name, folder=OUT)


FIND_LABEL = "查找（村、乡镇、编码、路线桩号或名称）"


def shot_search(visit: Visit, village: str) -> None:
    """A village typed in the find box: the map outlines it and lists its repairs below."""
    visit.page.set_viewport_size({"width": 1500, "height": 1500})
    visit.open("/")
    visit.map_frame()
    wait_drawn(visit)
    box = visit.page.get_by_label(FIND_LABEL)
    box.fill(village)
    box.press("Enter")
    visit.page.get_by_text(f"{village}：待修复的水毁设施").wait_for(timeout=WAIT_MS)
    visit.page.locator("table.tracker-compact").wait_for(timeout=WAIT_MS)
    wait_drawn(visit)
    visit.page.mouse.move(5, 5)
    shoot(visit, "search.png", folder=OUT)


def shot_phone(visit: Visit) -> None:
    """At phone width (390 px): the map holding the county, then the phone list."""
    visit.page.set_viewport_size({"width": 390, "height": 844})
    visit.open("/")
    visit.map_frame()
    wait_drawn(visit)
    shoot(visit, "phone-map.png", full_page=False, folder=OUT)
    visit.open("/repairs")
    visit.page.get_by_test_id("stDataFrame").first.wait_for(timeout=WAIT_MS)
    visit.page.get_by_text("手机版列表").click()
    listed = visit.page.locator("table.tracker-compact")
    listed.wait_for(timeout=WAIT_MS)
    # the switch and the table's head at the top of the picture
    visit.page.get_by_text("手机版列表").evaluate(
        "e => { e.scrollIntoView({block: 'start'});"
        " document.querySelector('[data-testid=stMain]').scrollBy(0, -70); }")  # under the bar
    shoot(visit, "phone-list.png", full_page=False, folder=OUT)


def search_village(engine: Engine) -> str:
    """The village with the most damaged roads not yet started (as benchmarks/bench_app)."""
    with engine.connect() as conn:
        return str(conn.execute(sa.text("""
            SELECT v.name FROM villages v JOIN roads r ON ST_Intersects(v.geom, r.geom)
            WHERE r.status = 'not_started' GROUP BY v.code, v.name
            ORDER BY count(*) DESC, v.code LIMIT 1""")).scalar_one())


def shot_export(visit: Visit) -> None:
    """Export what the map shows under a 重点 (key assets) filter."""
    visit.open("/export")
    sidebar = visit.page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stMultiSelect").filter(has_text="重要程度").click()
    visit.page.get_by_role("option", name="重点").click()
    visit.page.keyboard.press("Escape")
    visit.page.get_by_text("按当前地图筛选条件导出").click()
    visit.page.get_by_role("button", name="生成文件").click()
    visit.page.get_by_test_id("stDownloadButton").wait_for(timeout=WAIT_MS)
    shoot(visit, "export.png", folder=OUT)


def ledger_household(engine: Engine) -> str:
    """A household with a problem waiting for verification and another under way: a full case."""
    with engine.connect() as conn:
        return str(conn.execute(sa.text("""
            SELECT h.code FROM households h JOIN problems p ON p.household_id = h.id
            GROUP BY h.code HAVING bool_or(p.state = 'to_verify') AND count(*) >= 2
            ORDER BY h.code LIMIT 1""")).scalar_one())


def shot_ledger(visit: Visit, code: str) -> None:
    """The ledger with one household opened (its problems and the verification form)."""
    visit.page.set_viewport_size({"width": 1500, "height": 1700})
    visit.open("/ledger")
    visit.page.get_by_test_id("stDataFrame").first.wait_for(timeout=WAIT_MS)
    field = visit.page.get_by_label("打开农户（户编码）")
    field.fill(code)
    field.press("Enter")
    visit.page.get_by_role("button", name="核实销号").wait_for(timeout=WAIT_MS)
    shoot(visit, "ledger.png", folder=OUT)


def admin_credentials(engine: Engine) -> tuple[str, str]:
    """The demo database's first administrator, made as `make run` makes it (random password)."""
    with engine.begin() as conn:
        made = bootstrap_admin(conn, "screenshots", None, by="make screenshots")
    assert made is not None
    return made[0].username, made[1]


def capture(browser: Browser, base: str, engine: Engine) -> None:
    bounds, targets, household = county_bounds(engine), road_targets(engine), ledger_household(engine)
    village = search_village(engine)
    steps: list[Callable[[Visit], None]] = [
        lambda v: shot_map(v, bounds), lambda v: shot_detail(v, targets), shot_tables, shot_export,
        lambda v: shot_ledger(v, household), lambda v: shot_search(v, village), shot_phone]
    credentials = admin_credentials(engine)
    for step in steps:
        visit = Visit(browser, base, credentials)
        try:
            step(visit)
        finally:
            visit.close()


def main() -> int:
    if not CHROMIUM.is_file():
        print(f"screenshots: Chromium is not installed at {CHROMIUM}; install it with "
              "'sudo apt-get install -y chromium' or set TRACKER_CHROMIUM.", file=sys.stderr)
        return 1
    with demo_database() as engine:
        url = engine.url.render_as_string(hide_password=False)
        with streamlit_server(url, LOG, "screenshots") as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                capture(browser, base, engine)
            finally:
                browser.close()
    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

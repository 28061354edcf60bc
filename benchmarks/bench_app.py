"""The app on the demo county: server time of a filter change, map HTML size, first paint.

- ``filter_change_s``: what a rerun computes for a new filter (read the layers with the filter,
  apply the ranking's tiers, build the display GeoJSON, build the folium map and render it), with
  the ranked queue already cached as the app caches it (target < 0.5 s);
- ``map_html_mb``: the rendered map (base map plus all filtered layers) for the unfiltered
  county (target < 3 MB); at county zoom the 14k households are drawn as village totals;
- ``first_paint_s``: a real headless Chromium from submitting the sign-in form until the map
  canvas and its feature groups are drawn (target < 3 s); skipped (reported as None) without
  Chromium;
- ``village_journey_s``: the issue's "a new user, from opening the app to a chosen village's
  damaged assets": from submitting the sign-in form, over the drawn map, typing the village's
  name in the find box and Enter, until its repairs are listed under the map (machine time: a
  person's own typing adds a few seconds; target < 10 s);
- ``viewport_*``: viewport mode on one township's area from the county view (assets, households
  and village outlines inside the box: server time, map HTML, features sent);
- ``frame_villages``/``frame_tolerance_deg``: how the county view draws the village outlines
  (``all``, or ``none`` above 1000 villages) and the simplification (about one pixel);
- ``scale<N>_*``: the same server figures at ``TRACKER_BENCH_APP_SCALE`` (default 10; 100 for
  the province-sized run): the map HTML stays bounded by the per-layer caps and village totals.

Runs in a throwaway database from geo.testing.databases.temporary_database(), loaded with geo.demo.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import folium

from geo.demo import generate, load
from geo.settings import get_settings
from geo.testing.browser import sign_in_page
from geo.testing.databases import temporary_database
from layers.accounts import bootstrap_admin
from layers.filter import Filter
from views import selection
from views.map import data, viewport
from views.map import render as map_render
from views.names import load_names

ROOT = Path(__file__).resolve().parent.parent
# a larger data set shows the map stays bounded (caps, village totals); 0 skips it
BIG_SCALE = int(os.environ.get("TRACKER_BENCH_APP_SCALE", "10"))
CHROMIUM = "/usr/bin/chromium"


def render(frames: dict[str, Any], collections: dict[str, Any],
           view: tuple[tuple[float, float], float] | None = None) -> str:
    m = map_render.base_map(frames, get_settings({}), "zh", view)
    for group in map_render.feature_groups(collections, "zh"):
        group.add_to(m)
    folium.LayerControl().add_to(m)
    return str(m.get_root().render())


def server_figures(engine: Any) -> dict[str, object]:
    figures: dict[str, object] = {}
    with engine.connect() as conn:
        started = time.perf_counter()
        ranked = selection.queue_rows(conn)
        figures["rank_queue_s"] = round(time.perf_counter() - started, 3)
        names = load_names(conn)
        started = time.perf_counter()
        frames = data.frame_collections(conn, names, "zh")
        figures["frames_s"] = round(time.perf_counter() - started, 3)

        households: dict[tuple[str, ...], dict[str, Any]] = {}
        place_frames: dict[tuple[tuple[str, ...], tuple[str, ...]], dict[str, Any]] = {
            ((), ()): frames}

        def rerun(filters: Filter) -> tuple[float, str, dict[str, Any]]:
            """What the map page computes for a new filter, with the app's caches: the ranked
            queue, and the frames and households of an unchanged place filter are reused."""
            began = time.perf_counter()
            place = (filters.townships, filters.villages)
            if place not in place_frames:  # large data draw the frames per place filter
                place_frames[place] = data.frame_collections(conn, names, "zh", *place)
            shown = place_frames[place]
            sel = selection.select(conn, filters, ranked, with_households=False)
            collections = data.map_collections(sel, names, "zh", shown["plan"]["tolerance"])
            if filters.townships not in households:
                households[filters.townships] = data.household_map(
                    conn, filters.townships, filters.villages, names, "zh")
            collections["households"] = households[filters.townships]
            view = viewport.view_for(filters, names, {}, shown)
            html = render(shown, collections, view)
            return time.perf_counter() - began, html, collections

        _, html, collections = rerun(Filter())  # warm-up: imports, first queries
        figures["county_map_html_mb"] = round(len(html.encode()) / 1e6, 3)
        figures["county_households_aggregated"] = bool(collections["households"]["aggregated"])
        figures["county_features_sent"] = sum(len(c["features"]) for c in collections.values())
        seconds, _, _ = rerun(Filter(statuses=("not_started", "opening")))
        figures["filter_change_s"] = round(seconds, 3)
        seconds, _, _ = rerun(Filter(importance=("重点",)))
        figures["filter_change_tier_s"] = round(seconds, 3)
        town = next(iter(names.townships))
        seconds, html, collections = rerun(Filter(townships=(town,)))
        figures["filter_change_township_s"] = round(seconds, 3)
        figures["township_map_html_mb"] = round(len(html.encode()) / 1e6, 3)
        figures["township_households_shown"] = len(collections["households"]["features"])
        figures |= _viewport_figures(conn, frames, ranked, names, town)
        figures["frame_villages"] = frames["plan"]["villages"]
        figures["frame_tolerance_deg"] = round(float(frames["plan"]["tolerance"]), 6)
    figures["map_html_mb"] = figures["county_map_html_mb"]
    return figures


def _viewport_figures(conn: Any, frames: dict[str, Any], ranked: Any, names: Any,
                      town: str) -> dict[str, object]:
    """Viewport mode on one township's area, from the county view: time, HTML, features sent."""
    box = viewport.next_viewport(viewport.frame_bounds(frames, "townships", [town]), None)
    if box is None:
        return {}
    began = time.perf_counter()
    sel = selection.select(conn, Filter(), ranked, with_households=False, bbox=box)
    tolerance = viewport.view_tolerance(box)
    shown = data.map_collections(sel, names, "zh", tolerance)
    shown["households"] = data.household_map(conn, (), (), names, "zh", box)
    outlines = data.village_outlines(conn, box, names, "zh", tolerance)
    html = render(frames, {**shown, **({"villages": outlines} if outlines else {})})
    return {"viewport_s": round(time.perf_counter() - began, 3),
            "viewport_map_html_mb": round(len(html.encode()) / 1e6, 3),
            "viewport_features_sent": sum(len(c["features"]) for c in shown.values())}


def browser_figures(url: str) -> dict[str, float | None]:
    """First paint and the village journey in a real headless Chromium (best of two: the first
    visit also warms the server's caches); None without Chromium."""
    if not Path(CHROMIUM).is_file():
        return {"first_paint_s": None, "village_journey_s": None}
    from playwright.sync_api import sync_playwright

    port = 8700 + os.getpid() % 200
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_BASEMAP": "none"}
    name, password = _bench_account(url)
    village = _journey_village(url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port), "--address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    paints: list[float] = []
    journeys: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic"])
            for _ in range(2):
                page = browser.new_page(viewport={"width": 1500, "height": 1000})
                _wait_up(page, port)
                page.goto(f"http://127.0.0.1:{port}/")
                page.locator("input[type=password]").wait_for(timeout=120000)
                began = time.perf_counter()  # from signing in ...
                sign_in_page(page, name, password, timeout_ms=120000)
                _wait_map(page)
                paints.append(time.perf_counter() - began)  # ... to the drawn map
                _find_village(page, village)
                journeys.append(time.perf_counter() - began)  # ... to the village's repairs
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {"first_paint_s": round(min(paints), 2), "village_journey_s": round(min(journeys), 2)}


def _wait_map(page: Any) -> None:
    frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']")
    frame.locator("canvas").first.wait_for(timeout=120000)
    for f in page.frames:
        if "streamlit_folium" in f.url:
            f.wait_for_function("() => window.map && window.feature_group", timeout=120000)


def _find_village(page: Any, village: str) -> None:
    """Type the village's name in the find box, Enter (the best hit), until its repairs are
    listed under the map."""
    box = page.get_by_label("查找（村、乡镇、编码、路线桩号或名称）")
    box.fill(village)
    box.press("Enter")
    page.get_by_text(f"{village}：待修复的水毁设施").wait_for(timeout=120000)
    page.locator("table.tracker-compact").wait_for(timeout=120000)


def _journey_village(url: str) -> str:
    """A village with the most damaged roads not yet started: one a user would look up."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        name = conn.execute(sa.text("""
            SELECT v.name FROM villages v JOIN roads r ON ST_Intersects(v.geom, r.geom)
            WHERE r.status = 'not_started' GROUP BY v.code, v.name
            ORDER BY count(*) DESC, v.code LIMIT 1""")).scalar_one()
    engine.dispose()
    return str(name)


def _bench_account(url: str) -> tuple[str, str]:
    """An administrator of the benchmark's throwaway database, made as on a fresh install."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        made = bootstrap_admin(conn, "bench-admin", None, by="benchmark")
    engine.dispose()
    assert made is not None, "the benchmark database already has accounts"
    return made[0].username, made[1]


def _wait_up(page: Any, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if page.request.get(f"http://127.0.0.1:{port}/_stcore/health").ok:
                return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError("streamlit did not start")


def main() -> dict[str, object]:
    figures: dict[str, object] = {}
    with temporary_database() as engine:
        data = generate(scale=1)
        with engine.begin() as conn:
            load(conn, data, replace=True, progress=False)
        figures["households"] = len(data["households"])
        del data
        figures.update(server_figures(engine))
        url = engine.url.render_as_string(hide_password=False)
        figures.update(browser_figures(url))
        if BIG_SCALE > 1:
            big = generate(scale=BIG_SCALE)
            with engine.begin() as conn:
                load(conn, big, replace=True, progress=False)
            figures[f"scale{BIG_SCALE}_households"] = len(big["households"])
            del big
            for key, value in server_figures(engine).items():
                figures[f"scale{BIG_SCALE}_{key}"] = value
    figures["rss_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key:32} {value}")

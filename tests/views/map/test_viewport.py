"""Where the map looks and what a click hit: the filter, the fitted view, click resolution."""

from __future__ import annotations

from typing import Any

import pytest
import shapely

from layers import REGISTRY
from layers.filter import Filter
from tests.helpers.maps import NAMES, frame, roads
from views.map import geojson, viewport


def test_click_resolves_from_the_clicked_feature() -> None:
    shown = {"roads": geojson.asset_collection(REGISTRY.get("roads"), roads(["done", "done"]),
                                                    NAMES, "zh")}
    hit = {"last_active_drawing": {"type": "Feature", "properties": {"fid": "roads:2"}},
           "last_object_clicked": {"lat": 0, "lng": 0}}
    assert viewport.resolve_click(hit, shown) == ("roads", 2)


def test_click_falls_back_to_the_nearest_shown_feature() -> None:
    shown = {"roads": geojson.asset_collection(REGISTRY.get("roads"), roads(["done", "done"]),
                                                    NAMES, "zh")}
    near_second = {"last_active_drawing": None,
                   "last_object_clicked": {"lat": 33.505, "lng": 113.615}}
    assert viewport.resolve_click(near_second, shown) == ("roads", 2)
    far = {"last_object_clicked": {"lat": 30.0, "lng": 110.0}}
    assert viewport.resolve_click(far, shown) is None
    assert viewport.resolve_click(None, shown) is None
    not_shown = {"last_active_drawing": {"properties": {"fid": "roads:99"}}}
    assert viewport.resolve_click(not_shown, shown) is None
    bogus = {"last_active_drawing": {"properties": {"fid": "nosuchlayer:1"}}}
    assert viewport.resolve_click(bogus, shown) is None


def test_filter_round_trips_through_its_cache_key() -> None:
    f = Filter(statuses=("done",), layers=("roads",), townships=("411121102",), importance=("重点",),
               urgency=("应急",), monitored_only=True, ids=(("roads", (1, 2)),))
    assert Filter.from_key(f.key()) == f
    assert f.needs_queue and not Filter().needs_queue
    assert [la.name for la in f.asset_layers()] == ["roads"]
    assert not f.shows_households and Filter().shows_households


def pixel_extent(bounds: tuple[float, float, float, float], center: tuple[float, float],
                 zoom: float) -> tuple[float, float, float, float]:
    """Where bounds land on a map of MAP_SIZE_PX centred at ``center`` and ``zoom``: the
    pixel x of west and east and y of north and south (Web Mercator, as Leaflet draws)."""
    scale = 256 * 2 ** zoom
    width, height = viewport.MAP_SIZE_PX

    def px(lon: float, lat: float) -> tuple[float, float]:
        x = (lon - center[1]) / 360 * scale + width / 2
        y = (viewport._mercator_y(lat) - viewport._mercator_y(center[0])) * scale + height / 2
        return x, y

    (west, north), (east, south) = px(bounds[0], bounds[3]), px(bounds[2], bounds[1])
    return west, east, north, south


@pytest.mark.parametrize("bounds", [
    (113.35, 33.25, 113.85, 33.65),   # the county: taller than wide on screen
    (113.60, 33.55, 113.75, 33.58),   # a wide flat township
    (113.650, 33.600, 113.652, 33.6015),  # one small village
])
def test_view_fits_the_bounds_as_tightly_as_the_zoom_steps_allow(
        bounds: tuple[float, float, float, float]) -> None:
    center, zoom = viewport.fit_view(bounds)
    width, height = viewport.MAP_SIZE_PX
    pad = viewport.FIT_PADDING_PX
    west, east, north, south = pixel_extent(bounds, center, zoom)
    assert pad - 1 <= west and east <= width - pad + 1
    assert pad - 1 <= north and south <= height - pad + 1
    # centred: equal margins left/right and top/bottom
    assert west == pytest.approx(width - east, abs=1)
    assert north == pytest.approx(height - south, abs=1)
    assert zoom % viewport.ZOOM_SNAP == 0
    if zoom < viewport.MAX_FIT_ZOOM:  # one snap step closer and the bounds no longer fit
        west, east, north, south = pixel_extent(bounds, center, zoom + viewport.ZOOM_SNAP)
        assert west < pad or east > width - pad or north < pad or south > height - pad


def test_view_of_a_point_is_the_closest_fit_zoom() -> None:
    center, zoom = viewport.fit_view((113.6, 33.5, 113.6, 33.5))
    assert center == pytest.approx((33.5, 113.6)) and zoom == viewport.MAX_FIT_ZOOM


def test_view_follows_the_place_filter_through_the_boundaries() -> None:
    county_box = shapely.box(113.3, 33.2, 113.9, 33.7)
    town_a, town_b = shapely.box(113.3, 33.2, 113.5, 33.4), shapely.box(113.7, 33.5, 113.9, 33.7)
    village = shapely.box(113.31, 33.21, 113.33, 33.22)
    frames = {"county": frame("county", [("411121", county_box)]),
              "townships": frame("townships", [("411121102", town_a), ("411121103", town_b)]),
              "villages": frame("villages", [("411121102201", village)])}
    seats = {"411121102": (33.3, 113.4), "411121999": (33.0, 113.0)}

    def view(**filters: Any) -> tuple[tuple[float, float], float]:
        return viewport.view_for(Filter(**filters), NAMES, seats, frames)

    assert view() == viewport.fit_view(county_box.bounds)
    assert view(townships=("411121102",)) == viewport.fit_view(town_a.bounds)
    both = shapely.union(town_a, town_b).bounds
    assert view(townships=("411121102", "411121103")) == viewport.fit_view(both)
    assert view(townships=("411121102",), villages=("411121102201",)) == \
        viewport.fit_view(village.bounds)
    assert view(villages=("411121102201",)) == viewport.fit_view(village.bounds)
    # a status or layer filter never moves the map
    assert view(statuses=("done",), layers=("roads",)) == view()
    # a township without a drawn boundary: its seat; with neither, the county
    assert view(townships=("411121999",)) == (seats["411121999"], viewport.TOWNSHIP_ZOOM)
    assert view(townships=("411121000",)) == view()
    # zoomed in further for a township than for the county, further still for a village
    assert view()[1] < view(townships=("411121102",))[1] < view(villages=("411121102201",))[1]
    # no boundaries at all: the fixed county view
    assert viewport.view_for(Filter(), NAMES, {}, {}) == (viewport.COUNTY_CENTER,
                                                             viewport.COUNTY_ZOOM)


def test_frame_features_carry_their_escaped_code_for_fitting() -> None:
    data = frame("townships", [("<b>1</b>", shapely.box(0, 0, 1, 1))])
    assert data["features"][0]["properties"]["code"] == "&lt;b&gt;1&lt;/b&gt;"
    assert viewport.frame_bounds({"townships": data}, "townships", ["<b>1</b>"]) == \
        pytest.approx((0, 0, 1, 1))
    assert viewport.frame_bounds({"townships": data}, "townships", ["other"]) is None

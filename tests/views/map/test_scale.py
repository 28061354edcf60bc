"""The map at large extents, without a database: detail per view (simplification, village
outlines, frame window) and viewport mode (when offered, which box to load)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from layers import REGISTRY
from tests.helpers.maps import NAMES, roads
from views.map import geojson, viewport
from views.map.geojson import SIMPLIFY_DEG, VILLAGE_OUTLINE_LIMIT

COUNTY = (113.35, 33.30, 113.85, 33.60)  # about the demo county, ~47 km wide
PROVINCE = (113.35, 31.0, 118.5, 33.60)  # 100 demo counties tiled


def test_one_pixel_halves_with_each_zoom_step() -> None:
    assert viewport.pixel_deg(10, 0.0) == pytest.approx(360 / 256 / 1024)
    assert viewport.pixel_deg(11, 33.4) == pytest.approx(viewport.pixel_deg(10, 33.4) / 2)
    assert viewport.pixel_deg(10, 60.0) == pytest.approx(viewport.pixel_deg(10, 0.0) / 2)


def test_tolerance_is_about_a_pixel_of_the_fitted_view() -> None:
    county = viewport.view_tolerance(COUNTY)
    province = viewport.view_tolerance(PROVINCE)
    # the 720 px wide map shows the county 0.5° wide: a pixel is below 0.5/650° but near it
    assert 0.5 / 2000 < county < 0.5 / 650
    assert province > 5 * county  # a ten times wider view: coarser by about as much
    village = (113.60, 33.50, 113.61, 33.505)
    assert viewport.view_tolerance(village) == SIMPLIFY_DEG  # never finer than ≈ 20 m


def test_small_data_keep_one_constant_base_map() -> None:
    plan = viewport.frame_plan(COUNTY, (113.5, 33.4, 113.6, 33.5), VILLAGE_OUTLINE_LIMIT)
    assert plan == viewport.FramePlan(SIMPLIFY_DEG, None, "all")
    assert viewport.frame_plan(COUNTY, None, 400) == plan


def test_many_villages_are_drawn_only_around_a_chosen_place() -> None:
    region = viewport.frame_plan(PROVINCE, None, VILLAGE_OUTLINE_LIMIT + 1)
    assert region.villages == "none" and region.window is None
    assert region.tolerance == pytest.approx(viewport.view_tolerance(PROVINCE))
    township = (113.5, 33.4, 113.6, 33.5)
    chosen = viewport.frame_plan(PROVINCE, township, 40_000)
    assert chosen.villages == "window"
    assert chosen.window == pytest.approx((113.4, 33.3, 113.7, 33.6))
    assert chosen.tolerance < region.tolerance


def test_flood_polygons_under_a_pixel_are_left_out_and_the_rest_simplified() -> None:
    spec = REGISTRY.get("flood_extent")
    big = shapely.Point(113.6, 33.5).buffer(0.05, quad_segs=64)
    tiny = shapely.Point(113.7, 33.5).buffer(0.0005)
    gdf = gpd.GeoDataFrame({"id": [1, 2], "depth_class": ["d1_2", "lt05"], "geom": [big, tiny]},
                           geometry="geom", crs=4490)
    fine = geojson.frame_collection(spec, gdf, NAMES, "zh")
    coarse = geojson.frame_collection(spec, gdf, NAMES, "zh", tolerance=0.005)
    assert len(fine["features"]) == 2 and coarse["total"] == 2
    assert [f["properties"]["fid"] for f in coarse["features"]] == ["flood_extent:1"]
    drawn = shapely.geometry.shape(coarse["features"][0]["geometry"])
    exact = shapely.geometry.shape(fine["features"][0]["geometry"])
    assert shapely.get_num_coordinates(drawn) < shapely.get_num_coordinates(exact) / 4
    assert drawn.hausdorff_distance(big) <= 0.005 + 1e-4


def test_asset_lines_follow_the_view_tolerance() -> None:
    gdf = roads(["not_started"])
    wiggle = shapely.LineString([(113.6 + i * 1e-3, 33.5 + (i % 2) * 5e-4) for i in range(40)])
    gdf["geom"] = gpd.GeoSeries([wiggle], crs=4490)
    layer = REGISTRY.get("roads")
    fine = geojson.asset_collection(layer, gdf, NAMES, "zh")
    coarse = geojson.asset_collection(layer, gdf, NAMES, "zh", tolerance=0.002)
    assert len(fine["features"][0]["geometry"]["coordinates"]) == 40
    assert len(coarse["features"][0]["geometry"]["coordinates"]) == 2
    assert coarse["features"][0]["properties"]["fid"] == "roads:1"


def _shown(n: int, total: int) -> dict[str, object]:
    return {"features": [{}] * n, "total": total}


def test_viewport_mode_is_offered_only_when_assets_were_cut() -> None:
    assert not viewport.viewport_offered({"roads": _shown(5, 5), "households": _shown(3, 900)})
    assert viewport.viewport_offered({"roads": _shown(5, 5), "clinics": _shown(50, 4000)})
    counts = {"roads": 5, "clinics": 4000, "households": 900}
    assert viewport.shown_of_total({"roads": _shown(5, 5), "clinics": _shown(50, 4000),
                                    "households": _shown(3, 900)}, counts) == (55, 4005)


def test_returned_bounds_reads_leaflet_bounds_and_rejects_junk() -> None:
    good = {"bounds": {"_southWest": {"lat": 33.3, "lng": 113.4},
                       "_northEast": {"lat": 33.6, "lng": 113.9}}}
    assert viewport.returned_bounds(good) == (113.4, 33.3, 113.9, 33.6)
    flat = {"bounds": {"_southWest": {"lat": 33.3, "lng": 113.4},
                       "_northEast": {"lat": 33.3, "lng": 113.4}}}
    for junk in (None, {}, {"bounds": None}, {"bounds": {"_southWest": {"lat": "x"}}}, flat):
        assert viewport.returned_bounds(junk) is None


def test_view_bounds_inverts_fit_view() -> None:
    center, zoom = viewport.fit_view(COUNTY)
    west, south, east, north = viewport.view_bounds(center, zoom)
    assert west <= COUNTY[0] and south <= COUNTY[1] and east >= COUNTY[2] and north >= COUNTY[3]
    # the fitted zoom is the largest that fits: one snap step more would not fit
    tighter = viewport.view_bounds(center, zoom + viewport.ZOOM_SNAP)
    assert tighter[0] > COUNTY[0] or tighter[1] > COUNTY[1]


def test_small_pans_keep_the_loaded_box_large_moves_load_a_new_one() -> None:
    view = (113.50, 33.40, 113.60, 33.48)
    loaded = viewport.next_viewport(view, None)
    assert loaded is not None
    west, south, east, north = loaded
    assert west < view[0] and south < view[1] and east > view[2] and north > view[3]
    nudged = (113.51, 33.405, 113.61, 33.485)
    assert viewport.next_viewport(nudged, loaded) == loaded  # same box: no reload, same cache
    moved = (113.70, 33.40, 113.80, 33.48)
    assert viewport.next_viewport(moved, loaded) != loaded
    zoomed_in = (113.54, 33.43, 113.545, 33.434)
    assert viewport.next_viewport(zoomed_in, loaded) != loaded  # closer: more detail
    assert viewport.next_viewport(None, loaded) == loaded


def test_snapped_boxes_cover_the_view() -> None:
    box = viewport.snap_bounds((113.512, 33.401, 113.587, 33.479), 0.01)
    assert box == pytest.approx((113.51, 33.40, 113.59, 33.48))


def test_viewport_starts_from_the_fitted_view_and_keeps_pans_per_place() -> None:
    fitted = viewport.fit_view(COUNTY)
    start = viewport.viewport_start(None, ("a",), fitted)
    west, south, east, north = start
    assert west < COUNTY[0] and south < COUNTY[1] and east > COUNTY[2] and north > COUNTY[3]
    panned = (113.7, 33.4, 113.8, 33.5)
    assert viewport.viewport_start((("a",), panned), ("a",), fitted) == panned
    assert viewport.viewport_start((("b",), panned), ("a",), fitted) == start


def test_map_text_is_sent_as_utf8_and_stays_inert() -> None:
    from tests.helpers.maps import rendered

    gdf = roads(["not_started"])
    gdf["name"] = ["沙河湾路</script><script>alert(1)</script>"]
    html = rendered({"roads": geojson.asset_collection(REGISTRY.get("roads"), gdf, NAMES,
                                                            "zh")})
    assert "沙河湾路" in html and "\\u6c99" not in html  # 3 bytes a character, not 6
    assert "alert(1)</script>" not in html and "<script>alert" not in html

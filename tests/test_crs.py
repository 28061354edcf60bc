"""CRS rules: zones derived from longitude, GCJ-02 converted on the way in."""

from __future__ import annotations

import pytest

from geo import crs


def test_wuyang_zone_is_cm_114() -> None:
    assert crs.gk3_central_meridian(113.6) == 114
    assert crs.METRIC_EPSG == 4547
    assert crs.METRIC_PREFIXED_EPSG == 4526


@pytest.mark.parametrize(("lon", "epsg", "prefixed"), [(75.2, 4534, 4513), (117.0, 4548, 4527), (134.9, 4554, 4533)])
def test_zone_from_longitude(lon: float, epsg: int, prefixed: int) -> None:
    assert crs.gk3_epsg(lon) == epsg
    assert crs.gk3_epsg(lon, zone_prefix=True) == prefixed
    assert f"{crs.gk3_central_meridian(lon)}" in crs.crs(epsg).to_wkt()


def test_outside_china_is_refused() -> None:
    with pytest.raises(crs.CRSError, match="outside"):
        crs.gk3_epsg(10.0)


def test_metric_round_trip_and_false_easting() -> None:
    x, y = crs.to_metric(113.6, 33.44)
    assert 450_000 < x < 490_000 and 3_690_000 < y < 3_720_000
    lon, lat = crs.from_metric(x, y)
    assert (lon, lat) == pytest.approx((113.6, 33.44), abs=1e-9)


def test_prefixed_zone_carries_38_in_easting() -> None:
    x, _ = crs.transformer(crs.STORAGE_EPSG, crs.METRIC_PREFIXED_EPSG).transform(113.6, 33.44)
    assert str(int(x)).startswith("38")


def test_gcj02_offset_is_about_600_m_and_inverse_within_a_centimetre() -> None:
    lon, lat = 113.60149, 33.43808
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    x0, y0 = crs.to_metric(lon, lat)
    x1, y1 = crs.to_metric(glon, glat)
    assert 450 < ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 < 700
    back = crs.gcj02_to_wgs84(glon, glat)
    xb, yb = crs.to_metric(*back)
    assert ((xb - x0) ** 2 + (yb - y0) ** 2) ** 0.5 < 0.01


@pytest.mark.parametrize("text", ["4547", "EPSG:4526", "epsg:4490", 4326])
def test_export_crs_choices(text: str | int) -> None:
    assert crs.parse_epsg(text) in crs.EXPORT_EPSGS


def test_unknown_export_crs_lists_choices() -> None:
    with pytest.raises(crs.CRSError, match="EPSG:4547"):
        crs.parse_epsg("EPSG:3857")

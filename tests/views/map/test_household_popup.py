"""A household without a monitoring kind or house grade shows nothing there — never "nan"."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.helpers.app import app_database_url
from tests.helpers.maps import NAMES, households
from views.map import data as map_data
from views.map import geojson
from views.names import load_names

__all__ = ["app_database_url"]


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA, ""])
def test_an_empty_kind_or_grade_is_left_out(missing: object) -> None:
    frame = households(2)
    frame["monitor_kind"] = frame["monitor_kind"].astype(object)
    frame.loc[1, ["monitor_kind", "house_grade"]] = [missing, missing]
    props = geojson.household_collection(frame, NAMES, "zh")["features"][1]["properties"]
    assert props["k"] == "脱贫户" and props["h"] == ""


@pytest.mark.postgis
def test_households_read_from_postgis_show_no_nan(app_database_url: str) -> None:
    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        shown = map_data.household_map(conn, (), (), load_names(conn), "zh")
    engine.dispose()
    kinds = {f["properties"]["k"] for f in shown["features"]}
    assert "脱贫户" in kinds and "一般农户" in kinds
    values = [str(v) for f in shown["features"] for v in f["properties"].values()]
    assert not [v for v in values if "nan" in v.lower().split()]

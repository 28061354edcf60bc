"""The progress tables on the demo county: the data's own date and the filters they honour."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from geo.demo import STATUS_DATE
from layers.filter import Filter
from views.progress import data_as_of, progress_frames

pytestmark = pytest.mark.postgis


def test_the_demo_stands_on_its_status_date(demo: sa.Connection) -> None:
    assert data_as_of(demo) == STATUS_DATE == dt.date(2021, 9, 15)


def test_layer_status_and_tier_filters_narrow_the_counts(demo: sa.Connection) -> None:
    every = progress_frames(demo, Filter(), "zh", STATUS_DATE)["by_status"]
    schools = progress_frames(demo, Filter(layers=("schools",), statuses=("accepted",)), "zh",
                              STATUS_DATE)
    table = schools["by_status"]
    assert table.index.tolist() == ["学校"] and len(every) > 1
    expected = demo.execute(sa.text("SELECT count(*) FROM schools WHERE status = 'accepted'"))
    assert int(table["合计"].sum()) == int(table["已验收"].sum()) == expected.scalar_one()
    assert len(schools["houses"]) == 0  # households not chosen: no house in the deadline table
    one = demo.execute(sa.text("SELECT id FROM schools WHERE status IS NOT NULL LIMIT 1")).scalar_one()
    only = progress_frames(demo, Filter(layers=("schools",)).with_ids({"schools": [one]}), "zh",
                           STATUS_DATE)
    assert int(only["by_status"]["合计"].sum()) == 1

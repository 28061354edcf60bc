"""The ranking inputs read column-wise (COPY into Arrow) are the frames the tuple reader built:
same columns, dtypes, NULLs, booleans, dates, Decimals, arrays, geometries and row order, on the
demo county and on rows holding the awkward values (quotes, commas, newlines, "NA", empty
strings, all-NULL and partly NULL columns); values reach COPY as bound parameters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

import geo.rank.inputs as rank_inputs
from geo.db.copy_out import read_frame
from geo.rank.core import RankInputs
from geo.rank.inputs import read_asset, read_inputs
from layers import REGISTRY
from tests.helpers.tuple_reader import tuples_frame

pytestmark = pytest.mark.postgis


def _frames(inputs: RankInputs) -> dict[str, pd.DataFrame]:
    out = {"villages": inputs.villages, "households": inputs.households,
           "townships": inputs.townships}
    out.update({info.name: frame for info, frame in inputs.layers})
    return out


def _old_inputs(conn: sa.Connection, monkeypatch: pytest.MonkeyPatch) -> RankInputs:
    with monkeypatch.context() as patched:
        patched.setattr(rank_inputs, "_frame", tuples_frame)
        return read_inputs(conn, REGISTRY)


def _assert_same(new: pd.DataFrame, old: pd.DataFrame, name: str) -> None:
    assert list(new.columns) == list(old.columns), name
    assert new.dtypes.to_dict() == old.dtypes.to_dict(), name
    pd.testing.assert_frame_equal(new, old, check_exact=True, obj=name)
    for column in [c for c in new.columns if new[c].dtype == object]:  # None stays None, not NaN
        assert [v is None for v in new[column]] == [v is None for v in old[column]], (name, column)


def _assert_inputs_equal(conn: sa.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    new, old = _frames(read_inputs(conn, REGISTRY)), _frames(_old_inputs(conn, monkeypatch))
    assert new.keys() == old.keys()
    for name in new:
        _assert_same(new[name], old[name], name)


def test_demo_inputs_equal_the_tuple_readers(demo: sa.Connection,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_inputs_equal(demo, monkeypatch)
    for layer in REGISTRY.repairable():
        for asset_id in (1, 10 ** 9):  # one that exists, one that does not (empty frame)
            new = read_asset(demo, layer, asset_id)
            with monkeypatch.context() as patched:
                patched.setattr(rank_inputs, "_frame", tuples_frame)
                old = read_asset(demo, layer, asset_id)
            _assert_same(new, old, f"{layer.name} {asset_id}")
            assert len(new) == (1 if asset_id == 1 else 0)


def test_awkward_values_read_the_same(demo: sa.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    roads = REGISTRY.get("roads").table
    water = REGISTRY.get("water_works").table
    villages = REGISTRY.get("villages").table
    awkward = ['a, "quoted" name', "two\nlines", "NA", "", "NULL", "\\N", "=1+2", "逗号，引号“”"]
    for i, text in enumerate(awkward, start=1):
        demo.execute(sa.update(roads).where(roads.c.id == i).values(
            name=text, resp_unit=text, cost_wan=Decimal("12.50") if i % 2 else None,
            deadline=dt.date(2021, 8, i), est_days=None if i % 3 else 4.25))
        demo.execute(sa.update(water).where(water.c.id == i).values(
            villages_served=[text, "x,y", 'q"q'] if i % 2 else []))
    demo.execute(sa.update(villages).where(villages.c.code == "411121100200")
                 .values(name='NA "村"'))
    _assert_inputs_equal(demo, monkeypatch)
    read = _frames(read_inputs(demo, REGISTRY))["roads"].set_index("id")
    assert read.loc[1:len(awkward), "name"].tolist() == awkward
    assert read.loc[1, "cost_wan"] == Decimal("12.50") and read.loc[2, "cost_wan"] is None


def test_values_are_bound_not_formatted(demo: sa.Connection) -> None:
    """A value with quotes reaches the COPY as a bound literal: it matches itself only."""
    villages = REGISTRY.get("villages").table
    name = "O'Brien'); DROP TABLE villages; --"
    demo.execute(sa.update(villages).where(villages.c.code == "411121100200").values(name=name))
    frame = read_frame(demo, sa.select(villages.c.code, villages.c.name)
                       .where(villages.c.name == name))
    assert frame.to_dict("records") == [{"code": "411121100200", "name": name}]
    assert demo.execute(sa.select(sa.func.count()).select_from(villages)).scalar_one() > 300
    # no parameters at all: SQLAlchemy's escaped "%" (modulo) still reaches the server as "%"
    modulo = read_frame(demo, sa.select(villages.c.code, (villages.c.households
                                                          % sa.literal_column("7")).label("m")))
    assert (modulo["m"] < 7).all() and len(modulo) > 300

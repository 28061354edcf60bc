"""Two accounts of different scope never see each other's data — through the views and through the
app's cached loaders (keyed by scope), nor through a crafted filter or feature reference."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from geo.errors import AccessDeniedError
from layers import REGISTRY
from layers.filter import Filter
from layers.roles import Scope
from pages import common
from tests.helpers.app import TOWNSHIP, app_database_url, feature_id
from views.detail import feature_record

__all__ = ["app_database_url"]

pytestmark = pytest.mark.postgis
TOWNSHIP2 = "411121100"
BEIWUDU = Scope("township", township=TOWNSHIP)
WUQUAN = Scope("township", township=TOWNSHIP2)
TRANSPORT = Scope("department", department="transport")


@pytest.fixture
def url(app_database_url: str) -> Iterator[str]:
    common.clear_caches()
    yield app_database_url
    common.clear_caches()


def townships_of(url: str, data: dict[str, object]) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    found = set()
    with engine.connect() as conn:
        for layer, ids in data["ids"].items():  # type: ignore[attr-defined]
            table = REGISTRY.get(layer).table
            if ids:
                found |= set(conn.execute(sa.select(table.c.township_code)
                                          .where(table.c.id.in_(ids))).scalars())
    engine.dispose()
    return found


def test_township_accounts_see_only_their_township_even_from_the_cache(url: str) -> None:
    every = common.selection(url, Scope("admin").key(), Filter().key(), "zh")
    first = common.selection(url, BEIWUDU.key(), Filter().key(), "zh")
    second = common.selection(url, WUQUAN.key(), Filter().key(), "zh")
    again = common.selection(url, BEIWUDU.key(), Filter().key(), "zh")  # cached: still its own
    assert townships_of(url, every) == {TOWNSHIP, TOWNSHIP2}
    assert townships_of(url, first) == townships_of(url, again) == {TOWNSHIP}
    assert townships_of(url, second) == {TOWNSHIP2}
    assert first["counts"]["households"] == 2 and second["counts"]["households"] == 1
    assert {r.township_code for r in first["queue"]} <= {TOWNSHIP}
    assert {r.township_code for r in second["queue"]} <= {TOWNSHIP2}


def test_a_crafted_filter_for_another_township_is_refused(url: str) -> None:
    with pytest.raises(AccessDeniedError, match="not yours"):
        common.selection(url, BEIWUDU.key(), Filter(townships=(TOWNSHIP2,)).key(), "zh")
    with pytest.raises(AccessDeniedError):
        common.households(url, WUQUAN.key(), (TOWNSHIP,), (), (), False, "zh")


def test_household_lists_follow_the_scope(url: str) -> None:
    mine = common.households(url, BEIWUDU.key(), (), (), (), False, "zh")
    theirs = common.households(url, WUQUAN.key(), (), (), (), False, "zh")
    assert set(mine["乡镇"]) == {"北舞渡镇"} and set(theirs["乡镇"]) == {"舞泉镇"}
    assert not set(mine["户主"]) & set(theirs["户主"])
    counts = common.households(url, TRANSPORT.key(), (), (), (), False, "zh")
    assert "户主" not in counts.columns and "帮扶责任人" not in counts.columns
    assert int(counts["农户（户）"].sum()) == 3


def test_a_department_sees_households_only_as_counts_on_the_map(url: str) -> None:
    data = common.selection(url, TRANSPORT.key(), Filter().key(), "zh")
    households = data["collections"]["households"]
    assert households["aggregated"] is True and households["total"] == 3
    text = str(households)
    assert "赵大山" not in text and "王二妮" not in text
    admin = common.selection(url, Scope("admin").key(), Filter().key(), "zh")
    assert admin["collections"]["households"]["aggregated"] is False  # small data: each home


def test_progress_of_a_township_counts_its_own_assets_only(url: str) -> None:
    import datetime as dt

    mine = common.progress(url, BEIWUDU.key(), Filter().key(), "zh", dt.date(2021, 9, 15))
    every = common.progress(url, Scope("admin").key(), Filter().key(), "zh", dt.date(2021, 9, 15))
    assert set(mine["by_township"]["乡镇"]) == {"北舞渡镇"}
    assert set(every["by_township"]["乡镇"]) == {"北舞渡镇", "舞泉镇"}
    counts = common.progress(url, TRANSPORT.key(), Filter().key(), "zh", dt.date(2021, 12, 1))
    assert "户主" not in counts["houses"].columns


def test_a_feature_of_another_scope_reads_as_missing(url: str) -> None:
    school = feature_id(url, "schools", "S-002")  # in 舞泉镇
    home = feature_id(url, "households", "H-003")  # in 舞泉镇
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert feature_record(conn, "schools", school, scope=WUQUAN) is not None
        assert feature_record(conn, "schools", school, scope=BEIWUDU) is None
        assert feature_record(conn, "households", home, scope=WUQUAN) is not None
        assert feature_record(conn, "households", home, scope=BEIWUDU) is None
        assert feature_record(conn, "households", home, scope=TRANSPORT) is None
        assert feature_record(conn, "schools", school, scope=TRANSPORT) is not None
    engine.dispose()

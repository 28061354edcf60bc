"""The detail panel (issue 16): what one opens it for comes first, the township row says it is
the township, times read in China Standard Time, and a status that moves a road's passable
state says so."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from geo import chinatime
from layers.store import set_status
from tests.helpers.app import (
    app_admin,
    app_database_url,
    feature_id,
    feature_state,
)

__all__ = ["app_admin", "app_database_url"]

pytestmark = pytest.mark.postgis


@pytest.fixture
def app(admin_app: AppTest) -> AppTest:
    return admin_app  # tests/app/conftest.py: signed in as the county administrator


def _facts(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if d.value.shape[1] == 2
                and d.value.columns[0] in ("字段", "Field"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_status_deadline_and_unit_come_first_and_times_are_cst(app: AppTest, app_database_url: str,
                                                              lang: str) -> None:
    app.sidebar.radio(key="lang").set_value(lang).run()
    fid = feature_id(app_database_url, "water_works", "W-001")
    app.session_state["selected"] = f"water_works:{fid}"
    app.run()
    facts = _facts(app)
    labels = facts.iloc[:, 0].tolist()
    first = (["名称", "状态", "完成时限", "责任单位"] if lang == "zh"
             else ["Name", "Status", "Deadline", "Responsible unit"])
    assert labels[:4] == first, labels
    town = "乡镇" if lang == "zh" else "Township"
    assert dict(zip(labels, facts.iloc[:, 1], strict=True))[town] == "北舞渡镇 (411121102)"
    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        stamp = conn.execute(sa.text("SELECT updated_at FROM water_works WHERE id = :i"),
                             {"i": fid}).scalar_one()
    engine.dispose()
    updated = "更新时间" if lang == "zh" else "Updated at"
    assert dict(zip(labels, facts.iloc[:, 1], strict=True))[updated] == chinatime.text(stamp)
    assert len(chinatime.text(stamp)) == len("2021-09-15 14:03")


def test_a_status_that_reopens_a_road_says_it_is_passable_now(app: AppTest,
                                                              app_database_url: str) -> None:
    fid = feature_id(app_database_url, "roads", "X012-001")
    _, version = feature_state(app_database_url, "roads", fid)
    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:  # being reopened: still blocked
        set_status(conn, "roads", fid, "opening", version, "测试")
    engine.dispose()
    app.session_state["selected"] = f"roads:{fid}"
    app.run()
    app.selectbox(key=f"new_status_roads:{fid}").set_value("opened").run()
    app.button(key="save_status").click().run()
    assert not app.exception
    assert feature_state(app_database_url, "roads", fid)[0] == "opened"
    said = [s.value for s in app.success]
    assert any("通行状态随之改为“通行”" in s for s in said), said


def _passable(url: str, fid: int) -> str:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        value = conn.execute(sa.text("SELECT passable FROM roads WHERE id = :i"),
                             {"i": fid}).scalar_one()
    engine.dispose()
    return str(value)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_saving_leaves_the_passable_state_alone_unless_the_status_means_it(
        app: AppTest, app_database_url: str, lang: str) -> None:
    """通行状态 follows the status only where the status says it (已抢通 and later: open;
    a road sent back before 抢通: no longer open). Saving the fields, or a status within the same
    side, leaves it as it is: nothing changes it by itself."""
    fid = feature_id(app_database_url, "roads", "X020-001")
    current, version = feature_state(app_database_url, "roads", fid)
    if current != "repairing":  # 修复中 and open, whatever an earlier test left
        engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
        with engine.begin() as conn:
            set_status(conn, "roads", fid, "repairing", version, "测试")
        engine.dispose()
    app.sidebar.radio(key="lang").set_value(lang).run()
    before = _passable(app_database_url, fid)
    app.session_state["selected"] = f"roads:{fid}"
    app.run()
    app.text_input(key=f"unit_roads:{fid}").set_value("县交通运输局养护中心").run()
    app.button(key="save_fields").click().run()
    assert not app.exception and _passable(app_database_url, fid) == before
    status = "done"
    app.selectbox(key=f"new_status_roads:{fid}").set_value(status).run()
    app.button(key="save_status").click().run()
    assert not app.exception
    assert feature_state(app_database_url, "roads", fid)[0] == status
    assert _passable(app_database_url, fid) == before
    said = " ".join(s.value for s in app.success)
    assert ("通行状态" not in said) and ("passable" not in said.lower()), said

"""Both languages all the way (issue 16): the repair list's tier words, the stale-edit line and a
database that cannot be reached read wholly in the chosen language."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from layers.store import set_status
from tests.helpers.app import (
    APP,
    app_admin,
    app_database_url,
    feature_id,
    feature_state,
)
from views.markdown import literal

__all__ = ["app_admin", "app_database_url"]

pytestmark = pytest.mark.postgis


@pytest.fixture
def app(admin_app: AppTest) -> AppTest:
    return admin_app  # tests/app/conftest.py: signed in as the county administrator


def test_the_repair_list_tiers_are_english_in_english(app: AppTest) -> None:
    app.sidebar.radio(key="lang").set_value("en").run()
    app.switch_page("pages/repairs_page.py").run()
    frame = app.dataframe[0].value
    assert len(frame)
    assert set(frame["Task"]) <= {"Reopen", "Repair"}
    assert set(frame["Urgency"]) <= {"Emergency", "Long-term"}
    assert set(frame["Use"]) <= {"Living", "Production", "Flood control"}
    assert set(frame["Importance"]) <= {"Key", "General"}


@pytest.mark.parametrize(("lang", "refused", "line"), [
    ("zh", "已被他人修改", "“沙河湾小学”现为已完工（第 {v} 版），最后由 另一位用户 修改。"),
    ("en", "someone else changed this record", None),
])
def test_the_stale_edit_line_is_in_the_language(app: AppTest, app_database_url: str, lang: str,
                                                refused: str, line: str | None) -> None:
    fid = feature_id(app_database_url, "schools", "S-001")
    app.sidebar.radio(key="lang").set_value(lang).run()
    app.session_state["selected"] = f"schools:{fid}"
    app.run()
    _, version = feature_state(app_database_url, "schools", fid)
    engine = sa.create_engine(app_database_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        set_status(conn, "schools", fid, "done", version, "另一位用户")
    engine.dispose()
    app.selectbox(key=f"new_status_schools:{fid}").set_value("repairing").run()
    app.button(key="save_status").click().run()
    assert not app.exception
    assert any(refused in e.value for e in app.error), [e.value for e in app.error]
    shown = next(str(x.value) for x in app.caption if "另一位用户" in str(x.value))
    if line is not None:
        assert shown == literal(line.format(v=version + 1))
    else:  # every word ours is English; the name and the account stay as stored
        assert "现为" not in shown and "最后由" not in shown and "is now Completed" in shown, shown


HOST = literal("127.0.0.1")  # shown as literal text (Markdown would read the dots)


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", f"无法连接数据库 nowhere（{HOST}）。请用 tracker db up 启动本机数据库，"
           "或检查 TRACKER_DATABASE_URL 设置。"),
    ("en", f"Cannot reach the database nowhere at {HOST}. Start the private server with "
           "tracker db up, or check TRACKER_DATABASE_URL."),
])
def test_an_unreachable_database_is_said_in_one_language(monkeypatch: pytest.MonkeyPatch,
                                                         lang: str, expected: str) -> None:
    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    monkeypatch.delenv("TRACKER_DEV", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [expected]


@pytest.mark.parametrize(("lang", "word"), [("zh", "高斯-克吕格"), ("en", "Gauss-Kruger")])
def test_the_coordinate_systems_are_named_in_the_language(app: AppTest, lang: str, word: str) -> None:
    app.sidebar.radio(key="lang").set_value(lang).run()
    app.switch_page("pages/export_page.py").run()
    assert not app.exception
    crs = app.selectbox(key="ex_crs")
    assert word in crs.options[0]
    assert ("Gauss" in " ".join(crs.options)) == (lang == "en")


@pytest.mark.parametrize(("lang", "headers", "task"), [
    ("zh", ["序号", "任务", "位置", "状态", "排序理由"], {"抢通", "修复"}),
    ("en", ["Rank", "Task", "Place", "Status", "Reason"], {"Reopen", "Repair"}),
])
def test_the_phone_list_has_the_essential_columns_in_the_language(app: AppTest, lang: str,
                                                                  headers: list[str],
                                                                  task: set[str]) -> None:
    """The phone list (issue 16): task, place, status and reason, as a table whose text wraps."""
    app.sidebar.radio(key="lang").set_value(lang).run()
    app.switch_page("pages/repairs_page.py").run()
    full = app.dataframe[0].value
    app.toggle(key="repairs_compact").set_value(True).run()
    assert not app.exception
    [table] = [el for el in app.get("html") if "tracker-compact" in str(el.proto.body)]
    body = str(table.proto.body)
    assert [h.split("</th>")[0] for h in body.split("<th>")[1:]] == headers
    assert body.count("<tr>") == 1 + min(len(full), 50)
    assert any(f"<td>{word}</td>" in body for word in task)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sidebar_filters_offer_no_english_select_all(app: AppTest, lang: str) -> None:
    """Streamlit writes its bulk "Select all" option in English whatever the page's language;
    the filters turn it off (empty already means all)."""
    app.sidebar.radio(key="lang").set_value(lang).run()
    boxes = app.sidebar.multiselect
    assert len(boxes) == 6  # status, layer, township, village, importance, urgency
    assert all(box.proto.select_all == 0 for box in boxes)  # Streamlit's default shows it

"""The 导入 page under AppTest against its own committed PostGIS: upload, check (nothing written),
import, the report; a hostile upload gets its sentence as text and writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from tests.helpers.app import APP, load_scenario, make_account, sign_in
from tests.helpers.bureau import counts, transport_zip, zip_bytes

pytestmark = pytest.mark.postgis
PAGE = "pages/import_page.py"


@pytest.fixture
def database(fresh_database: Callable[..., str]) -> str:
    url = fresh_database()
    load_scenario(url)
    return url


@pytest.fixture
def app(database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("TRACKER_DATABASE_URL", database)
    monkeypatch.delenv("TRACKER_DEV", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    sign_in(at, make_account(database, "admin"))  # imports are the county administrator's
    at.switch_page(PAGE).run()
    yield at


def stored(url: str) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        found = counts(conn)
    engine.dispose()
    return found


def texts(at: AppTest) -> str:
    return "\n".join(t.value for t in at.text)


def test_check_then_import(app: AppTest, database: str, tmp_path: Path) -> None:
    assert not app.exception and app.info[0].value == "请选择要导入的文件。"
    data = transport_zip(tmp_path / "交通局.zip").read_bytes()
    app.file_uploader(key="im_file").set_value(("交通局.zip", data, "application/zip")).run()
    app.selectbox(key="im_layer").set_value("roads").run()
    before = stored(database)
    app.button(key="im_check").click().run()
    assert not app.exception, [e.value for e in app.exception]
    summary = texts(app)
    # the scenario holds both roads already: matched by code, updated
    assert "读取 2 行，新增 0，更新 2" in summary and "检查通过（未写入）" in summary
    assert "zone number 38" in summary
    assert stored(database) == before
    mapping = app.dataframe[0].value
    assert "路线编号" in mapping["源列"].tolist()

    app.button(key="im_commit").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "已导入并记录。" in texts(app)
    after = stored(database)
    assert after["roads"] == before["roads"] and after["import_log"] == 1
    recent = app.dataframe[-1].value
    signed_in = app.session_state["signed_in"].username  # recorded as the account that imported
    assert recent["导入人"].tolist() == [signed_in] and recent["更新"].tolist() == [2]


def test_hostile_upload_is_one_sentence_as_text(app: AppTest, database: str) -> None:
    evil = zip_bytes({"../../x.shp": b"1", "x.dbf": b"1", "x.shx": b"1"})
    before = stored(database)
    app.file_uploader(key="im_file").set_value(("**evil**.zip", evil, "application/zip")).run()
    page_buttons = [b for b in app.get("button") if b.key != "sign_out"]  # the sidebar's own
    assert not app.exception and not page_buttons  # refused on arrival: nothing to check
    assert app.error[0].value == "文件未能导入："
    assert "**evil**.zip holds a file with an unsafe path" in texts(app)  # shown as text, not bold
    assert stored(database) == before


def test_undecidable_encoding_shows_both_readings_and_asks(app: AppTest, database: str) -> None:
    # valid GBK and valid UTF-8, and Chinese in neither reading: only the user can tell
    data = b"name,lon,lat\n\xc2\x80\xc3\x81,113.65,33.605\n"
    app.file_uploader(key="im_file").set_value(("诊所.csv", data, "text/csv")).run()
    app.selectbox(key="im_layer").set_value("clinics").run()
    app.button(key="im_check").click().run()
    assert not app.exception
    assert app.warning[0].value == "无法确定文字编码，请选择显示正确的一种："
    shown = texts(app)
    assert "按 GBK 读取：" in shown and "按 UTF-8 读取：" in shown
    app.radio(key="im_encoding").set_value("GBK").run()
    app.button(key="im_check").click().run()
    assert not app.warning and "文字编码：GBK (chosen)" in texts(app)

"""Finding a place or an asset by typing (issue 16): on the map it opens the detail panel and
moves the view there; on the repair list it narrows the rows; a township account finds only its
own township; nothing found says so — in both languages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from layers import REGISTRY
from tests.helpers.app import (
    APP,
    TOWNSHIP,
    Credentials,
    app_admin,
    app_database_url,
    feature_id,
    make_account,
    sign_in,
)

__all__ = ["app_admin", "app_database_url"]

pytestmark = pytest.mark.postgis


def _app(url: str, who: Credentials, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    monkeypatch.setenv("TRACKER_USER", "apptest")
    monkeypatch.delenv("TRACKER_DEV", raising=False)
    return sign_in(AppTest.from_file(APP, default_timeout=60), who)


@pytest.fixture
def app(app_database_url: str, app_admin: Credentials,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    yield _app(app_database_url, app_admin, monkeypatch)


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _texts(at: AppTest) -> list[str]:
    return [str(x.value) for x in at.text]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_typing_a_code_on_the_map_opens_it_and_moves_the_view(app: AppTest, app_database_url: str,
                                                             lang: str) -> None:
    app.sidebar.radio(key="lang").set_value(lang).run()
    fid = feature_id(app_database_url, "water_works", "W-001")
    app.text_input(key="map_find_text").input("w-001").run()  # typed, then Enter
    _no_errors(app)
    assert app.session_state["selected"] == f"water_works:{fid}"
    pick = app.selectbox(key="map_find_pick")
    assert pick.value == f"water_works:{fid}"
    layer = REGISTRY.get("water_works").label(lang)
    assert pick.format_func(pick.value).startswith(layer), pick.format_func(pick.value)
    facts = next(d.value for d in app.dataframe if d.value.shape[1] == 2
                 and "北舞渡镇水厂" in d.value.iloc[:, 1].tolist())
    assert len(facts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_nothing_found_says_so(app: AppTest, lang: str) -> None:
    app.sidebar.radio(key="lang").set_value(lang).run()
    app.text_input(key="map_find_text").input("没有这个地方").run()
    _no_errors(app)
    expected = ("没有与“没有这个地方”匹配的地点或设施。" if lang == "zh"
                else "Nothing matches \"没有这个地方\".")
    assert expected in _texts(app)
    assert "map_find_pick" not in [s.key for s in app.selectbox]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_repair_list_search_narrows_rows_and_numbers_them_from_one(app: AppTest,
                                                                       lang: str) -> None:
    app.sidebar.radio(key="lang").set_value(lang).run()
    app.switch_page("pages/repairs_page.py").run()
    every = app.dataframe[0].value
    assert len(every) >= 2
    app.text_input(key="repairs_find_text").input("X020").run()
    _no_errors(app)
    found = app.dataframe[0].value
    name, position, county = found.columns[3], found.columns[0], found.columns[-1]
    assert 0 < len(found) < len(every)
    assert found[name].tolist() == ["<script>alert('路')</script>&桥"]  # the open X020 task
    assert found[position].tolist() == list(range(1, len(found) + 1))
    assert found[county].tolist()[0] > 1  # its place in the whole county stays visible
    app.text_input(key="repairs_find_text").input("没有这个地方").run()
    assert len(app.dataframe[0].value) == 0
    assert ("没有符合筛选条件的项目。" if lang == "zh" else "Nothing matches the filters.") in _texts(app)


def test_a_township_account_finds_only_its_own_township(app_database_url: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    who = make_account(app_database_url, "township", township=TOWNSHIP)
    at = _app(app_database_url, who, monkeypatch)
    at.text_input(key="map_find_text").input("东关").run()  # a village and school of 舞泉镇
    _no_errors(at)
    assert "没有与“东关”匹配的地点或设施。" in _texts(at)
    at.text_input(key="map_find_text").input("北舞渡").run()
    labels = [at.selectbox(key="map_find_pick").format_func(o)
              for o in at.selectbox(key="map_find_pick").options]
    assert labels and all("舞泉镇" not in label for label in labels)


@pytest.mark.parametrize(("lang", "words", "foreign"), [
    ("zh", ("：", "（"), (": ", " (")),
    ("en", (": ", " ("), ("：", "（")),
])
def test_the_pick_boxes_read_in_the_language(app: AppTest, lang: str, words: tuple[str, ...],
                                             foreign: tuple[str, ...]) -> None:
    """The find pick and the detail panel's pick: our words and punctuation in the page's
    language; only the names and codes (data) stay as stored."""
    app.sidebar.radio(key="lang").set_value(lang).run()
    app.text_input(key="map_find_text").input("东关").run()
    _no_errors(app)
    for box in (app.selectbox(key="map_find_pick"), app.selectbox(key="pick")):
        labels = [label for label in box.options if label != "—"]  # (AppTest: shown labels)
        assert labels, box.key
        for label in labels:
            layer = label.split(words[0])[0]
            assert layer in {la.label(lang) for la in REGISTRY}, label
            assert all(mark not in label.replace(layer, "", 1)[:2] for mark in foreign), label
    village = app.selectbox(key="map_find_pick")
    assert any(words[1] in label for label in village.options)

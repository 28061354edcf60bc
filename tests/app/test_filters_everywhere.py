"""Every page honours the sidebar filters it shows, shows only those, and says "nothing matches"
when they leave nothing (issue 16) — in both languages."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers.app import TOWNSHIP, app_admin, app_database_url

__all__ = ["app_admin", "app_database_url"]

pytestmark = pytest.mark.postgis
TOWNSHIP2 = "411121100"
NOTHING = {"zh": "没有符合筛选条件的项目。", "en": "Nothing matches the filters."}


@pytest.fixture
def app(admin_app: AppTest) -> AppTest:
    return admin_app  # tests/app/conftest.py: signed in as the county administrator


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _texts(at: AppTest) -> list[str]:
    return [str(x.value) for x in at.text]


def _key(name: str, lang: str) -> str:
    """The sidebar filter's widget key in ``lang`` (each language has its own widgets)."""
    return name if lang == "zh" else f"{name}_{lang}"


def _sidebar_keys(at: AppTest, lang: str) -> set[str]:
    suffix = "" if lang == "zh" else f"_{lang}"
    return {w.key.removesuffix(suffix) for w in [*at.sidebar.multiselect, *at.sidebar.checkbox]}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_progress_counts_only_the_chosen_layers_and_statuses(app: AppTest, lang: str) -> None:
    app.sidebar.radio(key="lang").set_value(lang).run()
    app.switch_page("pages/progress_page.py").run()
    every = app.dataframe[0].value
    assert len(every) > 2  # every repairable layer, one row each
    app.sidebar.multiselect(key=_key("f_layer", lang)).set_value(["schools"]).run()
    app.sidebar.multiselect(key=_key("f_status", lang)).set_value(["accepted"]).run()
    _no_errors(app)
    chosen = app.dataframe[0].value
    assert chosen.index.tolist() == [app.session_state["filters"].asset_layers()[0].label(lang)]
    total = chosen.columns[-2]  # 合计, then the share done
    assert chosen[total].tolist() == [1]  # the one accepted school (东关小学)
    assert NOTHING[lang] not in _texts(app)
    app.sidebar.multiselect(key=_key("f_status", lang)).set_value(["opening"]).run()  # no school is being reopened
    assert int(app.dataframe[0].value[total].sum()) == 0
    assert NOTHING[lang] in _texts(app)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_household_page_shows_and_honours_only_the_place_filters(app: AppTest,
                                                                     lang: str) -> None:
    app.sidebar.radio(key="lang").set_value(lang).run()
    app.sidebar.multiselect(key=_key("f_status", lang)).set_value(["repairing"]).run()
    app.switch_page("pages/households_page.py").run()
    _no_errors(app)
    assert _sidebar_keys(app, lang) == {"f_township", "f_village"}
    app.checkbox(key="hh_only_risk").uncheck().run()  # every household, at risk or not
    every = len(app.dataframe[0].value)
    app.sidebar.multiselect(key=_key("f_township", lang)).set_value([TOWNSHIP2]).run()
    one = len(app.dataframe[0].value)
    assert 0 < one < every
    # back on the map the status chosen before is still there
    app.switch_page("pages/map_page.py").run()
    assert app.sidebar.multiselect(key=_key("f_status", lang)).value == ["repairing"]
    assert {"f_status", "f_layer", "f_importance", "f_monitored"} <= _sidebar_keys(app, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_empty_choice_says_nothing_matches(app: AppTest, lang: str) -> None:
    app.sidebar.radio(key="lang").set_value(lang).run()
    app.sidebar.multiselect(key=_key("f_township", lang)).set_value([TOWNSHIP2]).run()
    app.sidebar.multiselect(key=_key("f_layer", lang)).set_value(["clinics"]).run()  # none in 舞泉镇
    _no_errors(app)
    assert NOTHING[lang] in _texts(app)
    app.sidebar.multiselect(key=_key("f_township", lang)).set_value([TOWNSHIP]).run()
    assert NOTHING[lang] not in _texts(app)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_finished_work_is_said_never_to_be_queued(app: AppTest, lang: str) -> None:
    app.sidebar.radio(key="lang").set_value(lang).run()
    app.sidebar.multiselect(key=_key("f_status", lang)).set_value(["accepted"]).run()
    app.switch_page("pages/repairs_page.py").run()
    _no_errors(app)
    assert len(app.dataframe[0].value) == 0
    texts = _texts(app)
    assert NOTHING[lang] in texts
    assert ("已完工、已验收的项目不再进入修复清单。" if lang == "zh"
            else "Finished and accepted work is never queued for repair.") in texts


def test_switching_language_keeps_the_choice_and_redraws_it(app: AppTest) -> None:
    app.sidebar.multiselect(key="f_status").set_value(["repairing"]).run()
    app.sidebar.multiselect(key="f_township").set_value([TOWNSHIP]).run()
    assert app.sidebar.multiselect(key="f_status").placeholder == "全部"
    app.sidebar.radio(key="lang").set_value("en").run()
    _no_errors(app)
    status = app.sidebar.multiselect(key="f_status_en")
    assert status.value == ["repairing"] and status.placeholder == "All"
    assert status.format_func("repairing") == "Repairing"
    assert app.sidebar.multiselect(key="f_township_en").value == [TOWNSHIP]
    app.sidebar.multiselect(key="f_status_en").set_value(["opening"]).run()
    app.sidebar.radio(key="lang").set_value("zh").run()
    status = app.sidebar.multiselect(key="f_status")
    assert status.value == ["opening"] and status.format_func("opening") == "抢通中"
    assert app.session_state["filters"].statuses == ("opening",)

"""Every value from the database reaches the page as text, never as Markdown (AppTest).

The database is the hostile one of ``tests.helpers.nasty``: every free text is template syntax,
Markdown that would load an image from 198.51.100.7, HTML, a formula … Each element Streamlit
renders as Markdown (messages, captions, headings) is parsed here as CommonMark, as the browser
would, and must hold no image, link or HTML — only the literal text (code spans are text).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from layers import REGISTRY
from layers.store import set_status
from tests.helpers.app import APP, Credentials, make_account, sign_in
from tests.helpers.nasty import (
    BEACON,
    EVALUATED,
    MARKER,
    NASTY,
    nasty_database_url,
    payload_values,
    property_texts,
)

__all__ = ["nasty_database_url"]

pytestmark = pytest.mark.postgis
MARKDOWN_ELEMENTS = ("markdown", "caption", "success", "info", "warning", "error", "exception",
                     "title", "header", "subheader", "toast")
CODE = ("image", "link_open", "html_inline", "html_block")  # what would load, link or run
PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


@pytest.fixture(scope="module")
def nasty_admin(nasty_database_url: str) -> Credentials:
    return make_account(nasty_database_url, "admin")


@pytest.fixture
def app(nasty_database_url: str, nasty_admin: Credentials,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("TRACKER_DATABASE_URL", nasty_database_url)
    monkeypatch.delenv("TRACKER_DEV", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    sign_in(at, nasty_admin)  # every page is behind the sign-in
    yield at


def shown_as_markdown(at: AppTest) -> list[tuple[str, str, set[str]]]:
    """(element type, the text a reader sees, the Markdown constructs in it) per element."""
    out = []
    for kind in MARKDOWN_ELEMENTS:
        for element in at.get(kind):
            source = str(getattr(element, "value", ""))
            if getattr(element.proto, "allow_html", False):  # our own markup (the legend) only
                assert not [text for text in NASTY if text in source], source[:80]
                continue
            tokens = PARSER.parse(source)
            kinds = {t.type for token in tokens for t in [token, *(token.children or [])]}
            text = html.unescape(re.sub(r"<[^>]+>", "", PARSER.render(source)))
            out.append((kind, text, kinds))
    return out


def road_named(url: str, name: str) -> int:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    table = REGISTRY.get("roads").table
    with engine.connect() as conn:
        value = conn.execute(sa.select(table.c.id).where(table.c.name == name)).scalar_one()
    engine.dispose()
    return int(value)


def test_saving_a_status_shows_the_road_name_as_text(app: AppTest, nasty_database_url: str) -> None:
    fid = road_named(nasty_database_url, BEACON)
    app.session_state["selected"] = f"roads:{fid}"
    app.run()
    assert not app.exception
    app.selectbox(key=f"new_status_roads:{fid}").set_value("opening").run()
    app.button(key="save_status").click().run()
    assert not app.exception, [e.value for e in app.exception]
    shown = shown_as_markdown(app)
    assert [(kind, constructs & set(CODE)) for kind, _, constructs in shown
            if constructs & set(CODE)] == []
    saved = [text for kind, text, _ in shown if kind == "success"]
    assert saved and BEACON in saved[0]  # the name itself, literally


def test_a_stale_edit_names_the_other_user_as_text(app: AppTest, nasty_database_url: str) -> None:
    fid = road_named(nasty_database_url, NASTY[7])  # a name with a link, bold, code, math
    app.session_state["selected"] = f"roads:{fid}"
    app.run()
    engine = sa.create_engine(nasty_database_url, poolclass=sa.pool.NullPool)
    table = REGISTRY.get("roads").table
    with engine.begin() as conn:  # someone whose name is Markdown saves first
        version = conn.execute(sa.select(table.c.version).where(table.c.id == fid)).scalar_one()
        set_status(conn, "roads", fid, "repairing", version, BEACON)
    engine.dispose()
    app.selectbox(key=f"new_status_roads:{fid}").set_value("opening").run()  # next in the workflow
    app.button(key="save_status").click().run()
    assert not app.exception
    shown = shown_as_markdown(app)
    assert [kind for kind, _, constructs in shown if constructs & set(CODE)] == []
    captions = [text for kind, text, _ in shown if kind == "caption" and BEACON in text]
    assert captions, "the stale-edit sentence names who changed the record, literally"


def test_the_map_page_hands_the_browser_literal_text(app: AppTest) -> None:
    MARKER.unlink(missing_ok=True)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    maps = [el for el in app.get("component_instance")
            if el.proto.component_name.endswith("st_folium")]
    assert len(maps) == 1
    args = json.loads(maps[0].proto.json_args)
    script = args["script"] + (args.get("feature_group") or "")
    assert EVALUATED not in maps[0].proto.json_args and not MARKER.exists()
    shown = {lf(html.unescape(t)) for t in property_texts(payload_values(script))}
    for text in NASTY:
        assert any(lf(text) in t for t in shown), text[:40]
    assert [kind for kind, _, constructs in shown_as_markdown(app) if constructs & set(CODE)] == []


@pytest.mark.parametrize(("page", "column"), [("pages/repairs_page.py", "名称"),
                                              ("pages/households_page.py", "户主")])
def test_lists_show_every_name_as_stored(app: AppTest, page: str, column: str) -> None:
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    if page.endswith("households_page.py"):
        app.checkbox(key="hh_only_risk").uncheck().run()
    names = set(app.dataframe[0].value[column])
    for text in NASTY:
        assert any(name == text or name.startswith(f"{text} #") for name in names), text[:40]


def lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")

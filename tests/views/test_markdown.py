"""views.markdown.literal: any text put into a Markdown message shows as exactly that text."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from tests.helpers.nasty import NASTY
from views.markdown import literal

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


@pytest.mark.parametrize("text", [*NASTY, "北舞渡镇", "`x`", "a `` b", " edge ", "1. 列表", "# 标题"])
def test_a_value_in_a_message_is_only_text(text: str) -> None:
    source = f"已保存：{literal(text)} 的状态改为 抢通中"
    tokens = PARSER.parse(source)
    kinds = {t.type for token in tokens for t in [token, *(token.children or [])]}
    assert not kinds & {"image", "link_open", "html_inline", "html_block", "heading_open",
                        "bullet_list_open", "ordered_list_open", "blockquote_open", "table_open"}
    shown = html.unescape(re.sub(r"<[^>]+>", "", PARSER.render(source)))
    assert " ".join(re.split(r"\r\n|[\r\n]", text)) in shown


def test_plain_names_stay_plain() -> None:
    assert literal("北舞渡镇沙河大桥") == "北舞渡镇沙河大桥"
    assert literal(None) == ""

"""Text from the database (or a user) made safe to put into a Streamlit message.

``st.markdown``, ``st.caption`` and ``st.success/info/warning/error`` render their text as
Markdown — links, images, HTML, ``$math$``, Streamlit's ``:color[…]`` — and then turn bare URLs
(``http://…``, ``www.…``, ``a@b.c``) and ``:emoji:`` codes in the *decoded* text into links and
emoji, so no backslash escape or character reference can stop those. A road named
``![b](http://198.51.100.7/beacon.png)`` in a "saved" message made every browser that showed it
fetch that address.

:func:`literal` therefore puts any value that holds punctuation into a Markdown code span: its
content is shown character for character (in a monospace type), and no Markdown, HTML, link or
emoji rule applies inside it. Plain words (most names) stay as they are. Line breaks become
spaces (a code span is one line). Tables are safer still: records go to ``st.dataframe``.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")  # every ASCII punctuation character
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
_BACKTICKS = re.compile(r"`+")


def literal(value: object) -> str:
    """``value`` as Markdown source that shows exactly its text (None → "")."""
    text = _LINE_BREAK.sub(" ", "" if value is None else str(value))
    if not _PUNCTUATION.search(text):
        return text  # nothing Markdown, HTML or a link rule could read
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    # one space inside each fence: CommonMark strips exactly one, so edge backticks and
    # spaces of the value survive
    return f"{fence} {text} {fence}"

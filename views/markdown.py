"""Text from the database (or a user) made safe to put into a Streamlit message.

``st.markdown``, ``st.caption`` and ``st.success/info/warning/error`` render their text as
Markdown — with links, images, HTML entities and Streamlit's own ``$math$`` and ``:color[…]``.
A road named ``![b](http://198.51.100.7/beacon.png)`` in a "saved" message would make every
browser that shows it fetch that address. :func:`literal` escapes every ASCII punctuation
character with a backslash (CommonMark shows an escaped character as itself, so no construct can
start) and turns line breaks into Markdown line breaks: the value shows as typed.

Tables are safer still: pages show records with ``st.dataframe`` (plain text cells).
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")


def literal(value: object) -> str:
    """``value`` as Markdown source that renders exactly as the text (None → "")."""
    text = "" if value is None else str(value)
    text = _PUNCTUATION.sub(r"\\\1", text)
    return _LINE_BREAK.sub("\\\n", text)  # backslash + newline: a hard line break


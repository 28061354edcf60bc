"""Hostile text for the "data is never code" tests: every value must come back literally.

Template syntax (Jinja: evaluated, broken, or running a shell command), Markdown that would load
an image or a link, HTML, spreadsheet formulas and their other starts (+ - @ tab CR), right-to-
left and zero-width characters, a 10,000-character string, newlines, quotes and backslashes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

BEACON_HOST = "198.51.100.7"  # TEST-NET-2: nothing answers there; a request to it is a leak
BEACON = f"![b](http://{BEACON_HOST}/beacon.png)"
EVALUATED = "INJECTED"  # what {{ "INJ" ~ "ECTED" }} becomes if a template compiler runs it
MARKER = Path("/tmp/tracker-template-injection-marker")  # what the shell payload would create
SHELL = ("{{ cycler.__init__.__globals__.os.system('touch " + str(MARKER) + "') }}")

NASTY: tuple[str, ...] = (
    "{{ 7*7 }}",
    '{{ "INJ" ~ "ECTED" }}',
    SHELL,
    "{% raw %}",
    "{{ unbalanced",
    "{# comment",
    BEACON,
    f"[点我](http://{BEACON_HOST}/link) **粗** _斜_ `code` $x^2$ :red[红] :material/home:",
    f"<img src=http://{BEACON_HOST}/i.png onerror=alert(1)>",
    "<script>alert('路')</script>&amp;",
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-3-4",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=2+2",
    "\u202eevil.exe\u202c 右到左 العربية",
    "零\u200b宽\u200d字\ufeff符",
    "第一行\n第二行\r\n第三行",
    "'; DROP TABLE roads; -- \\ \" '",
    "路" * 10_000,
)


def nasty(index: int) -> str:
    return NASTY[index % len(NASTY)]


def payload_values(script: str) -> list[Any]:
    """Every JSON document embedded as ``…_add(<json>)`` in a map script (the GeoJSON layers),
    decoded: what the browser's JavaScript would hold."""
    decoder = json.JSONDecoder()
    found = []
    for match in re.finditer(r"_add\(", script):
        try:
            value, _ = decoder.raw_decode(script, match.end())
        except json.JSONDecodeError:
            continue
        found.append(value)
    return found


def property_texts(collections: list[Any]) -> set[str]:
    """Every string property of every feature in decoded GeoJSON collections."""
    texts: set[str] = set()
    for data in collections:
        for feature in data.get("features", []):
            texts |= {v for v in feature.get("properties", {}).values() if isinstance(v, str)}
    return texts

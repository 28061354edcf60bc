"""Hostile text for the "data is never code" tests: every value must come back literally.

Template syntax (Jinja: evaluated, broken, or running a shell command), Markdown that would load
an image or a link, HTML, spreadsheet formulas and their other starts (+ - @ tab CR), right-to-
left and zero-width characters, a 10,000-character string, newlines, quotes and backslashes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.testing import databases
from layers import REGISTRY
from layers.base import Layer
from tests.helpers.samples import sample_rows

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


# --- a committed database whose every free text holds one of the NASTY strings ------------------
FROZEN = {"townships": {"code"}, "villages": {"code"}}  # codes other rows refer to
LISTS = {"power_lines": ("transformer_areas",), "pv_stations": ("beneficiaries",)}  # free labels


def free_text_columns(layer: Layer) -> list[str]:
    """Text columns a user can fill with anything: no vocabulary, no CHECK, no foreign key."""
    table = layer.table
    checked = " ".join(str(c.sqltext) for c in table.constraints
                       if isinstance(c, sa.CheckConstraint))
    foreign = {fk.parent.name for fk in table.foreign_keys}
    return [f.column for f in layer.fields
            if f.kind == "text" and f.vocab is None and f.column not in foreign
            and not re.search(rf"\b{f.column}\b", checked)
            and f.column not in FROZEN.get(layer.name, set())]


def nasty_rows() -> dict[str, list[dict[str, Any]]]:
    """Per layer one row per NASTY string, in every free text column (unique ones numbered).

    The county is one row (its texts hold the shell payload); townships and villages keep the
    sample's codes, which other rows refer to, and add one more place per NASTY string."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for layer in REGISTRY:
        base = sample_rows()[layer.name]
        unique = {c.name for c in layer.table.columns if c.unique}
        indices = [NASTY.index(SHELL)] if layer.name == "county" else range(len(NASTY))
        rows[layer.name] = []
        for i in indices:
            row = dict(base)
            if layer.name in FROZEN and i:
                row["code"] = (f"4111219{i:02d}" if layer.name == "townships"
                               else f"411121102{300 + i}")
            for column in free_text_columns(layer):
                row[column] = NASTY[i] + (f" #{i}" if column in unique else "")
            for column in LISTS.get(layer.name, ()):
                row[column] = [NASTY[i]]
            rows[layer.name].append(row)
    return rows


def load_nasty(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with Session(engine) as session:
        for layer in REGISTRY:
            for row in nasty_rows()[layer.name]:
                session.add(layer.model(**row))
            session.flush()
        session.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def nasty_database_url(pg_admin_url: str) -> Iterator[str]:
    """A migrated throwaway database (committed) where every free text is hostile."""
    url = databases.create_database(pg_admin_url)
    load_nasty(url)
    yield url
    databases.drop_database(pg_admin_url, url)

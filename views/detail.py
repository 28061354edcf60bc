"""One feature's detail panel: its public fields read fresh (with its version) and shown as labelled text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from geo import chinatime
from layers import REGISTRY
from layers.base import Layer
from layers.roles import Scope
from views.i18n import t
from views.names import Names


def feature_record(bind: sa.Connection, layer: Layer | str, feature_id: int,
                   scope: Scope | None = None) -> dict[str, Any] | None:
    """One feature's public fields (with its version), read fresh for the detail panel.

    With ``scope``: None when that scope may not see the feature (another township's, or a
    household for a role that sees households only as counts) — the same answer as "missing".
    """
    spec = layer if isinstance(layer, Layer) else REGISTRY.get(layer)
    if scope is not None and spec.locates_people and not scope.households_in_full:
        return None
    table = spec.table
    columns = [table.c.id, *(table.c[f.column] for f in spec.public_fields())]
    row = bind.execute(sa.select(*columns).where(table.c.id == feature_id)).mappings().first()
    if row is None:
        return None
    record = dict(row)
    if scope is not None and scope.township:
        town = _township(bind, spec, record)
        placed = town is not None or {"township_code", "village_code"} & set(table.c.keys())
        if placed and not scope.sees_township(town):
            return None
    return record


def _township(bind: sa.Connection, spec: Layer, record: Mapping[str, Any]) -> str | None:
    """The township a record belongs to (through its village for households and PV stations)."""
    if spec.name == "townships":
        return str(record.get("code"))
    if record.get("township_code"):
        return str(record["township_code"])
    if record.get("village_code"):
        villages = REGISTRY.get("villages").table
        found = bind.execute(sa.select(villages.c.township_code)
                             .where(villages.c.code == record["village_code"])).scalar()
        return str(found) if found else None
    return None


# what a user opens the panel for, first: above the fold of the facts table
FIRST_FACTS = ("name", "status", "deadline", "resp_unit", "passable", "township_code",
               "village_code")


def record_facts(spec: Layer, record: Mapping[str, Any], names: Names,
                 lang: str) -> list[tuple[str, str]]:
    """(label, text) of a record's public fields, vocabulary codes shown as labels, times in
    China Standard Time to the minute; name, status, deadline and responsible unit first."""
    fields = sorted(spec.public_fields(), key=lambda f: (
        FIRST_FACTS.index(f.column) if f.column in FIRST_FACTS else len(FIRST_FACTS)))
    out = []
    for f in fields:
        value = record.get(f.column)
        if value is None or value == "" or value == []:
            continue
        label = f.label(lang)
        if f.vocab is not None:
            text = f.vocab.label(str(value), lang)
        elif f.column in ("township_code", "village_code"):  # the name, its code after it
            place = names.township(value) if f.column == "township_code" else names.village(value)
            label = t("col_township" if f.column == "township_code" else "col_village", lang)
            text = f"{place} ({value})" if place else str(value)
        elif f.kind == "codes" and isinstance(value, list | tuple):
            text = "、".join(names.village(v) or str(v) for v in value)
        elif f.kind == "bool":
            text = ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        elif isinstance(value, dt.datetime):
            text = chinatime.text(value)
        else:
            text = str(value)
        out.append((label, text))
    return out

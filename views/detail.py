"""One feature's detail panel: its public fields read fresh (with its version) and shown as labelled text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from layers import REGISTRY
from layers.base import Layer
from views.names import Names


def feature_record(bind: sa.Connection, layer: Layer | str, feature_id: int) -> dict[str, Any] | None:
    """One feature's public fields (with its version), read fresh for the detail panel."""
    spec = layer if isinstance(layer, Layer) else REGISTRY.get(layer)
    table = spec.table
    columns = [table.c.id, *(table.c[f.column] for f in spec.public_fields())]
    row = bind.execute(sa.select(*columns).where(table.c.id == feature_id)).mappings().first()
    return dict(row) if row is not None else None


def record_facts(spec: Layer, record: Mapping[str, Any], names: Names,
                 lang: str) -> list[tuple[str, str]]:
    """(label, text) of a record's public fields, vocabulary codes shown as labels."""
    out = []
    for f in spec.public_fields():
        value = record.get(f.column)
        if value is None or value == "" or value == []:
            continue
        if f.vocab is not None:
            text = f.vocab.label(str(value), lang)
        elif f.column == "township_code":
            text = f"{names.township(value)} ({value})"
        elif f.column == "village_code":
            text = f"{names.village(value)} ({value})"
        elif f.kind == "codes" and isinstance(value, list | tuple):
            text = "、".join(names.village(v) or str(v) for v in value)
        elif f.kind == "bool":
            text = ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        else:
            text = str(value)
        out.append((f.label(lang), text))
    return out

"""Which column of a bureau's file is which field of a layer.

A header is recognised, in this order, by: the user's choice for this file, the bureau's saved
mapping, the field's own names (column, shapefile code, Chinese and English label, so the
tracker's own exports come back without help), the layer's synonyms, the synonyms shared by
every layer, and the roles (coordinates, 乡镇 and 所属乡镇/村 that place a row, 风险类型 …) from
``data/import_synonyms.toml``. A header recognised by none of them is not imported: it is shown
with the closest known name as a proposal, which the user confirms (``--map 列名=字段``).
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from geo.errors import ValidationError
from layers.base import Layer

SYNONYMS_FILE = Path(__file__).resolve().parents[2] / "data" / "import_synonyms.toml"
IGNORE = "-"  # the target of a column the user chose not to import
SYSTEM_FIELDS = ("id", "version", "updated_at", "updated_by")  # the tracker's own bookkeeping
ROLE_LABELS = {
    "lon": ("经度", "longitude"), "lat": ("纬度", "latitude"),
    "x": ("X 坐标（米）", "X (metres)"), "y": ("Y 坐标（米）", "Y (metres)"),
    "township": ("乡镇（名称或代码，用于确定行政村）", "township (name or code, to place villages)"),
    "place": ("所属乡镇/村", "township/village in one column"),
    "risks": ("风险类型（两不愁三保障及饮水）", "risk types (the six risk flags)"),
    "relation": ("与户主关系（只导入户主行）", "relation to the head (head rows only)"),
    IGNORE: ("不导入", "not imported"),
}
_PAREN = re.compile(r"\([^)]*\)$")


@dataclass(frozen=True)
class ColumnChoice:
    """How one column of the file is used: ``target`` is a field column, a role or None."""

    source: str
    target: str | None
    how: str  # chosen, saved, label, synonym, role, system, ignored, duplicate, unknown
    proposal: str | None = None


@cache
def synonyms() -> dict[str, Any]:
    with SYNONYMS_FILE.open("rb") as handle:
        return tomllib.load(handle)


def normalise(text: object) -> str:
    """Header text as compared: NFKC (full-width → half-width), lower case, no spaces, no '*'."""
    value = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"\s+", "", value).lstrip("*").replace("（", "(").replace("）", ")")


def layer_roles(layer: Layer) -> tuple[str, ...]:
    """The roles a layer takes: coordinates (they place points; for lines and areas they are
    recognised and left unused), places, and the register's risks and relations."""
    columns = {f.column for f in layer.fields}
    roles: list[str] = ["lon", "lat", "x", "y"]
    if "village_code" in columns and "township_code" not in columns:
        roles.append("township")
    if "village_code" in columns:
        roles.append("place")
    if layer.name == "households":
        roles += ["risks", "relation"]
    return (*roles, IGNORE)


def target_names(layer: Layer) -> dict[str, list[str]]:
    """Every normalised name by target, most specific first (field names, then synonyms, roles)."""
    data = synonyms()
    own = {f.column: [f.column, f.shp, f.zh, f.en] for f in layer.fields}
    specific = data.get("fields", {}).get(layer.name, {})
    common = data.get("fields", {}).get("common", {})
    names: dict[str, list[str]] = {}
    for field in layer.fields:
        found = [*own[field.column], *specific.get(field.column, []), *common.get(field.column, [])]
        names[field.column] = [normalise(n) for n in found]
    for role in layer_roles(layer):
        names[role] = [normalise(n) for n in data.get("roles", {}).get(
            "ignore" if role == IGNORE else role, [])]
    return names


def _lookup(layer: Layer) -> dict[str, tuple[str, str]]:
    """normalised name → (target, how); earlier (more specific) names win."""
    table: dict[str, tuple[str, str]] = {}
    fields = {f.column: f for f in layer.fields}
    for column in SYSTEM_FIELDS:
        table.setdefault(normalise(column), (IGNORE, "system"))
    for target, names in target_names(layer).items():
        field = fields.get(target)
        labels = {normalise(n) for n in ((field.column, field.shp, field.zh, field.en) if field else ())}
        for name in names:
            how = "label" if name in labels else "role" if target not in fields else "synonym"
            table.setdefault(name, (target, how))
    for field in layer.fields:  # the export's system columns under their labels
        if field.column in SYSTEM_FIELDS:
            for name in (field.zh, field.en, field.shp):
                table[normalise(name)] = (IGNORE, "system")
    return table


def recognise(layer: Layer, headers: list[str], *, chosen: dict[str, str] | None = None,
              saved: dict[str, str] | None = None) -> list[ColumnChoice]:
    """One choice per header; a target taken by an earlier column is not taken twice."""
    table = _lookup(layer)
    valid = set(target_names(layer)) | {IGNORE}
    picks: list[ColumnChoice] = []
    taken: set[str] = set()
    for header in headers:
        pick = _one(header, table, valid, chosen or {}, saved or {})
        if pick.target not in (None, IGNORE) and pick.target in taken:
            pick = ColumnChoice(header, None, "duplicate", pick.target)
        elif pick.target not in (None, IGNORE):
            taken.add(pick.target)
        picks.append(pick)
    return picks


def _one(header: str, table: dict[str, tuple[str, str]], valid: set[str],
         chosen: dict[str, str], saved: dict[str, str]) -> ColumnChoice:
    for how, mapping in (("chosen", chosen), ("saved", saved)):
        if header in mapping and mapping[header] in valid:
            target = mapping[header]
            return ColumnChoice(header, target, "ignored" if target == IGNORE else how)
    key = normalise(header)
    for candidate in (key, _PAREN.sub("", key)):
        if candidate in table:
            target, how = table[candidate]
            return ColumnChoice(header, target, how)
    return ColumnChoice(header, None, "unknown", propose(key, table))


def propose(key: str, table: dict[str, tuple[str, str]]) -> str | None:
    """The target of the closest known name, or of one that the header contains (≥ 2 characters)."""
    close = difflib.get_close_matches(key, list(table), n=1, cutoff=0.6)
    if close and table[close[0]][0] != IGNORE:
        return table[close[0]][0]
    contained = sorted((name for name in table if len(name) >= 2 and name in key), key=len,
                       reverse=True)
    for name in contained:
        if table[name][0] != IGNORE:
            return table[name][0]
    return None


def target_label(layer: Layer, target: str | None, lang: str = "zh") -> str:
    if target is None:
        return "—"
    for field in layer.fields:
        if field.column == target:
            return f"{field.label(lang)} ({target})"
    zh, en = ROLE_LABELS.get(target, (target, target))
    return zh if lang == "zh" else en


def parse_choices(items: list[str] | None, layer: Layer) -> dict[str, str]:
    """``--map 列名=字段`` (field by column, Chinese or English label; ``-`` = not imported)."""
    out: dict[str, str] = {}
    names = {normalise(k): t for t, ks in {f.column: [f.column, f.zh, f.en] for f in layer.fields}
             .items() for k in ks}
    names |= {normalise(role): role for role in layer_roles(layer)}
    for item in items or []:
        source, sep, target = item.rpartition("=")
        if not sep or not source.strip():
            raise ValidationError(f"--map {item!r} is not COLUMN=FIELD; write e.g. --map 桩号=chainage.")
        key = normalise(target)
        if key not in names:
            choices = ", ".join([f.column for f in layer.fields] + list(layer_roles(layer)))
            raise ValidationError(f"--map {item!r}: {target!r} is no field of {layer.name}; "
                                  f"choose one of {choices}.")
        out[source.strip()] = names[key]
    return out

"""Townships and villages named in a bureau's file — by code or by name — turned into codes.

Village names repeat across townships (东关村 …), so a name is looked up within the row's township
when the file has one (a 乡镇 column, or 所属乡镇/村 written as "北舞渡镇沙河湾村"); a name found
in several townships without one is an error that says where. 村/乡/镇 suffixes may be left out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from layers import REGISTRY
from layers.imports.values import Bad

_SPLIT = re.compile(r"[\s/\\|,，、\-—]+")


def _plain(name: str) -> str:
    return str(name).strip().removesuffix("村").removesuffix("镇").removesuffix("乡")


@dataclass
class PlaceIndex:
    township_names: dict[str, str] = field(default_factory=dict)  # code → name
    village_info: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (name, township)
    _towns_by_name: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    _villages_by_name: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, conn: sa.Connection) -> PlaceIndex:
        towns, villages = REGISTRY.get("townships").table, REGISTRY.get("villages").table
        index = cls()
        for code, name in conn.execute(sa.select(towns.c.code, towns.c.name)):
            index.township_names[code] = name
            index._towns_by_name[_plain(name)].append(code)
        for code, name, town in conn.execute(sa.select(villages.c.code, villages.c.name,
                                                       villages.c.township_code)):
            index.village_info[code] = (name, town)
            index._villages_by_name[_plain(name)].append(code)
        return index

    def township(self, value: object) -> str | Bad:
        text = str(value).strip()
        if text in self.township_names:
            return text
        found = self._towns_by_name.get(_plain(text), [])
        if len(found) == 1:
            return found[0]
        return Bad("not a township in the database (import the townships first, or give "
                   "its 9-digit code)")

    def village(self, value: object, township: str | None = None) -> str | Bad:
        text = str(value).strip()
        if text in self.village_info:
            return text
        found = self._villages_by_name.get(_plain(text), [])
        if township:
            found = [c for c in found if self.village_info[c][1] == township]
        if len(found) == 1:
            return found[0]
        if not found:
            where = f" of {self.township_names.get(township or '', township)}" if township else ""
            return Bad(f"not a village{where} in the database (give its 12-digit code or the "
                       "name the villages layer uses)")
        towns = sorted({self.township_names.get(self.village_info[c][1], "?") for c in found})
        return Bad(f"village name found in {len(found)} townships ({', '.join(towns)}); add a "
                   "乡镇 column or give the 12-digit village code")

    def villages(self, values: list[str], township: str | None = None) -> list[str] | Bad:
        codes = []
        for value in values:
            code = self.village(value, township)
            if isinstance(code, Bad):
                return Bad(f"{value}: {code.reason}")
            codes.append(code)
        return codes

    def place(self, value: object) -> tuple[str, str] | Bad:
        """"北舞渡镇沙河湾村", "北舞渡镇/沙河湾村" or "沙河湾村" → (township code, village code)."""
        text = str(value).strip()
        for code, name in sorted(self.township_names.items(), key=lambda kv: -len(kv[1])):
            if text.startswith(name):
                rest = _SPLIT.sub("", text[len(name):])
                village = self.village(rest, code) if rest else Bad("no village after the township")
                return village if isinstance(village, Bad) else (code, village)
        village = self.village(_SPLIT.sub("", text))
        return village if isinstance(village, Bad) else (self.village_info[village][1], village)

"""What the sidebar chose and what the places are called: plain data shared by the map, the
repair list, the progress and household tables and the exports (no folium, no Streamlit here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from layers import REGISTRY
from layers.base import Layer


@dataclass(frozen=True)
class MapFilter:
    """The sidebar filters, shared by the map, the repair list and the exports.

    Empty tuples mean "no filter". Statuses, importance and urgency are stored codes/labels
    (重点/一般, 应急/长远 as the ranking writes them); townships and villages are codes.
    """

    statuses: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    townships: tuple[str, ...] = ()
    villages: tuple[str, ...] = ()
    importance: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    monitored_only: bool = False

    def key(self) -> tuple[Any, ...]:
        """A hashable plain tuple, for st.cache_data arguments."""
        return (self.statuses, self.layers, self.townships, self.villages,
                self.importance, self.urgency, self.monitored_only)

    @classmethod
    def from_key(cls, key: Sequence[Any]) -> MapFilter:
        s, la, tw, vi, im, ur, mo = key
        return cls(tuple(s), tuple(la), tuple(tw), tuple(vi), tuple(im), tuple(ur), bool(mo))

    @property
    def needs_queue(self) -> bool:
        return bool(self.importance or self.urgency or self.monitored_only)

    def asset_layers(self) -> list[Layer]:
        chosen = set(self.layers)
        return [la for la in REGISTRY.repairable() if not chosen or la.name in chosen]

    @property
    def shows_households(self) -> bool:
        return not self.layers or "households" in self.layers


@dataclass
class Names:
    """code → name of townships and villages, for popups and tables."""

    townships: dict[str, str] = field(default_factory=dict)
    villages: dict[str, str] = field(default_factory=dict)
    village_township: dict[str, str] = field(default_factory=dict)

    def township(self, code: object) -> str:
        return self.townships.get(str(code), "") if code else ""

    def village(self, code: object) -> str:
        return self.villages.get(str(code), "") if code else ""

"""What the places are called and where their seats are: code → name lookups for popups and tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from layers.places import township_choices, village_choices
from layers.store import read_layer


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


def load_names(bind: sa.Connection) -> Names:
    names = Names()
    names.townships = dict(township_choices(bind))
    for code, name, township in village_choices(bind):
        names.villages[code] = name
        names.village_township[code] = township
    return names


def township_seats(bind: sa.Connection) -> dict[str, tuple[float, float]]:
    """code → (lat, lon) of each township seat, for centring the map."""
    towns = read_layer(bind, "townships")
    return {
        str(r["code"]): (float(r["seat_lat"]), float(r["seat_lon"]))
        for r in towns.to_dict("records")
        if r.get("seat_lat") is not None and r.get("seat_lon") is not None
    }

"""The one filter: what the user chose, in stored codes, shared by the map, the repair list, the
ranking, the progress and household tables and every export.

A ``Filter`` holds codes only; :func:`parse_filter` turns what a person typed (Chinese or English
labels, names, codes, comma-separated text) into one, and refuses an unknown value with a sentence
listing the choices. Empty tuples mean "no filter".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geo.db.engine import Bind, connection
from geo.errors import UnknownChoiceError, ValidationError
from layers import REGISTRY
from layers.base import Layer
from layers.places import township_codes, village_codes
from layers.vocabularies import STATUS

IMPORTANCE = ("重点", "一般")  # as the ranking writes them
URGENCY = ("应急", "长远")
HOUSEHOLDS = "households"


@dataclass(frozen=True)
class Filter:
    """The sidebar's (or the command line's) choice. Hashable, so it can key a cache.

    ``layers``: table names; empty = every layer the consumer shows (the map: every repairable
    layer and the households; an export: every layer). ``importance``/``urgency``/``monitored_only``
    are the ranking's tiers. ``ids``: (layer, feature ids) pairs limiting those layers to exactly
    these features (e.g. "export what the map shows"); a layer not named is not limited by id.
    """

    layers: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    townships: tuple[str, ...] = ()
    villages: tuple[str, ...] = ()
    importance: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    monitored_only: bool = False
    ids: tuple[tuple[str, tuple[int, ...]], ...] = ()

    @property
    def needs_queue(self) -> bool:
        """True when the filter depends on the ranking (a tier was chosen)."""
        return bool(self.importance or self.urgency or self.monitored_only)

    @property
    def is_empty(self) -> bool:
        return self == Filter()

    def asset_layers(self) -> list[Layer]:
        """The repairable layers this filter shows (all of them when no layer was chosen)."""
        chosen = set(self.layers)
        return [la for la in REGISTRY.repairable() if not chosen or la.name in chosen]

    def export_layers(self) -> list[Layer]:
        """The layers an export writes (every layer when none was chosen), in registry order."""
        chosen = set(self.layers)
        return [la for la in REGISTRY if not chosen or la.name in chosen]

    @property
    def shows_households(self) -> bool:
        return not self.layers or HOUSEHOLDS in self.layers

    def ids_for(self, layer: str) -> tuple[int, ...] | None:
        """The only ids wanted of ``layer``, or None when it is not limited by id."""
        return dict(self.ids).get(layer)

    def with_ids(self, ids: Mapping[str, Sequence[int]]) -> Filter:
        """The same filter limited to these features per layer (the map's shown set)."""
        pairs = tuple((REGISTRY.get(name).name, tuple(int(i) for i in wanted))
                      for name, wanted in ids.items())
        return Filter(self.layers, self.statuses, self.townships, self.villages, self.importance,
                      self.urgency, self.monitored_only, pairs)

    def key(self) -> tuple[Any, ...]:
        """A plain tuple of this filter, for st.cache_data arguments."""
        return (self.layers, self.statuses, self.townships, self.villages, self.importance,
                self.urgency, self.monitored_only, self.ids)

    @classmethod
    def from_key(cls, key: Sequence[Any]) -> Filter:
        la, st, tw, vi, im, ur, mo, ids = key
        return cls(tuple(la), tuple(st), tuple(tw), tuple(vi), tuple(im), tuple(ur), bool(mo),
                   tuple((str(n), tuple(i)) for n, i in ids))


Text = str | Sequence[str] | None


def parse_filter(bind: Bind, *, layers: Text = None, statuses: Text = None,
                 townships: Text = None, villages: Text = None, importance: Text = None,
                 urgency: Text = None, monitored_only: bool = False) -> Filter:
    """A Filter from what a person typed: labels, names or codes; "all" or nothing = every layer.

    An unknown value is a ``TrackerError`` naming it and listing the valid choices.
    """
    conn = connection(bind)
    layer_items = [i for i in items(layers) if i.lower() != "all"]
    chosen = tuple(dict.fromkeys(REGISTRY.get(i).name for i in layer_items))
    status_codes = tuple(STATUS.codes_for(items(statuses)))
    town_items, village_items = items(townships), items(villages)
    return Filter(
        layers=chosen,
        statuses=status_codes,
        townships=tuple(township_codes(conn, town_items)) if town_items else (),
        villages=tuple(village_codes(conn, village_items)) if village_items else (),
        importance=_tiers("importance", items(importance), IMPORTANCE),
        urgency=_tiers("urgency", items(urgency), URGENCY),
        monitored_only=monitored_only,
    )


def check_statuses_apply(chosen: Filter, layers: Sequence[Layer]) -> None:
    """A status filter on layers that carry no status is a mistake, not an empty result."""
    if chosen.statuses and not any(layer.repairable for layer in layers):
        names = ", ".join(layer.name for layer in layers)
        raise ValidationError(
            f"{names} carry no repair status; leave the status filter out or add a repairable layer."
        )


def _tiers(what: str, values: list[str], valid: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if value not in valid:
            raise UnknownChoiceError(what, value, list(valid))
    return tuple(values)


def items(values: Text) -> list[str]:
    """``"a, b"`` or ``["a", "b"]`` → ``["a", "b"]`` (blanks dropped)."""
    if not values:
        return []
    raw = values.split(",") if isinstance(values, str) else [str(v) for v in values]
    return [v.strip() for v in raw if v.strip()]

"""One module per layer, all sharing the contract in ``layers.base``; ``REGISTRY`` lists them.

Adding a layer = one new module here + one Alembic migration.
"""

from __future__ import annotations

from collections.abc import Iterator

from geo.errors import UnknownChoiceError
from layers import (
    clinics,
    county,
    flood,
    households,
    power,
    pv,
    roads,
    schools,
    telecom,
    townships,
    villages,
    water,
)
from layers.base import Base, Layer
from layers.imports import log as _import_log  # noqa: F401  (its tables belong to the schema)


class Registry:
    """The ordered list of layers (drawing order: frame, hazard, infrastructure, people)."""

    def __init__(self, layers: list[Layer]) -> None:
        self._layers = tuple(layers)
        self._by_key: dict[str, Layer] = {}
        for layer in self._layers:
            for key in (layer.name, layer.zh, layer.en.lower()):
                self._by_key[key] = layer

    def __iter__(self) -> Iterator[Layer]:
        return iter(self._layers)

    def __len__(self) -> int:
        return len(self._layers)

    @property
    def names(self) -> list[str]:
        return [layer.name for layer in self._layers]

    def get(self, key: str) -> Layer:
        """A layer by table name, Chinese or English label."""
        text = str(key).strip()
        found = self._by_key.get(text) or self._by_key.get(text.lower())
        if found is None:
            raise UnknownChoiceError("layer", key, [f"{la.name} ({la.zh})" for la in self])
        return found

    def repairable(self) -> list[Layer]:
        return [layer for layer in self._layers if layer.repairable]


REGISTRY = Registry([
    county.LAYER,
    townships.LAYER,
    villages.LAYER,
    flood.LAYER,
    roads.LAYER,
    water.LAYER,
    power.LAYER,
    pv.LAYER,
    telecom.LAYER,
    schools.LAYER,
    clinics.LAYER,
    households.LAYER,
])

# Tables that are no map layer (accounts, history, audit logs, the county office's 重点/一般
# decisions, the problem ledger): imported after REGISTRY (they use the filter and the store, or
# check assets against the registry) so that ``metadata`` (migrations, the drift test) holds them
# — and so the ledger is always listening to status changes (layers.store).
from layers import accounts, audit, history, ledger, overrides  # noqa: E402

metadata = Base.metadata

__all__ = ["REGISTRY", "Base", "Layer", "Registry", "accounts", "audit", "history", "ledger",
           "metadata", "overrides"]

"""Find the layer registry without importing ``layers`` (imports point layers → geo, never back).

The registry is published through the ``tracker.registry`` entry point in pyproject.toml.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Any

from geo.errors import ConfigError


@cache
def load_registry() -> Any:
    found = entry_points(group="tracker.registry")
    if not found:
        raise ConfigError(
            "no layer registry is installed; run 'make install' (pip install -e .) in the project."
        )
    return next(iter(found)).load()

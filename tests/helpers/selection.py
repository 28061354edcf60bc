"""Comparing selection views (views/selection_view.py) in tests."""

from __future__ import annotations

from typing import Any


def content(data: dict[str, Any]) -> dict[str, Any]:
    """A view's data but its token (new for every build and patch, by design)."""
    return {key: value for key, value in data.items() if key != "token"}

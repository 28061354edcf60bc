"""The map component, drawn once per distinct map and shared by every session that shows it.

``st_folium`` renders the folium map to HTML and JavaScript on every run of the page (≈ 0.4 s of
the server's CPU for the demo county, under the GIL: the largest part of a map run). What it hands
to its component is a few strings — the same for everyone who sees the same filtered set in the
same language. ``show`` lets st_folium build those arguments once, keeps them in the tracker's
own cache (``pages.common.MAPS``) and hands them to the component on later runs; only the view
(centre, zoom) is passed fresh. A new map object is built for every computation (folium changes
the objects it renders), so nothing mutable is shared, only the finished strings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import folium
import streamlit_folium
from streamlit_folium import st_folium

from views.shared_cache import SharedCache

Drawing = tuple[folium.Map, list[folium.FeatureGroup], folium.LayerControl]

_capture = threading.local()  # per thread: Streamlit runs each session's script in its own


def _component(**kwargs: Any) -> Any:
    """st_folium's last step: in a capture (``_arguments``) keep its arguments instead of drawing."""
    if getattr(_capture, "on", False):
        _capture.arguments = kwargs
        return None
    return _COMPONENT(**kwargs)


# st_folium calls its module's component function by name; ours passes through unless capturing
_COMPONENT: Callable[..., Any] = getattr(streamlit_folium._component_func, "real",
                                         streamlit_folium._component_func)
_component.real = _COMPONENT  # type: ignore[attr-defined]  # a re-import finds the original
streamlit_folium._component_func = _component


def _arguments(drawing: Drawing, key: str, height: int, returned: Sequence[str]) -> dict[str, Any]:
    """What st_folium would hand its component for this drawing (rendered once, here)."""
    base, groups, control = drawing
    _capture.on = True
    try:
        st_folium(base, key=key, height=height, use_container_width=True,
                  feature_group_to_add=groups, layer_control=control,
                  returned_objects=list(returned))
        arguments: dict[str, Any] = _capture.arguments
    finally:
        _capture.on = False
        _capture.arguments = None
    return arguments


def show(cache: SharedCache, inputs: Hashable, draw: Callable[[], Drawing], *, key: str,
         height: int, returned: Sequence[str], center: tuple[float, float], zoom: float) -> Any:
    """The map of ``draw()`` as st_folium shows it, its arguments cached under ``inputs`` —
    which must name everything ``draw`` depends on (the data's token, language, the view the
    base map opens on, the highlight); ``center``/``zoom`` move the map without a redraw."""
    arguments = cache.get("map", (inputs, key, height, tuple(returned)),
                          lambda: _arguments(draw(), key, height, returned))
    return _COMPONENT(**{**arguments, "center": center, "zoom": zoom})

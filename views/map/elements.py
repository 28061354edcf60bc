"""folium elements that carry data as data: their output never reaches a template compiler.

branca renders every element's ``header``/``html``/``script`` macro once — with the data as
variables, which is safe — and then wraps the resulting text in ``branca.element.Element(text)``.
That constructor takes a *template source*: the text is compiled by Jinja and rendered a second
time when the page is rendered (``Figure.render``, which st_folium calls too). Any data inside
that text — a village named ``{{ 7*7 }}`` inside a layer's GeoJSON — would be executed on the
server, and ``{% raw %}`` or an unbalanced ``{{`` would break the page for every user.

``DataElement`` hands its rendered text to the page as ``Verbatim`` instead: an element whose
``render`` returns the text unchanged, with no template at all. Every element of the map that
holds database text (``DataGeoJson``, the township ``NameLabels``) is a DataElement; the other
elements (tiles, feature groups, layer control, tooltips' field lists) carry our own labels only.
"""

from __future__ import annotations

from typing import Any

import branca.element
import folium


class Verbatim(branca.element.Element):  # type: ignore[misc]
    """Text that goes into the page exactly as it is (no Jinja template is made of it)."""

    def __init__(self, text: str) -> None:
        super().__init__()  # an empty template: the text below is never compiled
        self._name = "Verbatim"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class DataElement(branca.element.MacroElement):  # type: ignore[misc]
    """A MacroElement whose rendered macros reach the page as ``Verbatim`` text.

    This replaces ``MacroElement.render`` (same order: own parts, then the children); subclasses
    of folium classes list DataElement after the folium class, so folium's own ``render`` steps
    run first and end here.
    """

    def render(self, **kwargs: Any) -> str:
        figure = self.get_root()
        if not isinstance(figure, branca.element.Figure):
            raise TypeError("a map element can only be rendered inside a folium Figure")
        module = self._template.module
        for part in ("header", "html", "script"):
            macro = getattr(module, part, None)
            if macro is not None:
                getattr(figure, part).add_child(Verbatim(macro(self, kwargs)),
                                                name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)
        return ""  # the parts went to the page above; nothing to put where it stands


class DataGeoJson(folium.GeoJson, DataElement):  # type: ignore[misc]
    """folium's GeoJson layer, its features (database text) embedded as JSON and never compiled."""

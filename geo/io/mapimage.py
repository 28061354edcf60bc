"""A static map picture (PNG) drawn offline with matplotlib: for printed reports.

Generic: it takes GeoDataFrames with their drawing style and knows no layer. Drawn in EPSG:4547
(metres, so the county is not squashed), without any basemap tiles.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd

from geo.crs import METRIC_EPSG
from geo.io.fonts import cjk_family


@dataclass
class MapLayer:
    """One thing to draw: features and how (matplotlib keywords), with a legend label."""

    frame: gpd.GeoDataFrame
    style: dict[str, object] = field(default_factory=dict)
    label: str = ""
    labels_column: str | None = None  # write this column's text at each feature (e.g. names)


def render_png(layers: Sequence[MapLayer], title: str, *, width_in: float = 7.5,
               height_in: float = 7.5, dpi: int = 150) -> bytes:
    """The layers drawn in order (first at the bottom) as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    family = cjk_family()
    fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=dpi)
    try:
        handles = []
        for layer in layers:
            if layer.frame.empty:
                continue
            frame = layer.frame.to_crs(METRIC_EPSG)
            frame.plot(ax=ax, **layer.style)  # type: ignore[arg-type]
            if layer.label:
                handles.append(_handle(layer))
            if layer.labels_column:
                _write_labels(ax, frame, layer.labels_column, family)
        ax.set_axis_off()
        ax.set_aspect("equal")
        ax.set_title(title, fontfamily=family, fontsize=13)
        if handles:
            ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=True,
                      prop={"family": family, "size": 7})
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
    finally:
        plt.close(fig)
    return buffer.getvalue()


def _handle(layer: MapLayer) -> object:
    from matplotlib.lines import Line2D

    color = layer.style.get("color") or layer.style.get("edgecolor") or "#444444"
    marker = "o" if layer.frame.geometry.geom_type.isin(["Point", "MultiPoint"]).any() else None
    return Line2D([0], [0], color=str(color), marker=marker, linestyle="none" if marker else "-",
                  label=layer.label)


def _write_labels(ax: object, frame: gpd.GeoDataFrame, column: str, family: str) -> None:
    for geom, text in zip(frame.geometry, frame[column], strict=True):
        point = geom.representative_point()
        ax.annotate(str(text), (point.x, point.y), ha="center", va="center", fontsize=6,  # type: ignore[attr-defined]
                    fontfamily=family, color="#333333")

"""The legend beside the map: what each colour and line style of ``views.map.render`` means, in
the user's language. Only our own labels, never data values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layers import REGISTRY
from layers.vocabularies import STATUS
from views.i18n import t
from views.map.geojson import (
    DEPTH_COLORS,
    MONITORED_OUTLINE,
    RISK_COLORS,
    SHARE_COLORS,
    STATUS_COLORS,
    UNDAMAGED_COLOR,
    esc,
)
from views.map.render import BUBBLE_OPACITY

LINE_LEGEND_COLOR = "#555555"  # the legend shows a line layer's style; its colour is the status
LegendItem = tuple[str, str, str]  # label, colour, shape (line/thin/dash/ring/dot/bubble/box/title)


def legend_items(lang: str, households: str = "each") -> list[LegendItem]:
    """(label, colour, shape) rows for the legend beside the map, matching ``render._style``.

    ``households`` says how the households layer is drawn: ``each`` (one dot per household),
    ``totals`` (circles per village) or ``none`` (not shown)."""
    items: list[LegendItem] = [(t("legend_repairs", lang), "", "title")]
    items += [(STATUS.label(code, lang), color, "line") for code, color in STATUS_COLORS.items()]
    items.append((t("undamaged", lang), UNDAMAGED_COLOR, "thin"))
    items.append((t("legend_lines", lang), "", "title"))  # the line layers, told apart by style
    items += [(layer.label(lang), LINE_LEGEND_COLOR, "dash" if layer.style.dash else "line")
              for layer in REGISTRY.repairable() if layer.style.kind == "line"]
    items.append((t("legend_facilities", lang), "", "title"))
    for layer in REGISTRY.repairable():
        if layer.style.kind == "point":
            items.append((layer.label(lang), layer.style.color, "ring"))
    if households == "each":
        items.append((REGISTRY.get("households").label(lang), "", "title"))
        labels = ("households_ok_legend", "households_one_risk_legend",
                  "households_at_risk_legend")
        items += [(t(key, lang), color, "dot")
                  for key, (_, color) in zip(labels, RISK_COLORS, strict=True)]
        items.append((t("households_monitored_legend", lang), MONITORED_OUTLINE, "ring"))
    elif households == "totals":
        items.append((t("legend_totals", lang), "", "title"))
        items += [(label, color, "bubble") for label, color in share_classes(lang)]
    items.append((t("legend_frame", lang), "", "title"))
    flood = REGISTRY.get("flood_extent").field("depth_class").vocab
    for code, color in DEPTH_COLORS.items():
        items.append((f"{REGISTRY.get('flood_extent').label(lang)} "
                      f"{flood.label(code, lang) if flood else code}", color, "box"))
    items += [(REGISTRY.get("county").label(lang), REGISTRY.get("county").style.color, "line"),
              (REGISTRY.get("townships").label(lang), REGISTRY.get("townships").style.color,
               "dash"),
              (REGISTRY.get("villages").label(lang), REGISTRY.get("villages").style.color,
               "thin")]
    return items


def share_classes(lang: str) -> list[tuple[str, str]]:
    """Legend labels of ``SHARE_COLORS``: none, then percentage ranges of at-risk households."""
    out = [(t("share_none", lang), SHARE_COLORS[0][1])]
    limits = [limit for limit, _ in SHARE_COLORS[1:]]
    for i, (limit, color) in enumerate(SHARE_COLORS[1:]):
        upper = limits[i + 1] if i + 1 < len(limits) else None
        low = f"{limit:.0%}" if limit >= 0.01 else ">0"
        text = f"{low}–{upper:.0%}" if upper is not None else f"≥{limit:.0%}"
        out.append((t("share_range", lang, range=text), color))
    return out


def _legend_mark(color: str, shape: str) -> str:
    box = "display:inline-block;vertical-align:middle;"
    if shape in ("line", "thin", "dash"):
        height = {"line": 4, "thin": 1}.get(shape, 2)
        border = f"border-top:2px dashed {color}" if shape == "dash" else f"background:{color}"
        return f"<span style='{box}width:18px;height:{height}px;{border}'></span>"
    if shape == "ring":
        return (f"<span style='{box}width:10px;height:10px;border-radius:50%;"
                f"border:2px solid {color}'></span>")
    if shape == "dot":
        return (f"<span style='{box}width:8px;height:8px;border-radius:50%;"
                f"background:{color}'></span>")
    if shape == "bubble":
        return (f"<span style='{box}width:12px;height:12px;border-radius:50%;"
                f"background:{color};opacity:{BUBBLE_OPACITY + 0.2:.2f};"
                "border:1px solid #fff'></span>")
    return f"<span style='{box}width:14px;height:10px;background:{color};opacity:0.7'></span>"


def legend_html(lang: str, households: str = "each") -> str:
    """Static legend markup: only our own labels, no data values."""
    parts = []
    for label, color, shape in legend_items(lang, households):
        if shape == "title":
            parts.append(f"<div style='font-size:0.8em;color:#666;margin-top:0.4em'>"
                         f"{esc(label)}</div>")
        else:
            parts.append(f"<div style='font-size:0.85em'>{_legend_mark(color, shape)} "
                         f"{esc(label)}</div>")
    return "".join(parts)


def households_mode(collections: Mapping[str, dict[str, Any]]) -> str:
    """How the households layer is drawn, for the legend: each, totals or none."""
    data = collections.get("households")
    if data is None:
        return "none"
    return "totals" if data.get("aggregated") else "each"

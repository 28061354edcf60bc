"""Find a place or an asset from what a user types: a township or village (name or code), an
asset's code or name, a road's route code (X003) or route and chainage (X003 K12+300).

Matches are ranked: exact code, a chainage on a route, exact name, name prefix, then a name or code
containing the text. Each hit carries its bounds so the map can zoom there and its (layer, id) so
the detail panel can open it. Households are not searched: their names are personal data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on

from geo.db.engine import Bind, connection
from layers import REGISTRY
from layers.base import Layer
from views.map.geojson import esc
from views.names import Names

MIN_CHARS = 1  # one Chinese character is already a useful query (e.g. 侯)
CHAINAGE = re.compile(r"^(?:(?P<route>[GSXYCZ]\d{3})\s*)?K(?P<km>\d+)\s*\+\s*(?P<m>\d{1,3})$",
                      re.IGNORECASE)
SCORE = {"code": 100, "chainage": 95, "name": 90, "prefix": 70, "contains": 50}
PLACES = ("townships", "villages")
BBox = tuple[float, float, float, float]
FOUND_COLOR = "#ffd400"  # the found feature's outline: yellow, unlike any status colour
T = TypeVar("T")


@dataclass(frozen=True)
class Hit:
    """One search result: which feature, how it is shown, where it is, how well it matched."""

    layer: str
    id: int
    code: str
    name: str
    township_code: str | None
    bounds: BBox | None  # None: the feature has no geometry yet
    score: int

    @property
    def fid(self) -> str:
        """The map's feature reference (``views.map.geojson.fid``)."""
        return f"{self.layer}:{self.id}"


def search(bind: Bind, text: str, *, limit: int = 10,
           townships: tuple[str, ...] = ()) -> list[Hit]:
    """The best ``limit`` hits for ``text``, best first; ``townships``: only within these codes
    (a township user's scope). Nothing for an empty query."""
    query = " ".join(text.split())
    if len(query) < MIN_CHARS:
        return []
    conn = connection(bind)
    hits: list[Hit] = []
    chainage = CHAINAGE.match(query)
    if chainage:
        hits += _chainage_hits(conn, chainage, townships)
    for layer in _searchable():
        hits += _layer_hits(conn, layer, query, townships, limit)
    best: dict[str, Hit] = {}
    for hit in hits:  # a feature found two ways keeps its best score
        if hit.fid not in best or hit.score > best[hit.fid].score:
            best[hit.fid] = hit
    order = {name: i for i, name in enumerate(REGISTRY.names)}
    ranked = sorted(best.values(), key=lambda h: (-h.score, order[h.layer], h.code))
    return ranked[:limit]


def _searchable() -> list[Layer]:
    return [REGISTRY.get(name) for name in PLACES] + REGISTRY.repairable()


def _like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (its own % and _ match themselves)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _township_column(layer: Layer) -> sa.ColumnElement[str] | None:
    table = layer.table
    if layer.name == "townships":
        return table.c.code  # type: ignore[no-any-return]
    if "township_code" in table.c:
        return table.c.township_code  # type: ignore[no-any-return]
    return None


def _score(layer: Layer, text: str) -> sa.ColumnElement[int]:
    table = layer.table
    pattern = _like(text)
    cases = [
        (sa.func.lower(table.c.code) == text.lower(), SCORE["code"]),
        (table.c.name == text, SCORE["name"]),
        (table.c.name.like(pattern + "%", escape="\\"), SCORE["prefix"]),
    ]
    if "route_code" in table.c:
        cases.append((sa.func.lower(table.c.route_code) == text.lower(), SCORE["prefix"]))
    return sa.case(*cases, else_=SCORE["contains"])


def _matches(layer: Layer, text: str) -> sa.ColumnElement[bool]:
    table = layer.table
    contains = "%" + _like(text) + "%"
    found = [table.c.name.like(contains, escape="\\"), table.c.code.ilike(contains, escape="\\")]
    if "route_code" in table.c:
        found.append(table.c.route_code.ilike(contains, escape="\\"))
    return sa.or_(*found)


def _layer_hits(conn: sa.Connection, layer: Layer, text: str, townships: tuple[str, ...],
                limit: int) -> list[Hit]:
    table = layer.table
    score = _score(layer, text).label("score")
    township = _township_column(layer)
    query = sa.select(table.c.id, table.c.code, table.c.name,
                      (township if township is not None else sa.null()).label("township_code"),
                      *_bounds(table), score).where(_matches(layer, text))
    if townships:
        if township is None:
            return []
        query = query.where(township.in_(townships))
    query = query.order_by(score.desc(), table.c.code).limit(limit)
    return [_hit(layer.name, row) for row in conn.execute(query)]


def _chainage_hits(conn: sa.Connection, match: re.Match[str],
                   townships: tuple[str, ...]) -> list[Hit]:
    """The road segment holding a chainage: the last segment of the route starting at or before
    it (segments carry their start chainage, K12+300 = 12,300 m along the route)."""
    roads = REGISTRY.get("roads").table
    wanted = int(match["km"]) * 1000 + int(match["m"])
    start = _chainage_metres(roads.c.chainage)
    query = sa.select(roads.c.id, roads.c.code, roads.c.name,
                      roads.c.township_code, *_bounds(roads),
                      sa.literal(SCORE["chainage"]).label("score"),
                      roads.c.route_code).where(start <= wanted, roads.c.chainage.is_not(None))
    if match["route"]:
        query = query.where(sa.func.upper(roads.c.route_code) == match["route"].upper())
    if townships:
        query = query.where(roads.c.township_code.in_(townships))
    # per route, the segment with the greatest start at or before the wanted chainage
    query = query.ext(distinct_on(roads.c.route_code)).order_by(roads.c.route_code, start.desc())
    return [_hit("roads", row) for row in conn.execute(query)]


def _chainage_metres(column: sa.ColumnElement[str]) -> sa.ColumnElement[int]:
    """'K12+300' → 12300 in SQL; anything else → NULL (never matches)."""
    km = sa.func.substring(column, r"^[Kk](\d+)\+\d+$")
    metres = sa.func.substring(column, r"^[Kk]\d+\+(\d+)$")
    return sa.cast(km, sa.Integer) * 1000 + sa.cast(metres, sa.Integer)


def _bounds(table: sa.Table) -> list[sa.ColumnElement[float]]:
    geom = table.c.geom
    return [sa.func.ST_XMin(geom).label("west"), sa.func.ST_YMin(geom).label("south"),
            sa.func.ST_XMax(geom).label("east"), sa.func.ST_YMax(geom).label("north")]


def _hit(layer: str, row: sa.Row) -> Hit:  # type: ignore[type-arg]
    bounds = None if row.west is None else (float(row.west), float(row.south), float(row.east),
                                            float(row.north))
    return Hit(layer, int(row.id), str(row.code), str(row.name),
               str(row.township_code) if row.township_code is not None else None,
               bounds, int(row.score))


# --- what the pages do with hits -----------------------------------------------------------------
def hit_label(hit: Hit, names: Names, lang: str) -> str:
    """One line naming a hit for a list: layer, name, code and township (plain text)."""
    layer = REGISTRY.get(hit.layer).label(lang)
    town = names.township(hit.township_code) if hit.layer != "townships" else ""
    where = f" · {town}" if town else ""
    if lang == "zh":
        return f"{layer}：{hit.name}（{hit.code}）{where}"
    return f"{layer}: {hit.name} ({hit.code}){where}"  # English punctuation around our words


def highlight(hit: Hit) -> dict[str, Any]:
    """A GeoJSON outline of the hit's extent (a point for a point), drawn over the map so the
    found feature stands out; its only text is the escaped name, as every map property."""
    if hit.bounds is None:
        return {"type": "FeatureCollection", "features": []}
    west, south, east, north = hit.bounds
    if east - west < 1e-9 and north - south < 1e-9:
        geometry: dict[str, Any] = {"type": "Point", "coordinates": [west, south]}
    else:
        geometry = {"type": "Polygon", "coordinates": [[[west, south], [east, south],
                                                        [east, north], [west, north],
                                                        [west, south]]]}
    props = {"layer": "found", "color": FOUND_COLOR, "fill": FOUND_COLOR, "radius": 12,
             "tip": esc(hit.name), "fid": hit.fid}
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": geometry, "properties": props}]}


def queue_hits(rows: Sequence[T], hits: Sequence[Hit], text: str, names: Names) -> list[T]:
    """The repair-list rows the search finds: a found asset itself, every task in a found
    township, a task whose reason names a found village, or whose name/reason holds the text."""
    assets = {(h.layer, h.id) for h in hits if h.layer not in PLACES}
    towns = {h.code for h in hits if h.layer == "townships"}
    villages = [names.village(h.code) or h.name for h in hits if h.layer == "villages"]
    query = " ".join(text.split())

    def found(row: Any) -> bool:
        reason = str(row.reason)
        return ((row.layer, row.id) in assets or row.township_code in towns
                or any(v and v in reason for v in villages)
                or query in str(row.name) or query in reason)

    return [row for row in rows if found(row)]

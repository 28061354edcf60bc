"""Read the database into the ranking core's inputs, driven by the layer registry it is handed.

geo/ never imports layers/: the registry (``geo.registry.load_registry()`` in the CLI, ``REGISTRY``
in layers/ranking.py) is used duck-typed — ``repairable()``, ``get(name)``, and per layer ``name``,
``zh``, ``rank`` (the RankProfile), ``table`` (the SQLAlchemy table) and ``fields``. Every
repairable layer is read the same way from its profile; only the people and places layers
(villages, households, townships) are named. One SELECT per table, no per-asset queries.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import shapely
import sqlalchemy as sa

from geo.errors import UnknownChoiceError
from geo.rank import LayerInfo, RankInputs, RankResult, rank, select
from geo.rank_rules import Known, Rules, load_rules

PEOPLE_LAYERS = ("villages", "households", "townships")


def layer_info(layer: Any) -> LayerInfo:
    profile = layer.rank
    lifeline = profile.lifeline if isinstance(profile.lifeline, bool) else tuple(profile.lifeline)
    return LayerInfo(name=layer.name, zh=layer.zh, exposure=profile.exposure, use=profile.use,
                     use_column=profile.use_column, lifeline=lifeline,
                     lifeline_column=profile.lifeline_column, tasks=tuple(profile.tasks))


def _vocab(registry: Any, layer: str, column: str) -> Any:
    return registry.get(layer).field(column).vocab


def known_codes(registry: Any) -> Known:
    """What the rules file may name, read from the registry's vocabularies and fields."""
    first = registry.repairable()[0]
    households = registry.get("households")
    return Known(
        categories=tuple(_vocab(registry, "households", "category").codes),
        risk_flags=tuple(f.column for f in households.fields if f.column.startswith("risk_")),
        statuses=tuple(first.field("status").vocab.codes),
        layers=tuple(la.name for la in registry.repairable()),
    )


def vocab_labels(registry: Any) -> dict[str, dict[str, str]]:
    """Chinese labels of status, severity and filing codes (filing: from any layer having it)."""
    first = registry.repairable()[0]
    labels = {name: {t.code: t.zh for t in first.field(name).vocab}
              for name in ("status", "severity")}
    for layer in registry.repairable():
        for f in layer.fields:
            if f.column == "filing" and f.vocab is not None:
                labels["filing"] = {t.code: t.zh for t in f.vocab}
    return labels


def load_registry_rules(registry: Any, path: str | None = None) -> Rules:
    return load_rules(path, known_codes(registry))


def read_inputs(conn: Any, registry: Any) -> RankInputs:
    """Everything the ranking needs, in one SELECT per table (``conn``: Connection or Session)."""
    villages = registry.get("villages").table
    households = registry.get("households").table
    townships = registry.get("townships").table
    centre = sa.func.coalesce(villages.c.centre, sa.func.ST_PointOnSurface(villages.c.geom))
    vil = _frame(conn, sa.select(
        villages.c.code, villages.c.name, villages.c.township_code, villages.c.severely_hit,
        villages.c.households, sa.func.ST_X(centre).label("lon"), sa.func.ST_Y(centre).label("lat"),
    ))
    risk = [c for c in households.c if c.name.startswith("risk_")]
    hh = _frame(conn, sa.select(
        households.c.code, households.c.village_code, households.c.category, *risk,
        sa.func.ST_X(households.c.geom).label("lon"), sa.func.ST_Y(households.c.geom).label("lat"),
    ))
    twp = _frame(conn, sa.select(townships.c.code, townships.c.name, townships.c.seat_lon,
                                 townships.c.seat_lat))
    layers = [(layer_info(layer), read_assets(conn, layer)) for layer in registry.repairable()]
    return RankInputs(vil, hh, twp, layers, vocab_labels(registry))


def read_assets(conn: Any, layer: Any) -> pd.DataFrame:
    """Every feature of a repairable layer (damaged or not: the road graph and feeder trees need
    them all), with ``geom`` as shapely geometries."""
    table = layer.table
    columns = [c for c in table.c if c.name != "geom"]
    frame = _frame(conn, sa.select(*columns, sa.func.ST_AsBinary(table.c.geom).label("wkb")))
    wkb = [bytes(b) if b is not None else None for b in frame.pop("wkb")]
    frame["geom"] = shapely.from_wkb(wkb) if wkb else []
    return frame


def _frame(conn: Any, statement: Any) -> pd.DataFrame:
    result = conn.execute(statement)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def rank_from_db(conn: Any, registry: Any, *, township: str | list[str] | None = None,
                 layer: str | list[str] | None = None, status: str | list[str] | None = None,
                 rules: Rules | str | None = None) -> RankResult:
    """Rank the whole county, then keep the rows asked for (rank renumbered, county_rank kept).

    ``layer`` and ``status`` accept codes or Chinese/English labels, comma-separated or a list.
    """
    chosen = rules if isinstance(rules, Rules) else load_registry_rules(registry, rules)
    layers = [registry.get(x).name for x in _items(layer)]
    statuses = registry.repairable()[0].field("status").vocab.codes_for(status)
    inputs = read_inputs(conn, registry)
    townships = _items(township)
    valid = set(inputs.townships["code"].astype(str)) | set(inputs.townships["name"].astype(str))
    for item in townships:
        if item not in valid:
            raise UnknownChoiceError("township", item, sorted(inputs.townships["name"].astype(str)))
    return select(rank(inputs, chosen), townships=townships or None, layers=layers or None,
                  statuses=statuses or None)


def _items(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [s.strip() for s in items if s.strip()]


def inputs_from_frames(tables: dict[str, pd.DataFrame], registry: Any) -> RankInputs:
    """The same inputs from in-memory tables (e.g. geo.demo.generate): table name → GeoDataFrame
    in EPSG:4490 with the table's columns; ids are numbered 1.. where a table has none."""
    vil = pd.DataFrame(tables["villages"]).copy()
    centre = [c if c is not None and not c.is_empty else g.point_on_surface()
              for c, g in zip(vil["centre"], vil["geom"], strict=True)]
    vil["lon"], vil["lat"] = shapely.get_x(centre), shapely.get_y(centre)
    hh = pd.DataFrame(tables["households"]).copy()
    hh["lon"], hh["lat"] = shapely.get_x(hh["geom"].to_numpy()), shapely.get_y(hh["geom"].to_numpy())
    keep = ["code", "village_code", "category", *[c for c in hh.columns if c.startswith("risk_")],
            "lon", "lat"]
    layers = []
    for layer in registry.repairable():
        frame = pd.DataFrame(tables[layer.name]).copy()
        if "id" not in frame.columns:
            frame.insert(0, "id", range(1, len(frame) + 1))
        frame["geom"] = frame["geom"].to_numpy()
        frame["status"] = frame["status"].astype(object).where(frame["status"].notna(), None)
        layers.append((layer_info(layer), frame))
    twp = pd.DataFrame(tables["townships"])[["code", "name", "seat_lon", "seat_lat"]]
    return RankInputs(vil[["code", "name", "township_code", "severely_hit", "households", "lon",
                           "lat"]], hh[keep], twp, layers, vocab_labels(registry))

"""Read the database into the ranking core's inputs, driven by the layer registry it is handed.

geo/ sits below layers/, so the registry is described here by what the ranking uses of it
(:class:`LayerRegistry`; ``layers.REGISTRY`` fits). Every repairable layer is read the same way
from its ranking profile; only the people and places layers (villages, households, townships) are
named. One SELECT per table, no per-asset queries.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import pandas as pd
import shapely
import sqlalchemy as sa

from geo.db.copy_out import read_frame
from geo.rank.core import LayerInfo, Override, RankInputs, RankResult, rank, select
from geo.rank.rules import Known, Rules, load_rules
from geo.vocab import Vocabulary


class ProfileSpec(Protocol):
    """How a layer is ranked (``layers.base.RankProfile``)."""

    @property
    def exposure(self) -> str: ...
    @property
    def use(self) -> str: ...
    @property
    def use_column(self) -> str | None: ...
    @property
    def service(self) -> str: ...
    @property
    def services(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def service_column(self) -> str | None: ...
    @property
    def tasks(self) -> tuple[str, ...]: ...
    def all_services(self) -> tuple[str, ...]: ...


class FieldSpec(Protocol):
    @property
    def column(self) -> str: ...
    @property
    def vocab(self) -> Vocabulary | None: ...


class LayerSpec(Protocol):
    """One layer as the ranking reads it (``layers.base.Layer``)."""

    @property
    def name(self) -> str: ...
    @property
    def zh(self) -> str: ...
    @property
    def rank(self) -> ProfileSpec | None: ...
    @property
    def fields(self) -> Sequence[FieldSpec]: ...
    @property
    def table(self) -> sa.Table: ...
    def field(self, column: str) -> FieldSpec: ...


class LayerRegistry(Protocol):
    """The layer registry (``layers.REGISTRY``)."""

    def __iter__(self) -> Iterator[LayerSpec]: ...
    def get(self, key: str) -> LayerSpec: ...
    def repairable(self) -> Sequence[LayerSpec]: ...


def layer_info(layer: LayerSpec) -> LayerInfo:
    profile = layer.rank
    if profile is None:
        raise ValueError(f"{layer.name} has no ranking profile")
    return LayerInfo(name=layer.name, zh=layer.zh, exposure=profile.exposure,
                     service=profile.service, use=profile.use, use_column=profile.use_column,
                     services=tuple(profile.services), service_column=profile.service_column,
                     tasks=tuple(profile.tasks))


def _vocab(registry: LayerRegistry, layer: str, column: str) -> Vocabulary:
    vocab = registry.get(layer).field(column).vocab
    if vocab is None:
        raise ValueError(f"{layer}.{column} has no vocabulary")
    return vocab


def known_codes(registry: LayerRegistry) -> Known:
    """What the rules file may name, read from the registry's vocabularies and fields."""
    first = registry.repairable()[0].name
    households = registry.get("households")
    return Known(
        categories=tuple(_vocab(registry, "households", "category").codes),
        risk_flags=tuple(f.column for f in households.fields if f.column.startswith("risk_")),
        statuses=tuple(_vocab(registry, first, "status").codes),
        layers=tuple(la.name for la in registry.repairable()),
        services=tuple(dict.fromkeys(s for la in registry.repairable()
                                     for s in _profile(la).all_services())),
        opening_layers=tuple(la.name for la in registry.repairable() if "open" in _profile(la).tasks),
    )


def _profile(layer: LayerSpec) -> ProfileSpec:
    if layer.rank is None:
        raise ValueError(f"{layer.name} has no ranking profile")
    return layer.rank


def vocab_labels(registry: LayerRegistry) -> dict[str, dict[str, str]]:
    """Chinese labels of status, severity and filing codes (filing: from any layer having it)."""
    first = registry.repairable()[0].name
    labels = {name: {t.code: t.zh for t in _vocab(registry, first, name)}
              for name in ("status", "severity")}
    for layer in registry.repairable():
        for f in layer.fields:
            if f.column == "filing" and f.vocab is not None:
                labels["filing"] = {t.code: t.zh for t in f.vocab}
    return labels


def load_registry_rules(registry: LayerRegistry, path: str | None = None) -> Rules:
    return load_rules(path, known_codes(registry))


def read_inputs(conn: Any, registry: LayerRegistry,
                overrides: dict[tuple[str, int], Override] | None = None) -> RankInputs:
    """Everything the ranking needs, in one SELECT per table (``conn``: Connection or Session);
    ``overrides``: the county office's recorded 重点/一般 by (layer, asset id)."""
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
    return RankInputs(vil, hh, twp, layers, vocab_labels(registry), dict(overrides or {}))


def read_assets(conn: Any, layer: LayerSpec) -> pd.DataFrame:
    """Every feature of a repairable layer (damaged or not: the road graph and feeder trees need
    them all), with ``geom`` as shapely geometries."""
    table = layer.table
    columns = [c for c in table.c if c.name != "geom"]
    return _assets_frame(conn, sa.select(*columns, sa.func.ST_AsBinary(table.c.geom).label("wkb"))
                         .order_by(table.c.id))


def read_asset(conn: Any, layer: LayerSpec, asset_id: int) -> pd.DataFrame:
    """One feature of a repairable layer as :func:`read_assets` reads it (empty if gone): what an
    edit changes, for the incremental ranking (geo/rank/live.py)."""
    table = layer.table
    columns = [c for c in table.c if c.name != "geom"]
    return _assets_frame(conn, sa.select(*columns, sa.func.ST_AsBinary(table.c.geom).label("wkb"))
                         .where(table.c.id == asset_id))


def _assets_frame(conn: Any, statement: Any) -> pd.DataFrame:
    frame = _frame(conn, statement, wkb=("wkb",))
    geoms = frame.pop("wkb")
    frame["geom"] = geoms.to_numpy() if len(geoms) else []
    return frame


def _frame(conn: Any, statement: Any, wkb: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows of ``statement`` as a frame, read column-wise (COPY into Arrow: geo/db/copy_out):
    frames built from driver tuples spent most of the read making and probing a Python object
    per value at province scale. The same frames as from the tuples (tests/rank/test_read.py)."""
    return read_frame(conn, statement, wkb=wkb)


def rank_from_db(conn: Any, registry: LayerRegistry, *, townships: Sequence[str] = (),
                 layers: Sequence[str] = (), statuses: Sequence[str] = (),
                 rules: Rules | str | None = None,
                 overrides: dict[tuple[str, int], Override] | None = None) -> RankResult:
    """Rank the whole county, then keep the rows of these townships, layers and statuses (stored
    codes, as ``layers.filter.Filter`` holds them; empty = all): rank renumbered, county_rank kept.
    """
    chosen = rules if isinstance(rules, Rules) else load_registry_rules(registry, rules)
    inputs = read_inputs(conn, registry, overrides)
    return select(rank(inputs, chosen), townships=list(townships) or None,
                  layers=list(layers) or None, statuses=list(statuses) or None)


def inputs_from_frames(tables: dict[str, pd.DataFrame], registry: LayerRegistry) -> RankInputs:
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

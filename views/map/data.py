"""What the map reads for a filter: frames at per-view detail, households (each or village totals),
and the filtered assets as display GeoJSON."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import sqlalchemy as sa

from geo.crs import STORAGE_EPSG
from layers import REGISTRY
from layers.ledger import PROBLEMS_TABLE
from layers.places import township_codes, village_codes
from layers.store import read_layer
from layers.vocabularies import OPEN_PROBLEM_STATES, RISK_ITEMS
from views.ledger import open_problems_by_household
from views.map import geojson  # limits read at call time (tests and large data change them)
from views.map.geojson import (
    SIMPLIFY_DEG,
    asset_collection,
    frame_collection,
    household_collection,
    layer_budgets,
    totals_collection,
)
from views.map.viewport import frame_plan
from views.names import Names
from views.selection import Selection


def frame_collections(bind: sa.Connection, names: Names, lang: str,
                      townships: tuple[str, ...] = (),
                      villages: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """County, townships, villages and flood extent as display GeoJSON for a place filter,
    with the detail ``views.map.viewport.frame_plan`` chooses (constant for small data).

    Besides the layers the dict holds ``plan``: the tolerance used (the assets reuse it) and how
    the villages were drawn (``all``, ``window`` or ``none``) with their total.
    """

    county = read_layer(bind, "county")
    region = _bounds(county) or _bounds(read_layer(bind, "townships"))
    village_count = int(bind.execute(
        sa.select(sa.func.count()).select_from(REGISTRY.get("villages").table)).scalar_one())
    chosen = None
    if villages:
        chosen = _bounds(read_layer(bind, "villages", villages=list(villages)))
    if chosen is None and townships:
        chosen = _bounds(read_layer(bind, "townships", townships=list(townships)))
    plan = frame_plan(region, chosen, village_count, geojson.VILLAGE_OUTLINE_LIMIT)
    out: dict[str, dict[str, Any]] = {}
    for name in ("county", "townships", "villages", "flood_extent"):
        if name == "villages" and plan.villages == "none":
            continue
        gdf = county if name == "county" else read_layer(bind, name, bbox=plan.window)
        out[name] = frame_collection(REGISTRY.get(name), gdf, names, lang, plan.tolerance)
    out["plan"] = {"tolerance": plan.tolerance, "villages": plan.villages,
                   "village_total": village_count}
    return out


def _bounds(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    if gdf.empty:
        return None
    west, south, east, north = (float(v) for v in gdf.total_bounds)
    return west, south, east, north


def village_outlines(bind: sa.Connection, bbox: tuple[float, float, float, float],
                     names: Names, lang: str, tolerance: float) -> dict[str, Any] | None:
    """Village outlines inside ``bbox`` for viewport mode; None when more than the region view
    would draw (the view is too large for them to be readable)."""

    gdf = read_layer(bind, "villages", bbox=bbox)
    if len(gdf) > geojson.VILLAGE_OUTLINE_LIMIT:
        return None
    return frame_collection(REGISTRY.get("villages"), gdf, names, lang, tolerance)


def household_map(bind: sa.Connection, townships: tuple[str, ...], villages: tuple[str, ...],
                  names: Names, lang: str,
                  bbox: tuple[float, float, float, float] | None = None, *,
                  counts_only: bool = False) -> dict[str, Any]:
    """The households layer for the map: each household, or village totals above the limit
    (only the households inside ``bbox`` when given: viewport mode).

    ``counts_only``: village totals placed at the village centre, whatever the number — for a
    role that sees households only as counts (no house point, even of a one-household village).
    """

    rows = village_household_totals(bind, townships, villages, bbox, at_centre=counts_only)
    total = sum(int(r["n"]) for r in rows)
    if counts_only or total > geojson.HOUSEHOLD_DETAIL_LIMIT:  # never read all just to count
        return totals_collection(rows, total, names, lang)
    gdf = read_layer(bind, "households", townships=list(townships) or None,
                     villages=list(villages) or None, bbox=bbox)
    return household_collection(gdf, names, lang,
                                problems=open_problems_by_household(bind, gdf["id"].tolist()))


def village_household_totals(bind: sa.Connection, townships: tuple[str, ...] = (),
                             villages: tuple[str, ...] = (),
                             bbox: tuple[float, float, float, float] | None = None,
                             at_centre: bool = False) -> list[dict[str, Any]]:
    """Per village: households, monitored, with an open risk, and their mean position (SQL);
    only households inside ``bbox`` when given. ``at_centre``: the village's centre point (its
    polygon's inner point when it has none) instead of the households' mean position."""
    hh = REGISTRY.get("households").table
    vil = REGISTRY.get("villages").table
    problems = PROBLEMS_TABLE
    open_problem = sa.exists(sa.select(problems.c.id).where(
        problems.c.household_id == hh.c.id, problems.c.state.in_(OPEN_PROBLEM_STATES)))
    # at risk: a raised flag or an open problem of the ledger (收入 has no flag)
    any_risk = sa.or_(*(hh.c[col] for col, _, _ in RISK_ITEMS), open_problem)
    if at_centre:
        centre = sa.func.coalesce(vil.c.centre, sa.func.ST_PointOnSurface(vil.c.geom))
        position = [sa.func.min(sa.func.ST_X(centre)).label("x"),
                    sa.func.min(sa.func.ST_Y(centre)).label("y")]
    else:
        position = [sa.func.avg(sa.func.ST_X(hh.c.geom)).label("x"),
                    sa.func.avg(sa.func.ST_Y(hh.c.geom)).label("y")]
    query = (
        sa.select(
            hh.c.village_code,
            sa.func.count().label("n"),
            sa.func.count().filter(hh.c.category == "monitored").label("monitored"),
            sa.func.count().filter(any_risk).label("at_risk"),
            *position,
        )
        .group_by(hh.c.village_code)
        .order_by(hh.c.village_code)
    )
    if at_centre:
        query = query.join(vil, vil.c.code == hh.c.village_code)
    if townships:
        codes = township_codes(bind, list(townships))
        inner = sa.select(vil.c.code).where(vil.c.township_code.in_(codes))
        query = query.where(hh.c.village_code.in_(inner))
    if villages:
        query = query.where(hh.c.village_code.in_(village_codes(bind, list(villages))))
    if bbox:
        query = query.where(hh.c.geom.intersects(sa.func.ST_MakeEnvelope(*bbox, STORAGE_EPSG)))
    return [dict(r) for r in bind.execute(query).mappings()]


def map_collections(selection: Selection, names: Names, lang: str,
                    tolerance: float | None = None) -> dict[str, dict[str, Any]]:
    """The filtered layers as display GeoJSON, bounded in size (see views.map.geojson);
    lines simplified by ``tolerance`` degrees (the frames' per-view tolerance) when given."""

    tol = tolerance or SIMPLIFY_DEG
    budgets = layer_budgets({name: len(gdf) for name, gdf in selection.assets.items()})
    out = {name: asset_collection(REGISTRY.get(name), gdf, names, lang, limit=budgets[name],
                                  tolerance=tol)
           for name, gdf in selection.assets.items()}
    if selection.households is not None:
        out["households"] = household_collection(selection.households, names, lang)
    return out

"""Tables behind the pages: the filtered selection shared by map and repair list, households,
the map's data read for the filters, and the Excel/CSV bytes of a table (the progress report is
in ``layers.progress``). No Streamlit here; pages cache and show these.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa

from geo.crs import STORAGE_EPSG
from layers import REGISTRY
from layers.base import Layer
from layers.i18n import t
from layers.map_features import mask_id_number, open_risks, status_label
from layers.map_filter import MapFilter, Names
from layers.store import (
    read_layer,
    township_choices,
    township_codes,
    village_choices,
    village_codes,
)
from layers.vocab import CATEGORY, HOUSE_GRADE, RISK_ITEMS, STATUS

QUEUE_COLUMNS = ("rank", "layer", "id", "name", "township", "task", "status", "urgency", "use",
                 "importance", "villages_cut_off", "households", "weighted_households", "reason")
_MONITORED = re.compile(r"监测户\s*(\d+)")


def load_names(bind: sa.Connection) -> Names:
    names = Names()
    names.townships = dict(township_choices(bind))
    for code, name, township in village_choices(bind):
        names.villages[code] = name
        names.village_township[code] = township
    return names


def township_seats(bind: sa.Connection) -> dict[str, tuple[float, float]]:
    """code → (lat, lon) of each township seat, for centring the map."""
    towns = read_layer(bind, "townships")
    return {
        str(r["code"]): (float(r["seat_lat"]), float(r["seat_lon"]))
        for r in towns.to_dict("records")
        if r.get("seat_lat") is not None and r.get("seat_lon") is not None
    }


# --- the repair queue ---------------------------------------------------------------------
def _as_dict(row: Any) -> dict[str, Any]:
    if isinstance(row, Mapping):
        return dict(row)
    if dataclasses.is_dataclass(row) and not isinstance(row, type):
        return dataclasses.asdict(row)
    if hasattr(row, "_asdict"):
        return dict(row._asdict())
    return dict(vars(row))


def queue_rows(bind: sa.Connection) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The whole priority queue, best first, and the assets that cannot be ranked, as dicts."""
    from layers.ranking import rank_queue

    result = rank_queue(bind)
    return [_as_dict(r) for r in result.rows], [_as_dict(r) for r in result.cannot_rank]


def monitored_households(row: Mapping[str, Any]) -> int:
    """Monitored households an asset affects: the ranking's count, else read from its reason."""
    for key in ("monitored_households", "monitored"):
        value = row.get(key)
        if isinstance(value, int | float):
            return int(value)
    match = _MONITORED.search(str(row.get("reason", "")))
    return int(match.group(1)) if match else 0


def filter_queue(rows: Iterable[Mapping[str, Any]], filters: MapFilter,
                 allowed: Mapping[str, set[int]] | None = None) -> list[dict[str, Any]]:
    """Queue rows that pass the tier filters and, when given, belong to the allowed features."""
    out = []
    for row in rows:
        layer = str(row.get("layer", ""))
        if allowed is not None and int(row.get("id", -1)) not in allowed.get(layer, set()):
            continue
        if filters.needs_queue and not _passes_tiers(row, filters):
            continue
        out.append(dict(row))
    return out


def _passes_tiers(row: Mapping[str, Any], filters: MapFilter) -> bool:
    if filters.importance and row.get("importance") not in filters.importance:
        return False
    if filters.urgency and row.get("urgency") not in filters.urgency:
        return False
    return not (filters.monitored_only and monitored_households(row) <= 0)


@dataclasses.dataclass
class Selection:
    """The filtered set the map, the repair list and "export what the map shows" all use."""

    assets: dict[str, gpd.GeoDataFrame]
    households: gpd.GeoDataFrame | None
    queue: list[dict[str, Any]]
    queue_error: str | None = None
    cannot_rank: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {name: len(gdf) for name, gdf in self.assets.items()}
        if self.households is not None:
            out["households"] = len(self.households)
        return out

    def ids(self) -> dict[str, list[int]]:
        return {name: [int(i) for i in gdf["id"]] for name, gdf in self.assets.items()}


Queue = tuple[list[dict[str, Any]], list[dict[str, Any]]]


def select(bind: sa.Connection, filters: MapFilter, ranked: Queue | None = None, *,
           with_households: bool = True,
           bbox: tuple[float, float, float, float] | None = None) -> Selection:
    """Read each chosen layer with the status/place filters, then apply the ranking's tiers.

    ``ranked``: the whole ranked queue when the caller has it already (it does not depend on the
    filters, so the app ranks once per data change, not once per filter change).
    ``with_households=False``: leave the households out (they depend only on the place filters,
    so the app reads them separately and a status change does not read 14k households again).
    ``bbox``: only features inside this box (the map's viewport mode); the list and the counts
    use the whole filtered set, without it.
    """
    rows, cannot = ranked if ranked is not None else queue_rows(bind)
    # A tier filter keeps only queued assets: read just those (and the unrankable ones, which
    # the list reports), not every asset of the county (seconds at --scale 100).
    wanted = _tier_candidates(rows, cannot, filters) if filters.needs_queue else None
    assets: dict[str, gpd.GeoDataFrame] = {}
    for layer in filters.asset_layers():
        assets[layer.name] = read_layer(
            bind, layer, statuses=list(filters.statuses) or None,
            townships=list(filters.townships) or None, villages=list(filters.villages) or None,
            bbox=bbox, ids=None if wanted is None else sorted(wanted.get(layer.name, set())),
        )
    allowed = {name: set(gdf["id"].astype(int)) for name, gdf in assets.items()}
    queue = filter_queue(rows, filters, allowed)
    cannot = [r for r in cannot if int(r.get("id", -1)) in allowed.get(str(r.get("layer")), set())]
    if filters.needs_queue:
        kept: dict[str, set[int]] = {}
        for row in queue:
            kept.setdefault(str(row["layer"]), set()).add(int(row["id"]))
        assets = {n: g[g["id"].isin(kept.get(n, set()))] for n, g in assets.items()}
    households = None
    if filters.shows_households and with_households:
        households = read_layer(bind, "households", townships=list(filters.townships) or None,
                                villages=list(filters.villages) or None, bbox=bbox)
    return Selection(assets, households, queue, None, cannot)


def _tier_candidates(rows: Iterable[Mapping[str, Any]], cannot: Iterable[Mapping[str, Any]],
                     filters: MapFilter) -> dict[str, set[int]]:
    """Per layer, the ids a tier filter can keep (queued rows passing the tiers) plus the
    unrankable assets: the only assets ``select`` needs to read under that filter."""
    out: dict[str, set[int]] = {}
    for row in rows:
        if _passes_tiers(row, filters):  # no copies: only the ids are needed
            out.setdefault(str(row.get("layer", "")), set()).add(int(row.get("id", -1)))
    for row in cannot:
        out.setdefault(str(row.get("layer", "")), set()).add(int(row.get("id", -1)))
    return out


def queue_frame(rows: list[dict[str, Any]], names: Names, lang: str) -> pd.DataFrame:
    """The repair list as a table with headers and labels in ``lang``."""
    data = pd.DataFrame(rows)
    for column in QUEUE_COLUMNS:
        if column not in data.columns:
            data[column] = None
    data = data[list(QUEUE_COLUMNS)].copy()
    data["layer"] = [_layer_label(v, lang) for v in data["layer"]]
    data["status"] = [status_label(v, lang) if v in STATUS else v for v in data["status"]]
    data["township"] = [names.township(v) or v for v in data["township"]]
    return data.rename(columns={c: t(f"col_{c}", lang) for c in QUEUE_COLUMNS})


def cannot_rank_frame(rows: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    """Assets the ranking could not place (no geometry, no village link), with the reason."""
    reason_key = next((k for k in ("reason", "problem", "why") if rows and k in rows[0]), None)
    return pd.DataFrame({
        t("col_layer", lang): [_layer_label(r.get("layer"), lang) for r in rows],
        t("col_code", lang): [r.get("code", "") for r in rows],
        t("col_name", lang): [r.get("name", "") for r in rows],
        t("col_township", lang): [r.get("township", "") for r in rows],
        t("col_problem", lang): [r.get(reason_key, "") if reason_key else "" for r in rows],
    })


def _layer_label(name: object, lang: str) -> str:
    try:
        return REGISTRY.get(str(name)).label(lang)
    except Exception:
        return str(name)


# --- households ---------------------------------------------------------------------------
def household_frame(bind: sa.Connection, *, townships: tuple[str, ...] = (),
                    villages: tuple[str, ...] = (), categories: tuple[str, ...] = (),
                    only_risk: bool = True, lang: str = "zh") -> pd.DataFrame:
    """At-risk households with open risk items; the ID number masked, no phone or income."""
    gdf = read_layer(bind, "households", townships=list(townships) or None,
                     villages=list(villages) or None, include_private=True)
    masked = [mask_id_number(v) for v in gdf["id_number"]]
    gdf = gdf.drop(columns=["id_number", "phone", "income_per_capita", "geom"], errors="ignore")
    gdf["id_masked"] = masked
    if categories:
        gdf = gdf[gdf["category"].isin([CATEGORY.code(c) for c in categories])]
    records = gdf.to_dict("records")
    names = load_names(bind)
    out = []
    for rec in records:
        risks = open_risks(rec, lang)
        if only_risk and not risks:
            continue
        out.append({
            t("col_code", lang): rec["code"],
            t("col_head", lang): rec["head_name"],
            t("col_id_number", lang): rec["id_masked"],
            t("col_category", lang): CATEGORY.label(rec["category"], lang),
            t("col_members", lang): rec["members"],
            t("col_township", lang): names.township(names.village_township.get(
                str(rec["village_code"]))),
            t("col_village", lang): names.village(rec["village_code"]),
            t("col_risks", lang): ("、" if lang == "zh" else ", ").join(risks),
            t("col_house_grade", lang): HOUSE_GRADE.label(rec.get("house_grade"), lang),
            t("col_helper", lang): rec.get("helper") or "",
        })
    columns = [t(k, lang) for k in ("col_code", "col_head", "col_id_number", "col_category",
                                     "col_members", "col_township", "col_village", "col_risks",
                                     "col_house_grade", "col_helper")]
    return pd.DataFrame(out, columns=columns)


# --- downloads ------------------------------------------------------------------------------
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _defuse(value: object) -> object:
    """Text starting like a formula is prefixed with ' so Excel shows it instead of running it."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def safe_cells(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_defuse)
    return out


def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe_cells(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM so Excel on Chinese Windows opens it with the right encoding."""
    return safe_cells(frame).to_csv(index=False).encode("utf-8-sig")


def layer_of(name: str) -> Layer:
    return REGISTRY.get(name)


# --- map data ------------------------------------------------------------------------------
def frame_collections(bind: sa.Connection, names: Names, lang: str,
                      townships: tuple[str, ...] = (),
                      villages: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """County, townships, villages and flood extent as display GeoJSON for a place filter,
    with the detail ``layers.map_view.frame_plan`` chooses (constant for small data).

    Besides the layers the dict holds ``plan``: the tolerance used (the assets reuse it) and how
    the villages were drawn (``all``, ``window`` or ``none``) with their total.
    """
    from layers.map_features import VILLAGE_OUTLINE_LIMIT, frame_collection
    from layers.map_view import frame_plan

    county = read_layer(bind, "county")
    region = _bounds(county) or _bounds(read_layer(bind, "townships"))
    village_count = int(bind.execute(
        sa.select(sa.func.count()).select_from(REGISTRY.get("villages").table)).scalar_one())
    chosen = None
    if villages:
        chosen = _bounds(read_layer(bind, "villages", villages=list(villages)))
    if chosen is None and townships:
        chosen = _bounds(read_layer(bind, "townships", townships=list(townships)))
    plan = frame_plan(region, chosen, village_count, VILLAGE_OUTLINE_LIMIT)
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
    from layers.map_features import VILLAGE_OUTLINE_LIMIT, frame_collection

    gdf = read_layer(bind, "villages", bbox=bbox)
    if len(gdf) > VILLAGE_OUTLINE_LIMIT:
        return None
    return frame_collection(REGISTRY.get("villages"), gdf, names, lang, tolerance)


def household_map(bind: sa.Connection, townships: tuple[str, ...], villages: tuple[str, ...],
                  names: Names, lang: str,
                  bbox: tuple[float, float, float, float] | None = None) -> dict[str, Any]:
    """The households layer for the map: each household, or village totals above the limit
    (only the households inside ``bbox`` when given: viewport mode)."""
    from layers.map_features import HOUSEHOLD_DETAIL_LIMIT, household_collection, totals_collection

    rows = village_household_totals(bind, townships, villages, bbox)
    total = sum(int(r["n"]) for r in rows)
    if total > HOUSEHOLD_DETAIL_LIMIT:  # never read every household just to count them
        return totals_collection(rows, total, names, lang)
    gdf = read_layer(bind, "households", townships=list(townships) or None,
                     villages=list(villages) or None, bbox=bbox)
    return household_collection(gdf, names, lang)


def village_household_totals(bind: sa.Connection, townships: tuple[str, ...] = (),
                             villages: tuple[str, ...] = (),
                             bbox: tuple[float, float, float, float] | None = None,
                             ) -> list[dict[str, Any]]:
    """Per village: households, monitored, with an open risk, and their mean position (SQL);
    only households inside ``bbox`` when given."""
    hh = REGISTRY.get("households").table
    vil = REGISTRY.get("villages").table
    any_risk = sa.or_(*(hh.c[col] for col, _, _ in RISK_ITEMS))
    query = (
        sa.select(
            hh.c.village_code,
            sa.func.count().label("n"),
            sa.func.count().filter(hh.c.category == "monitored").label("monitored"),
            sa.func.count().filter(any_risk).label("at_risk"),
            sa.func.avg(sa.func.ST_X(hh.c.geom)).label("x"),
            sa.func.avg(sa.func.ST_Y(hh.c.geom)).label("y"),
        )
        .group_by(hh.c.village_code)
        .order_by(hh.c.village_code)
    )
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
    """The filtered layers as display GeoJSON, bounded in size (see layers.map_features);
    lines simplified by ``tolerance`` degrees (the frames' per-view tolerance) when given."""
    from layers.map_features import (
        SIMPLIFY_DEG,
        asset_collection,
        household_collection,
        layer_budgets,
    )

    tol = tolerance or SIMPLIFY_DEG
    budgets = layer_budgets({name: len(gdf) for name, gdf in selection.assets.items()})
    out = {name: asset_collection(REGISTRY.get(name), gdf, names, lang, limit=budgets[name],
                                  tolerance=tol)
           for name, gdf in selection.assets.items()}
    if selection.households is not None:
        out["households"] = household_collection(selection.households, names, lang)
    return out


def feature_record(bind: sa.Connection, layer: Layer | str, feature_id: int) -> dict[str, Any] | None:
    """One feature's public fields (with its version), read fresh for the detail panel."""
    spec = layer if isinstance(layer, Layer) else REGISTRY.get(layer)
    table = spec.table
    columns = [table.c.id, *(table.c[f.column] for f in spec.public_fields())]
    row = bind.execute(sa.select(*columns).where(table.c.id == feature_id)).mappings().first()
    return dict(row) if row is not None else None


def record_facts(spec: Layer, record: Mapping[str, Any], names: Names,
                 lang: str) -> list[tuple[str, str]]:
    """(label, text) of a record's public fields, vocabulary codes shown as labels."""
    out = []
    for f in spec.public_fields():
        value = record.get(f.column)
        if value is None or value == "" or value == []:
            continue
        if f.vocab is not None:
            text = f.vocab.label(str(value), lang)
        elif f.column == "township_code":
            text = f"{names.township(value)} ({value})"
        elif f.column == "village_code":
            text = f"{names.village(value)} ({value})"
        elif f.kind == "codes" and isinstance(value, list | tuple):
            text = "、".join(names.village(v) or str(v) for v in value)
        elif f.kind == "bool":
            text = ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        else:
            text = str(value)
        out.append((f.label(lang), text))
    return out

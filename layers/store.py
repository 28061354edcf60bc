"""Reading layers and changing repair status: the one place pages and exports get data from.

Filters take stored codes or labels; results are GeoDataFrames in EPSG:4490 whose columns are
``id``, the layer's field columns (private ones only on request) and ``geom``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa
from geoalchemy2 import functions as gfn
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from geo import chinatime
from geo.crs import STORAGE_EPSG
from geo.db.engine import Bind, connection, constraint_error
from geo.errors import NotFoundError, StaleEditError, ValidationError
from layers import REGISTRY
from layers.base import Field, Layer
from layers.filter import Filter
from layers.history import record_change
from layers.places import township_codes, village_codes
from layers.vocabularies import FINISHED_STATUSES, IMPASSABLE_STATUSES, STATUS

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Tracked:
    """A table that is no map layer but is changed like one (the problem ledger): optimistic
    locking on its ``version`` column, ``updated_by``/``updated_at`` stamps and history rows.
    ``describe(row)`` gives (what, its state now) of a row for the refusal of a stale change."""

    name: str
    table: Any
    describe: Callable[[Any], tuple[str, str | None]]


Lockable = Layer | Tracked


class StatusListener(Protocol):
    """Told of every changed repair status, inside the transaction of the change (after its
    history row): ``(conn, layer, feature_id, old, new, user, on)``."""

    def __call__(self, conn: sa.Connection, layer: str, feature_id: int, old: str | None,
                 new: str | None, user: str, on: dt.date | None) -> None: ...


# Whoever must act when an asset's status changes — the problem ledger moves the problems an asset
# caused to 待核实 when its service is back. ``layers.ledger`` registers itself when the layers
# package is imported (always, before any store call), so every path — the app, the CLI, a bulk
# change, a direct store call — runs it, in the same transaction as the change.
STATUS_LISTENERS: list[StatusListener] = []


def _layer(layer: Layer | str) -> Layer:
    return layer if isinstance(layer, Layer) else REGISTRY.get(layer)


def read_layer(
    bind: Bind,
    layer: Layer | str,
    *,
    statuses: Sequence[str] | str | None = None,
    townships: Sequence[str] | None = None,
    villages: Sequence[str] | None = None,
    bbox: BBox | None = None,
    include_private: bool = False,
    limit: int | None = None,
    ids: Sequence[int] | None = None,
    where: Sequence[Any] = (),
) -> gpd.GeoDataFrame:
    """The features of one layer that pass every given filter (None = no filter).

    ``ids``: only these feature ids (an empty list gives no feature), e.g. the set the map shows.
    ``where``: further conditions on the layer's table (SQLAlchemy expressions): what a report
    needs of a large layer is chosen by the database, not by reading it all.
    """
    spec = _layer(layer)
    table = spec.table
    fields = spec.fields if include_private else spec.public_fields()
    columns = [table.c.id, *(table.c[f.column] for f in fields)]
    query = sa.select(*columns, gfn.ST_AsBinary(table.c.geom).label("geom_wkb"))
    conn = connection(bind)
    for condition in [*_conditions(conn, spec, statuses, townships, villages, bbox), *where]:
        query = query.where(condition)
    if ids is not None:  # one array parameter, not one bind per id: the list may be long
        wanted = sa.bindparam("ids", [int(i) for i in ids], type_=sa.dialects.postgresql.ARRAY(sa.BigInteger))
        query = query.where(table.c.id == sa.any_(wanted))
    query = query.order_by(table.c.id)
    if limit is not None:
        query = query.limit(limit)
    rows = conn.execute(query).all()
    return _frame(rows, fields)


def read_filtered(bind: Bind, layer: Layer | str, chosen: Filter, *, bbox: BBox | None = None,
                  include_private: bool = False) -> gpd.GeoDataFrame:
    """One layer through the filter's status, place and id choices (its tiers are the ranking's
    business: ``views.selection`` applies them)."""
    spec = _layer(layer)
    return read_layer(bind, spec, statuses=list(chosen.statuses) or None,
                      townships=list(chosen.townships) or None,
                      villages=list(chosen.villages) or None, bbox=bbox,
                      include_private=include_private, ids=chosen.ids_for(spec.name))


def _frame(rows: Sequence[Any], fields: Sequence[Field]) -> gpd.GeoDataFrame:
    data = pd.DataFrame([tuple(r[:-1]) for r in rows], columns=["id", *(f.column for f in fields)])
    for f in fields:
        if f.kind == "float":  # NUMERIC arrives as Decimal
            data[f.column] = pd.to_numeric(data[f.column], errors="coerce").astype(float)
    wkb = [bytes(r[-1]) for r in rows]
    geometry: Any = shapely.from_wkb(wkb) if wkb else []
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry, crs=STORAGE_EPSG),
                            crs=STORAGE_EPSG).rename_geometry("geom")


def _conditions(
    conn: sa.Connection,
    spec: Layer,
    statuses: Sequence[str] | str | None,
    townships: Sequence[str] | None,
    villages: Sequence[str] | None,
    bbox: BBox | None,
) -> list[Any]:
    table, out = spec.table, []
    if statuses and spec.repairable:
        out.append(table.c.status.in_(STATUS.codes_for(statuses if isinstance(statuses, str) else list(statuses))))
    if townships:
        codes = township_codes(conn, townships)
        out.append(_township_condition(spec, codes))
    if villages:
        out.append(_village_condition(spec, village_codes(conn, villages)))
    if bbox:
        envelope = gfn.ST_MakeEnvelope(*bbox, STORAGE_EPSG)
        out.append(table.c.geom.intersects(envelope))
    return [c for c in out if c is not None]


def _township_condition(spec: Layer, codes: list[str]) -> Any:
    table = spec.table
    if spec.name == "townships":
        return table.c.code.in_(codes)
    if "township_code" in table.c:
        return table.c.township_code.in_(codes)
    if "village_code" in table.c:
        villages = REGISTRY.get("villages").table
        inner = sa.select(villages.c.code).where(villages.c.township_code.in_(codes))
        return table.c.village_code.in_(inner)
    if spec.name == "flood_extent":
        towns = REGISTRY.get("townships").table
        inner = sa.select(towns.c.geom).where(towns.c.code.in_(codes))
        return sa.exists(inner.where(gfn.ST_Intersects(table.c.geom, towns.c.geom)))
    return None  # the county outline frames every filter


def _village_condition(spec: Layer, codes: list[str]) -> Any:
    table = spec.table
    array_type = sa.dialects.postgresql.ARRAY(sa.Text)
    if spec.name == "villages":
        return table.c.code.in_(codes)
    if "village_code" in table.c:
        return table.c.village_code.in_(codes)
    for column in ("villages_served", "villages_fed"):
        if column in table.c:
            return table.c[column].overlap(sa.cast(codes, array_type))
    if spec.name in ("roads", "flood_extent"):
        villages = REGISTRY.get("villages").table
        inner = sa.select(villages.c.geom).where(villages.c.code.in_(codes))
        return sa.exists(inner.where(gfn.ST_Intersects(table.c.geom, villages.c.geom)))
    return None


def find_asset(bind: Bind, ref: str) -> tuple[str, int]:
    """(layer, id) of ``LAYER:ID`` (e.g. ``roads:12``) or of an asset code (e.g. ``X012-001``)."""
    text = ref.strip()
    if ":" in text:
        layer, _, number = text.partition(":")
        spec = REGISTRY.get(layer)
        if not number.strip().isdigit():
            raise ValidationError(f"{ref!r}: write LAYER:ID with a whole number, e.g. roads:12.")
        return spec.name, int(number)
    conn = connection(bind)
    found = []
    for spec in REGISTRY:
        if "code" in spec.table.c and spec.name != "households":
            ids = conn.execute(sa.select(spec.table.c.id).where(spec.table.c.code == text)).scalars()
            found += [(spec.name, int(i)) for i in ids]
    if not found:
        raise NotFoundError(f"no asset has the code {text!r}; check it, or write LAYER:ID.")
    if len(found) > 1:
        options = ", ".join(f"{name}:{i}" for name, i in found)
        raise ValidationError(f"the code {text!r} is used in several layers; write one of {options}.")
    return found[0]


def set_status(
    bind: Bind,
    layer: Layer | str,
    feature_id: int,
    status: str,
    expected_version: int,
    user: str,
    *,
    today: dt.date | None = None,
    note: str | None = None,
) -> int:
    """Change one feature's repair status if nobody changed it since ``expected_version``, and
    write its history row (in the same transaction).

    ``today``: the day of the change on the ground (default: today in China); 已完工 records it
    as the finish date. Returns the new version. A stale version raises StaleEditError and changes
    nothing. The workflow's rules (who, which transition) are ``layers.workflow``'s business.
    """
    spec = _layer(layer)
    if not spec.repairable:
        raise ValidationError(f"{spec.zh} ({spec.name}) has no repair status to change.")
    code = STATUS.code(status)
    table, today = spec.table, today or chinatime.today()
    values: dict[str, Any] = {
        "status": code,
        "started_on": sa.func.coalesce(table.c.started_on, today)
        if code not in ("assess", "not_started") else table.c.started_on,
        # 已完工 records the day it was finished; 已验收 keeps it; an earlier stage has none
        "finished_on": today if code == "done"
        else sa.func.coalesce(table.c.finished_on, today) if code in FINISHED_STATUSES else None,
    }
    if "passable" in table.c:
        values["passable"] = _passable_after(table, code)
    return update_locked(bind, spec, feature_id, expected_version, user, values,
                         tracked=("status",), note=note, effective_on=today)


def set_fields(bind: Bind, layer: Layer | str, feature_id: int, values: dict[str, Any],
               expected_version: int, user: str, *, note: str | None = None,
               effective_on: dt.date | None = None) -> int:
    """Change plain fields (cost, deadline, responsible unit, filing …) of one feature under
    optimistic locking; one history row per field whose value really changes."""
    spec = _layer(layer)
    for column in values:
        if column not in spec.table.c or column in ("id", "version", "geom"):
            raise ValidationError(f"{spec.name} has no field {column!r} to change.")
    return update_locked(bind, spec, feature_id, expected_version, user, values,
                         tracked=tuple(values), note=note, effective_on=effective_on)


def lock_row(bind: Bind, layer: Lockable | str, feature_id: int) -> sa.Row[Any]:
    """The feature's current row, locked until the transaction ends (NotFoundError if gone)."""
    spec = layer if isinstance(layer, Tracked) else _layer(layer)
    row = connection(bind).execute(
        sa.select(spec.table).where(spec.table.c.id == feature_id).with_for_update()
    ).first()
    if row is None:
        what = spec.zh if isinstance(spec, Layer) else spec.name
        raise NotFoundError(f"{what} #{feature_id} does not exist; reload the page.")
    return row


def update_locked(bind: Bind, spec: Lockable, feature_id: int, expected_version: int, user: str,
                  values: dict[str, Any], *, tracked: tuple[str, ...], note: str | None,
                  effective_on: dt.date | None) -> int:
    """UPDATE one row if its version is still ``expected_version``; bump the version, stamp who
    and when, and write a history row for each ``tracked`` column whose value changes.

    A changed repair status is told to the ``STATUS_LISTENERS`` before the change commits."""
    conn = connection(bind)
    table = spec.table
    before = lock_row(conn, spec, feature_id)
    if before.version != expected_version:
        raise stale_error(spec, before, expected_version)
    statement = (
        sa.update(table)
        .where(table.c.id == feature_id, table.c.version == expected_version)
        .values(**values, version=table.c.version + 1, updated_at=sa.func.now(), updated_by=user)
        .returning(table.c.version, *(table.c[c] for c in tracked))
    )
    try:
        after = conn.execute(statement).one()
    except sa_exc.IntegrityError as error:
        raise constraint_error(error) or ValidationError(str(error.orig)) from None
    for column in tracked:
        old, new = getattr(before, column), getattr(after, column)
        if old != new:
            record_change(conn, spec.name, feature_id, column, old, new, user, note=note,
                          effective_on=effective_on)
    if isinstance(spec, Layer) and spec.repairable and "status" in tracked \
            and before.status != after.status:
        for listener in STATUS_LISTENERS:
            listener(conn, spec.name, feature_id, before.status, after.status, user, effective_on)
    if isinstance(bind, Session):
        bind.commit()  # a Connection's caller owns its transaction
    return int(after.version)


def _passable_after(table: sa.Table, code: str) -> Any:
    """A road reopened (已抢通) or beyond is passable; before that it stays blocked/limited."""
    if code in IMPASSABLE_STATUSES:
        return sa.case((table.c.passable == "open", "blocked"), else_=table.c.passable)
    return "open"


def describe_row(spec: Lockable, row: Any) -> tuple[str, str | None]:
    """(what, its state now) of a row as a refusal names it: an asset and its status, a household
    by its code, a problem as its table describes it."""
    if isinstance(spec, Tracked):
        return spec.describe(row)
    if spec.repairable:
        return str(row.name), STATUS.label(row.status)
    return f"{spec.zh} {getattr(row, 'code', row.id)}", None


def stale_error(spec: Lockable, row: Any, expected: int) -> StaleEditError:
    """The refusal of a change made against an old version: who changed it, nothing overwritten."""
    what, state = describe_row(spec, row)
    now = f"now {state}, " if state else ""
    return StaleEditError(
        f"{what} was changed by {row.updated_by or 'someone else'} "
        f"({now}version {row.version}, you had version {expected}); "
        "nothing was overwritten — reload it and make your change again."
    )

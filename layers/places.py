"""Townships and villages by code or name: the lookups every filter resolves through."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import sqlalchemy as sa

from geo.db.engine import Bind, connection
from geo.errors import UnknownChoiceError, ValidationError
from layers import REGISTRY
from layers.base import Field, Layer


def township_choices(bind: Bind) -> list[tuple[str, str]]:
    """(code, name) of every township, by code."""
    towns = REGISTRY.get("townships").table
    rows = connection(bind).execute(sa.select(towns.c.code, towns.c.name).order_by(towns.c.code))
    return [(r.code, r.name) for r in rows]


def village_choices(bind: Bind, township: str | None = None) -> list[tuple[str, str, str]]:
    """(code, name, township_code) of every village, optionally of one township."""
    villages = REGISTRY.get("villages").table
    query = sa.select(villages.c.code, villages.c.name, villages.c.township_code)
    conn = connection(bind)
    if township:
        query = query.where(villages.c.township_code.in_(township_codes(conn, [township])))
    return [(r.code, r.name, r.township_code) for r in conn.execute(query.order_by("code"))]


def township_codes(conn: sa.Connection, values: Sequence[str]) -> list[str]:
    """Resolve township names or codes; an unknown one is an error listing the choices."""
    known = township_choices(conn)
    by_any = {key: code for code, name in known for key in (code, name)}
    out = []
    for value in values:
        if str(value).strip() not in by_any:
            raise UnknownChoiceError("township", value, [f"{c} ({n})" for c, n in known])
        out.append(by_any[str(value).strip()])
    return out


def village_codes(conn: sa.Connection, values: Sequence[str]) -> list[str]:
    villages = REGISTRY.get("villages").table
    wanted = [str(v).strip() for v in values]
    rows = conn.execute(
        sa.select(villages.c.code, villages.c.name).where(
            sa.or_(villages.c.code.in_(wanted), villages.c.name.in_(wanted))
        )
    ).all()
    found = {key for r in rows for key in (r.code, r.name)}
    missing = [v for v in wanted if v not in found]
    if missing:
        raise ValidationError(
            f"unknown village {missing[0]!r}; give a village code or name from the villages layer."
        )
    return sorted({r.code for r in rows})


# Names beside the codes in exports: engineers read 北舞渡镇, not 411121101.
TOWNSHIP_NAME = Field("township_name", "乡镇名称", "Township name", "twp_name",
                      meaning="乡镇代码对应的名称 the township of the code (from the townships layer)")
VILLAGE_NAME = Field("village_name", "村名称", "Village name", "vil_name",
                     meaning="村代码对应的村名 the village of the code (from the villages layer)")


def name_fields(layer: Layer) -> tuple[Field, ...]:
    """The layer's fields with a township name after its township code and a village name after
    its village code; a layer with a village but no township code gets the village's township
    name after the village name. Townships and villages keep their own ``name``."""
    columns = {f.column for f in layer.fields}
    out: list[Field] = []
    for spec in layer.fields:
        out.append(spec)
        if spec.column == "township_code" and layer.name != "townships":
            out.append(TOWNSHIP_NAME)
        elif spec.column == "village_code" and layer.name != "villages":
            out.append(VILLAGE_NAME)
            if "township_code" not in columns:
                out.append(TOWNSHIP_NAME)
    return tuple(out)


def with_names(bind: Bind, layer: Layer, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with the name columns of :func:`name_fields` filled from the townships and
    villages layers (empty where a code is empty or unknown)."""
    wanted = {f.column for f in name_fields(layer)} - {f.column for f in layer.fields}
    if not wanted:
        return frame
    frame = frame.copy()
    villages = {code: (name, town) for code, name, town in village_choices(bind)}
    if VILLAGE_NAME.column in wanted:
        frame[VILLAGE_NAME.column] = frame["village_code"].map(
            lambda c: villages.get(c, (None, None))[0])
    if TOWNSHIP_NAME.column in wanted:
        townships = dict(township_choices(bind))
        codes = (frame["township_code"] if "township_code" in frame
                 else frame["village_code"].map(lambda c: villages.get(c, (None, None))[1]))
        frame[TOWNSHIP_NAME.column] = codes.map(townships.get)
    return frame

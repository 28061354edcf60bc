"""The temporary table a file's rows are staged in: the layer's columns (same names, same types),
its row number in the file, and the matching stored row — so that the database's own rules can
be checked against it before anything is written, and the write is two set-based statements.

It lives in the import's transaction only (ON COMMIT DROP; a dry run rolls it back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import sqlalchemy as sa
from geoalchemy2 import Geometry

from geo.db.copy import copy_frame
from layers.base import Layer
from layers.imports.staging import ROW, Staged

STAGE = "import_stage"
EXTRA: dict[str, type[sa.types.TypeEngine[Any]]] = {
    "_id": sa.Integer, "_changed": sa.Boolean, "_keep": sa.Boolean}


def stage_table(layer: Layer) -> sa.Table:
    """The stage as a Core table, for building statements (it is created by :func:`create`)."""
    columns = [sa.Column(c.name, _plain(c.type)) for c in layer.table.columns if c.name != "id"]
    extra = [sa.Column(name, kind) for name, kind in EXTRA.items()]
    return sa.Table(STAGE, sa.MetaData(), *columns, sa.Column(ROW, sa.Integer), *extra)


def _plain(kind: sa.types.TypeEngine) -> sa.types.TypeEngine:  # type: ignore[type-arg]
    if isinstance(kind, Geometry):
        return Geometry(geometry_type=kind.geometry_type, srid=kind.srid, spatial_index=False)
    return kind


def create(conn: sa.Connection, layer: Layer) -> sa.Table:
    """The empty stage with the layer's column types (CREATE TABLE AS … WITH NO DATA)."""
    stage = stage_table(layer)
    names = ", ".join(f'"{c.name}"' for c in layer.table.columns if c.name != "id")
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {STAGE}"))
    conn.execute(sa.text(f"CREATE TEMPORARY TABLE {STAGE} ON COMMIT DROP AS "
                         f"SELECT {names} FROM {layer.table.name} WITH NO DATA"))
    added = ", ".join(f"ADD COLUMN {n} {'integer' if k is sa.Integer else 'boolean'}"
                      for n, k in {ROW: sa.Integer, **EXTRA}.items())
    conn.execute(sa.text(f"ALTER TABLE {STAGE} {added}"))
    return stage


def load(conn: sa.Connection, staged: Staged, progress: Callable[[int], object] | None) -> int:
    """COPY the staged rows (the mapped columns, the geometry if the file gives one, the row)."""
    frame = staged.frame.copy()
    if staged.geometry is not None:
        frame["geom"] = pd.Series(staged.geometry, index=frame.index, dtype=object)
    frame = frame[[c for c in frame.columns if c in staged.layer.table.c or c == ROW]]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        count = copy_frame(cursor, STAGE, frame, progress)
    finally:
        cursor.close()
    conn.execute(sa.text(f"CREATE INDEX ON {STAGE} ({ROW})"))
    if "code" in staged.layer.table.c:
        conn.execute(sa.text(f"CREATE INDEX ON {STAGE} (code)"))
    conn.execute(sa.text(f"ANALYZE {STAGE}"))
    return count


def new_rows(stage: sa.Table) -> sa.ColumnElement[bool]:
    """Rows that match no stored row (every row of a layer without codes)."""
    return stage.c._id.is_(None)


def drop(conn: sa.Connection) -> None:
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {STAGE}"))


def rows_where(conn: sa.Connection, stage: sa.Table, condition: Any,
               *columns: Any) -> list[Any]:
    """(row number, values …) of the staged rows that meet ``condition``, in file order."""
    query = sa.select(stage.c[ROW], *columns).where(condition).order_by(stage.c[ROW])
    return list(conn.execute(query))

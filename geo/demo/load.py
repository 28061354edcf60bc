"""Bulk-load the demo tables with PostgreSQL COPY, inside the caller's transaction.

Geometries travel as EWKB hex (SRID 4490), arrays as PostgreSQL array literals, NULL as an empty
unquoted CSV field. Tables go in foreign-key order (TABLES); a power line's parent comes in the
same COPY, whose foreign-key checks run at the end of the statement.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from tqdm import tqdm

from geo.crs import STORAGE_EPSG
from geo.demo.common import TABLES
from geo.errors import DatabaseError, DataExistsError

CHUNK_ROWS = 50_000


def row_counts(conn: sa.Connection) -> dict[str, int]:
    """Rows in each of the 12 demo tables."""
    counts = {}
    try:
        for table in TABLES:
            counts[table] = int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() or 0)
    except sa_exc.ProgrammingError:
        raise DatabaseError(
            "the database has no tracker tables yet; run 'tracker db migrate' first."
        ) from None
    return counts


def has_data(conn: sa.Connection) -> bool:
    return any(row_counts(conn).values())


def load(
    conn: sa.Connection, data: Mapping[str, gpd.GeoDataFrame], *, replace: bool = False,
    progress: bool = True,
) -> dict[str, int]:
    """Write ``data`` (table → frame) into the 12 tables; returns the rows written per table.

    Refuses (DataExistsError) when any table already holds rows, unless ``replace``, which first
    empties all 12 tables in the same transaction.
    """
    counts = row_counts(conn)
    if any(counts.values()) and not replace:
        held = sum(counts.values())
        raise DataExistsError(
            f"the database already holds {held} rows in the tracker tables, so the demo was not "
            "loaded; run 'tracker demo --replace' to replace them."
        )
    if replace:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    total = sum(len(data[t]) for t in TABLES)
    raw = conn.connection.driver_connection
    written: dict[str, int] = {}
    with tqdm(total=total, unit="rows", desc="demo", file=sys.stderr, disable=not progress) as bar:
        cursor = raw.cursor()  # type: ignore[union-attr]
        try:
            for table in TABLES:
                written[table] = _copy(cursor, table, data[table], bar)
        finally:
            cursor.close()
    return written


def _copy(cursor: object, table: str, frame: gpd.GeoDataFrame, bar: tqdm) -> int:  # type: ignore[type-arg]
    text = _as_text(frame)
    columns = ", ".join(text.columns)
    sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"
    with cursor.copy(sql) as copy:  # type: ignore[attr-defined]
        for start in range(0, len(text), CHUNK_ROWS):
            chunk = text.iloc[start:start + CHUNK_ROWS]
            buf = io.StringIO()
            chunk.to_csv(buf, header=False, index=False)
            copy.write(buf.getvalue())
            bar.update(len(chunk))
    return len(text)


def _as_text(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """Columns as COPY reads them: EWKB hex geometries, array literals, t/f booleans."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, gpd.array.GeometryDtype):
            geoms = shapely.set_srid(np.asarray(values.array), STORAGE_EPSG)
            out[col] = shapely.to_wkb(geoms, hex=True, include_srid=True)
        elif values.dtype == bool:
            out[col] = np.where(values.to_numpy(), "t", "f")
        elif values.dtype == object and _is_list_column(values):
            out[col] = [_array_literal(v) for v in values]
        else:
            out[col] = values
    return out


def _is_list_column(values: pd.Series) -> bool:  # type: ignore[type-arg]
    for v in values:
        if v is not None and not (isinstance(v, float) and np.isnan(v)):
            return isinstance(v, list | tuple | np.ndarray)
    return False


def _array_literal(items: object) -> str | None:
    if items is None:
        return None
    parts = ('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in items)  # type: ignore[attr-defined]
    return "{" + ",".join(parts) + "}"

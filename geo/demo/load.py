"""Bulk-load the demo tables with PostgreSQL COPY, inside the caller's transaction.

Rows travel as ``geo.db.copy`` writes them (EWKB hex, array literals). Tables go in foreign-key
order (TABLES); a power line's parent comes in the same COPY, whose foreign-key checks run at the
end of the statement.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import geopandas as gpd
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from tqdm import tqdm

from geo.db.copy import copy_frame
from geo.demo.common import TABLES
from geo.errors import DatabaseError, DataExistsError


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
    return copy_frame(cursor, table, frame, bar.update)

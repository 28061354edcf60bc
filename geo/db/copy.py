"""PostgreSQL COPY of a frame into a table, inside the caller's transaction.

Geometries travel as EWKB hex (SRID 4490), arrays as PostgreSQL array literals, booleans as t/f,
NULL as an empty unquoted CSV field. Shared by the demo loader and imports.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import STORAGE_EPSG

CHUNK_ROWS = 50_000


def copy_frame(cursor: Any, table: str, frame: pd.DataFrame,
               progress: Callable[[int], object] | None = None) -> int:
    """COPY ``frame`` (columns named as the table's) into ``table`` through a psycopg cursor."""
    text = as_copy_text(frame)
    columns = ", ".join(f'"{c}"' for c in text.columns)
    sql = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"
    with cursor.copy(sql) as copy:
        for start in range(0, len(text), CHUNK_ROWS):
            chunk = text.iloc[start:start + CHUNK_ROWS]
            buf = io.StringIO()
            chunk.to_csv(buf, header=False, index=False)
            copy.write(buf.getvalue())
            if progress is not None:
                progress(len(chunk))
    return len(text)


def as_copy_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns as COPY reads them: EWKB hex geometries, array literals, t/f booleans."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, gpd.array.GeometryDtype) or _holds(values, shapely.Geometry):
            out[col] = ewkb_hex(np.asarray(values.array if hasattr(values, "array") else values,
                                           dtype=object))
        elif values.dtype == bool:
            out[col] = np.where(values.to_numpy(), "t", "f")
        elif values.dtype == object and _holds(values, bool | np.bool_):
            out[col] = [None if v is None else ("t" if v else "f") for v in values]
        elif values.dtype == object and _holds(values, list | tuple | np.ndarray):
            out[col] = [_array_literal(v) for v in values]
        else:
            out[col] = values
    return out


def ewkb_hex(geoms: np.ndarray) -> np.ndarray:
    """EWKB hex with SRID 4490; None stays None."""
    out = np.full(len(geoms), None, dtype=object)
    present = np.array([g is not None for g in geoms], dtype=bool)
    if present.any():
        with_srid = shapely.set_srid(np.asarray(geoms[present]), STORAGE_EPSG)
        out[present] = shapely.to_wkb(with_srid, hex=True, include_srid=True)
    return out


def _holds(values: pd.Series, kind: Any) -> bool:
    """Whether the first present value of an object column is of ``kind``."""
    if values.dtype != object:
        return False
    for v in values:
        if v is not None and not (isinstance(v, float) and np.isnan(v)):
            return isinstance(v, kind)
    return False


def _array_literal(items: object) -> str | None:
    if items is None or (isinstance(items, float) and np.isnan(items)):
        return None
    parts = ('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in items)  # type: ignore[attr-defined]
    return "{" + ",".join(parts) + "}"

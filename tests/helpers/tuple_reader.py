"""The ranking inputs' reader before it went column-wise (issue 15): driver tuples into pandas,
WKB bytes into shapely. Kept here only as the reference the COPY reader is compared with
(tests/rank/test_read.py) and timed against (benchmarks/bench_edit.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import shapely


def tuples_frame(conn: Any, statement: Any, wkb: tuple[str, ...] = ()) -> pd.DataFrame:
    """``geo.rank.inputs._frame`` as it was: the rows through the driver's own cursor, the
    columns SQLAlchemy would convert converted the same way, ``wkb`` columns decoded."""
    bind = conn.connection() if hasattr(conn, "get_bind") else conn
    compiled = statement.compile(dialect=bind.dialect)
    raw = bind.connection.dbapi_connection
    with raw.cursor() as cursor:
        cursor.execute(str(compiled), compiled.params)
        described = cursor.description
        rows = cursor.fetchall()
    convert = [(i, c.type._cached_result_processor(bind.dialect, d.type_code))
               for i, (c, d) in enumerate(zip(statement.selected_columns, described, strict=True))]
    convert = [(i, fn) for i, fn in convert if fn is not None]
    if convert:
        rows = [_converted(row, convert) for row in rows]
    frame = pd.DataFrame(rows, columns=[c.key for c in statement.selected_columns])
    for name in wkb:
        values = [bytes(b) if b is not None else None for b in frame[name]]
        frame[name] = shapely.from_wkb(values) if values else []
    return frame


def _converted(row: tuple[Any, ...], convert: list[tuple[int, Any]]) -> tuple[Any, ...]:
    values = list(row)
    for i, fn in convert:
        values[i] = fn(values[i])
    return tuple(values)

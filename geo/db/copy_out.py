"""A SELECT read column-wise: ``COPY (SELECT …) TO STDOUT (FORMAT csv)`` through psycopg, parsed by
Arrow's C CSV reader, geometries decoded by shapely in one call.

Building a frame from driver tuples made a Python object per value and let pandas infer each
column from them: at province scale (1.5 M households) that was most of the read. Here the server
writes text, Arrow parses it in C (8 MB batches in a worker thread while the next one arrives),
and each column is typed from its SQLAlchemy type the way pandas would have inferred it from the
tuples (so the frames are the same: a string column is ``str`` with NaN for NULL, an integer
column with NULLs is float64, a nullable boolean is object, an all-NULL column is object
``None``, dates are ``datetime.date`` objects, Numeric values ``Decimal``, arrays lists,
timestamps in the connection's time zone). On the wire: WKB as hex (unhexed a whole batch at a
time), dates and timestamps as the server writes them under DateStyle ISO (``to_char`` under any
other), text arrays in their own text form read by psycopg's loader, other arrays as JSON.
Python's cycle collector is paused while a read makes its objects (geometries, lists).

Values are never formatted into the SQL: the statement is compiled by SQLAlchemy with
placeholders and psycopg binds its parameters client-side for COPY (``Cursor.copy(sql, params)``
quotes each value as a literal with the connection's own adapters; COPY cannot take server-side
parameters).
"""

from __future__ import annotations

import binascii
import dataclasses
import gc
import json
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely
import sqlalchemy as sa
from psycopg import pq, sql

# timestamps and dates in ISO 8601 whatever the session's DateStyle (when it is not ISO)
_STAMP = "YYYY-MM-DD HH24:MI:SS.US"
_BATCH_BYTES = 8 << 20  # parsed while the next batch arrives (2 MB or 16 MB: no faster)


@dataclasses.dataclass(frozen=True)
class _Column:
    """How one selected column travels: the SQL written into the COPY, the Arrow type it is
    parsed as, and the step that turns the parsed column into what the tuples gave."""

    expression: Any
    arrow: pa.DataType
    finish: Callable[[pa.ChunkedArray, Any], Any]


def read_frame(conn: Any, statement: sa.Select[Any], *, wkb: Collection[str] = ()) -> pd.DataFrame:
    """The rows of ``statement`` as a frame (``conn``: a Connection or Session). ``wkb``: names
    of WKB (bytea) columns, returned as shapely geometries."""
    bind = conn.connection() if hasattr(conn, "get_bind") else conn  # a Session: its Connection
    raw = bind.connection.dbapi_connection
    selected = list(statement.selected_columns)
    names = [c.key for c in selected]
    columns = [_column(c, c.key in wkb, raw) for c in selected]
    copying = statement.with_only_columns(
        *[col.expression.label(f"c{i}") for i, col in enumerate(columns)],
        maintain_column_froms=True)
    compiled = copying.compile(dialect=bind.dialect)
    # the SQL text is SQLAlchemy's (placeholders only); the values go as params. Without params
    # psycopg sends the text as it is, so SQLAlchemy's escaped "%%" must be unescaped here.
    params = compiled.params or None
    text = str(compiled) if params else str(compiled).replace("%%", "%")
    query = sql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(sql.SQL(text))
    with _collector_paused():
        parts = _received(raw, query, params, columns)
        if not parts:
            return pd.DataFrame([], columns=names)  # what pandas makes of no tuples: all object
        table = pa.concat_tables(parts)
        tz = raw.info.timezone
        finished = {name: _unindexed(col.finish(table.column(i), tz))
                    for i, (name, col) in enumerate(zip(names, columns, strict=True))}
        return pd.DataFrame(finished, columns=names, copy=False)


def _unindexed(values: Any) -> Any:
    """A Series' values without its index: building the frame then neither aligns nor copies
    each column (at demo scale that was a third of the read)."""
    return values.array if isinstance(values, pd.Series) else values


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the read makes its objects (geometries, lists): each
    burst of new objects set off full collections walking every object the process holds, which
    at province scale cost more than making the objects. What the read makes holds no cycles."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _received(raw: Any, query: sql.Composed, params: Any, columns: list[_Column]) -> list[pa.Table]:
    """The COPY's rows parsed batch by batch in a worker thread while the next batch arrives
    (Arrow's parser lets go of the GIL; receiving is Python's loop over one message per row),
    the last batch here. Each message is whole rows, so a batch always ends at a row's end."""
    pool: ThreadPoolExecutor | None = None  # started by the first full batch: most reads are one
    parsing = []
    data = bytearray()
    try:
        with raw.cursor() as cursor, cursor.copy(query, params) as copy:
            for chunk in copy:
                data += chunk
                if len(data) >= _BATCH_BYTES:
                    pool = pool or ThreadPoolExecutor(max_workers=1)
                    parsing.append(pool.submit(_parse, data, columns))
                    data = bytearray()
        tables = [part.result() for part in parsing]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return [*tables, _parse(data, columns)] if data else tables


def _parse(data: bytearray, columns: list[_Column]) -> pa.Table:
    names = [f"c{i}" for i in range(len(columns))]
    return pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(column_names=names),
        # PostgreSQL quotes a value holding a delimiter, quote or newline, and the empty string
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: c.arrow for n, c in zip(names, columns, strict=True)},
            null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,
            true_values=["t"], false_values=["f"]),
    )


def _column(column: Any, is_wkb: bool, raw: Any) -> _Column:
    """How ``column`` is written and read back on connection ``raw`` (psycopg's). Dates and
    timestamps as the session writes them under DateStyle ISO (the default), which Arrow
    parses; under another DateStyle formatted so by ``to_char`` (which costs the server more: at
    scale 100 a fifth of an asset table's COPY)."""
    kind = column.type
    iso = (raw.info.parameter_status("DateStyle") or "").startswith("ISO")
    if is_wkb:
        return _Column(sa.func.encode(column, "hex"), pa.string(), _geometries)
    if isinstance(kind, sa.Boolean):
        return _Column(column, pa.bool_(), _inferred)
    if isinstance(kind, sa.Integer):
        return _Column(column, pa.int64(), _inferred)
    if isinstance(kind, sa.Float | sa.Numeric) and not kind.asdecimal:  # Float, Double
        return _Column(column, pa.float64(), _inferred)
    if isinstance(kind, sa.Float | sa.Numeric):
        return _Column(column, pa.string(), _decimals)
    if isinstance(kind, sa.DateTime):
        utc = sa.func.timezone("UTC", column) if kind.timezone else column  # no offset written
        return _Column(utc if iso else sa.func.to_char(utc, _STAMP), pa.timestamp("us"),
                       _aware if kind.timezone else _inferred)
    if isinstance(kind, sa.Date):
        return _Column(column if iso else sa.func.to_char(column, "YYYY-MM-DD"), pa.date32(),
                       _inferred)
    if isinstance(kind, sa.ARRAY) and isinstance(kind.item_type, sa.String):
        return _Column(column, pa.binary(), _text_arrays(raw))
    if isinstance(kind, sa.ARRAY):
        return _Column(sa.cast(sa.func.array_to_json(column), sa.Text), pa.string(), _json)
    if isinstance(kind, sa.String):
        return _Column(column, pa.string(), _inferred)
    raise TypeError(f"cannot read column {column.key} of type {kind!r} by COPY")


def _all_null(values: pa.ChunkedArray) -> bool:
    return len(values) > 0 and values.null_count == len(values)


def _nones(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def _inferred(values: pa.ChunkedArray, tz: Any) -> Any:
    """Arrow's own conversion gives what pandas infers from tuples (bool with NULLs: object;
    int with NULLs: float64; str: ``str``; date: date objects), except for all-NULL columns."""
    if _all_null(values):
        return _nones(len(values))
    return values.to_pandas()


def _aware(values: pa.ChunkedArray, tz: Any) -> Any:
    """UTC on the wire, shown in the connection's time zone as psycopg returns it."""
    if _all_null(values):
        return _nones(len(values))
    return values.to_pandas().dt.tz_localize("UTC").dt.tz_convert(tz)


def _decimals(values: pa.ChunkedArray, tz: Any) -> np.ndarray:
    return _objects(values, Decimal)


def _json(values: pa.ChunkedArray, tz: Any) -> np.ndarray:
    """Every row's JSON array decoded by one ``json.loads`` of them all (a call per row cost
    more than the decoding); a NULL array is ``null``, so ``None``."""
    decoded = json.loads("[" + ",".join(values.fill_null("null").to_pylist()) + "]")
    return np.fromiter(decoded, dtype=object, count=len(decoded))  # each list one element


def _text_arrays(raw: Any) -> Callable[[pa.ChunkedArray, Any], np.ndarray]:
    """Text arrays as the server writes them, read by psycopg's own loader (so exactly the lists
    the tuples held): array_to_json cost the server twice the plain form, and its quotes doubled
    in CSV."""
    oid = raw.adapters.types["text"].array_oid
    load = raw.adapters.get_loader(oid, pq.Format.TEXT)(oid, raw).load

    def finish(values: pa.ChunkedArray, tz: Any) -> np.ndarray:
        return np.fromiter((None if v is None else load(v) for v in values.to_pylist()),
                           dtype=object, count=len(values))

    return finish


def _objects(values: pa.ChunkedArray, parse: Callable[[str], object]) -> np.ndarray:
    """One Python object per value (element by element: a list must not become a 2-D array)."""
    out = _nones(len(values))
    for i, text in enumerate(values.to_pylist()):
        if text is not None:
            out[i] = parse(text)
    return out


def _geometries(values: pa.ChunkedArray, tz: Any) -> np.ndarray:
    """Hex on the wire; GEOS parses hex WKB ~3× slower than bytes, so unhex first."""
    wkb = [_unhexed(chunk).to_numpy(zero_copy_only=False) for chunk in values.chunks]
    return np.asarray(shapely.from_wkb(np.concatenate(wkb) if wkb else _nones(0)), dtype=object)


def _unhexed(chunk: pa.StringArray) -> pa.BinaryArray:
    """The chunk's values unhexed by one call on its character buffer: they lie end to end
    there, each of even length (NULL: none), so each value's bytes start at half its offset."""
    validity, offsets, chars = chunk.buffers()
    ends = np.frombuffer(offsets, dtype=np.int32, count=chunk.offset + len(chunk) + 1)
    first, last = int(ends[0]), int(ends[-1])
    data = binascii.unhexlify(memoryview(chars)[first:last]) if chars is not None else b""
    halved = pa.py_buffer((ends - first) // 2)
    return pa.Array.from_buffers(pa.binary(), len(chunk), [validity, halved, pa.py_buffer(data)],
                                 offset=chunk.offset)

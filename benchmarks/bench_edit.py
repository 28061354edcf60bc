"""An edit reaching the repair list: today's path (re-read the county, rank) against the patched
one (re-read the edited row into the kept inputs, rank from memory), and reading the ranking
inputs against the floor of a binary COPY of the same columns — all in the same run.

    python -m benchmarks.bench_edit                  # the demo county and --scale 100
    BENCH_EDIT_SCALES=1,10 python -m benchmarks.bench_edit

Per scale: ``read_rows_s`` (frames built from SQLAlchemy Rows, the code before issue 15),
``read_tuples_s`` (plain driver tuples, the reader before it went column-wise; kept in
tests/helpers/tuple_reader.py), ``read_s`` (today: COPY … (FORMAT csv) parsed by Arrow,
geo/db/copy_out.py), ``copy_floor_s`` (COPY … TO STDOUT (FORMAT binary) of the same SELECTs,
bytes only; ``read_over_copy``: the issue's goal is ≤ 2), ``edit_full_s`` (an edit as the app
handled it before: every cache cleared, so read + rank), ``edit_rerank_s`` (the kept inputs ranked
again from scratch: the patched path before the per-group orders) and ``edit_water_s`` /
``edit_road_s`` (the patched path: the row re-read, its tasks and its group — a cover group, a road
component — scheduled again, every group's order merged; a non-road asset and a road);
``views_rebuild_s`` / ``views_patch_s``: the map's and the list's per-filter views after an edit,
rebuilt as before or patched (``_views``). Generating and loading the data are not timed.
"""

from __future__ import annotations

import gc
import os
import resource
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import geo.rank.inputs as rank_inputs
from geo.demo.generate import generate
from geo.demo.load import load
from geo.rank.core import rank
from geo.rank.inputs import read_inputs
from geo.testing.databases import temporary_database
from layers import REGISTRY
from layers.filter import Filter
from tests.helpers.tuple_reader import tuples_frame
from views.map import data as map_data
from views.names import load_names
from views.queue import after_edit, live_ranking, load_rules
from views.selection_view import build_view, patch_view


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def _rows_frame(conn: Any, statement: Any, wkb: tuple[str, ...] = ()) -> pd.DataFrame:
    """The read before issue 15: frames from SQLAlchemy Row objects."""
    result = conn.execute(statement)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for name in wkb:
        values = [bytes(b) if b is not None else None for b in frame[name]]
        frame[name] = shapely.from_wkb(values) if values else []
    return frame


def _statements(conn: sa.Connection) -> list[Any]:
    """The SELECTs read_inputs sends (for the COPY floor)."""
    seen: list[Any] = []
    reader = rank_inputs._frame

    def noting(bind: Any, statement: Any, wkb: tuple[str, ...] = ()) -> pd.DataFrame:
        seen.append(statement)
        return reader(bind, statement, wkb)

    rank_inputs._frame = noting  # type: ignore[assignment]
    try:
        read_inputs(conn, REGISTRY)
    finally:
        rank_inputs._frame = reader
    return seen


def _copy_floor(conn: sa.Connection, statements: list[Any]) -> float:
    sqls = [str(s.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            for s in statements]
    raw: Any = conn.connection.dbapi_connection  # psycopg's: COPY TO STDOUT
    start = time.perf_counter()
    with raw.cursor() as cursor:
        for sql in sqls:
            with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)") as copy:
                for _ in copy:
                    pass
    return time.perf_counter() - start


def _read_with(conn: sa.Connection, reader: Any, repeat: int) -> float:
    """read_inputs timed with ``reader`` in place of the column-wise frame reader."""
    kept = rank_inputs._frame
    rank_inputs._frame = reader
    try:
        spent, _ = _timed(lambda: read_inputs(conn, REGISTRY), repeat)
    finally:
        rank_inputs._frame = kept
    return spent


def _reads(conn: sa.Connection, repeat: int) -> dict[str, float]:
    """Interleaved per round (the machine is shared): each figure is its best of ``repeat``."""
    statements = _statements(conn)
    floor, read_s, tuples_s, rows_s = [float("inf")] * 4
    for _ in range(repeat):
        floor = min(floor, _copy_floor(conn, statements))
        read_s = min(read_s, _read_with(conn, rank_inputs._frame, 1))
        tuples_s = min(tuples_s, _read_with(conn, tuples_frame, 1))
        rows_s = min(rows_s, _read_with(conn, _rows_frame, 1))
    return {"read_rows_s": rows_s, "read_tuples_s": tuples_s, "read_s": read_s,
            "copy_floor_s": floor, "read_over_copy": read_s / floor,
            "tuples_over_copy": tuples_s / floor, "read_speedup": tuples_s / read_s}


def _open_asset(conn: sa.Connection, layer: str, statuses: tuple[str, ...]) -> tuple[int, str]:
    table = REGISTRY.get(layer).table
    row = conn.execute(sa.select(table.c.id, table.c.status).where(table.c.status.in_(statuses))
                       .order_by(table.c.id).limit(1)).one()
    return int(row[0]), str(row[1])


def _set(engine: sa.Engine, layer: str, asset_id: int, status: str) -> None:
    table = REGISTRY.get(layer).table
    with engine.begin() as conn:
        conn.execute(sa.update(table).where(table.c.id == asset_id)
                     .values(status=status, version=table.c.version + 1))


def _edits(engine: sa.Engine) -> dict[str, float]:
    """Each edit flips an asset and back (two edits, the figure is the mean of the pair), through
    the patched path (``after_edit``: the edited row re-read, its group scheduled again, merged);
    then, on the same inputs, a full re-rank from memory (the patched path before: the row swapped
    in, everything ranked again) and the old path (every cache cleared: read + rank)."""
    rules = load_rules()
    with engine.connect() as conn:
        start = time.perf_counter()
        live = live_ranking(conn)
        out: dict[str, float] = {"live_build_s": time.perf_counter() - start}
        water = _open_asset(conn, "water_works", ("not_started", "assess", "repairing"))
        road = _open_asset(conn, "roads", ("not_started", "assess", "opening"))
    for name, layer, (asset_id, was), new in (("water", "water_works", water, "done"),
                                                ("road", "roads", road, "opened")):
        spent = 0.0
        for status in (new, was):
            _set(engine, layer, asset_id, status)
            start = time.perf_counter()
            with engine.connect() as conn:
                live = after_edit(conn, live, [(layer, asset_id)])
            spent += time.perf_counter() - start
        out[f"edit_{name}_s"] = spent / 2
    out["edit_rerank_s"], _ = _timed(lambda: rank(live.inputs, rules), 1)
    start = time.perf_counter()
    with engine.connect() as conn:  # the old path: nothing kept, read everything and rank
        rank(read_inputs(conn, REGISTRY), rules)
    out["edit_full_s"] = time.perf_counter() - start
    for name in ("water", "road"):
        out[f"edit_{name}_speedup"] = out["edit_full_s"] / out[f"edit_{name}_s"]
        out[f"edit_{name}_vs_rerank"] = out["edit_rerank_s"] / out[f"edit_{name}_s"]
    return out


VIEW_FILTERS = (Filter(), Filter(statuses=("not_started", "opening")))


def _views(engine: sa.Engine) -> dict[str, float]:
    """The per-filter views the map and the repair list show (views.selection_view, the app's
    own functions without Streamlit) after an edit: rebuilt as before (every filter's selection
    and map layers, and the households' layer, again) against patched (the edited rows only).
    Two filters (all; two statuses); a water works and a road each flipped and back (mean of the
    pair): ``views_*`` for the water works, ``views_road_*`` for the road."""
    with engine.connect() as conn:
        live = live_ranking(conn)
        names = load_names(conn)
        water = _open_asset(conn, "water_works", ("not_started", "assess", "repairing"))
        road = _open_asset(conn, "roads", ("not_started", "assess", "opening"))
        homes = map_data.household_map(conn, (), (), names, "zh")
        views = [build_view(conn, f, (live.result.rows, live.result.cannot_rank), names, "zh",
                            None, homes if f.shows_households else None) for f in VIEW_FILTERS]
    out: dict[str, float] = {}
    for prefix, layer, (asset_id, was), new in (("views", "water_works", water, "done"),
                                                  ("views_road", "roads", road, "opened")):
        rebuild = patch = 0.0
        for status in (new, was):
            _set(engine, layer, asset_id, status)
            with engine.connect() as conn:
                live = after_edit(conn, live, [(layer, asset_id)])
                ranked = (live.result.rows, live.result.cannot_rank)
                start = time.perf_counter()
                views = [patch_view(conn, v, ranked, names, [(layer, asset_id)]) for v in views]
                patch += time.perf_counter() - start
                start = time.perf_counter()
                homes = map_data.household_map(conn, (), (), names, "zh")
                fresh = [build_view(conn, f, ranked, names, "zh", None,
                                    homes if f.shows_households else None) for f in VIEW_FILTERS]
                rebuild += time.perf_counter() - start
            assert [v.content() for v in views] == [v.content() for v in fresh]  # the same views
        out.update({f"{prefix}_rebuild_s": rebuild / 2, f"{prefix}_patch_s": patch / 2,
                    f"{prefix}_speedup": rebuild / patch})
    return out


def _scale(scale: int) -> dict[str, float]:
    with temporary_database() as engine:
        with engine.begin() as conn:
            load(conn, generate(scale), progress=False)
        with engine.connect() as conn:
            figures = _reads(conn, repeat=3 if scale <= 10 else 1)
        figures.update(_edits(engine))
        figures.update(_views(engine))
    return {f"scale{scale}_{k}": round(v, 3) for k, v in figures.items()}


def main() -> dict[str, object]:
    scales = [int(s) for s in os.environ.get("BENCH_EDIT_SCALES", "1,100").split(",") if s]
    figures: dict[str, object] = {}
    for scale in scales:
        figures.update(_scale(scale))
        gc.collect()
    figures["process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key:<40} {value}")

"""Problem ledger speed: deriving and loading the demo ledger (with its history), the ledger page's
data for the whole county and for one township, 动态清零 (figures and the chart replayed from the
history), and what the repair loop adds to a status change — at county scale and at a larger scale
(TRACKER_BENCH_LEDGER_SCALE, default 10). Needs a PostgreSQL server (geo.testing.databases).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import time
from typing import Any

import sqlalchemy as sa

from geo.demo import DEFAULT_SEED, demo_ledger, generate, load, load_ledger
from layers import store
from layers.filter import Filter
from layers.history import forget
from layers.roles import Scope
from views import clearance
from views.ledger import LedgerQuery, ledger_frame, problem_records
from views.names import load_names

BIG_SCALE = int(os.environ.get("TRACKER_BENCH_LEDGER_SCALE", "10"))
AS_OF = dt.date(2021, 9, 15)
ADMIN = Scope("admin")


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _timed(figures: dict[str, object], key: str, work: Any) -> Any:
    started = time.perf_counter()
    result = work()
    figures[key] = round(time.perf_counter() - started, 3)
    return result


def _run(engine: sa.Engine, scale: int, figures: dict[str, object], tag: str) -> None:
    data = generate(scale=scale)
    started = time.perf_counter()
    problems = demo_ledger(data, DEFAULT_SEED)
    figures[f"{tag}_derive_s"] = round(time.perf_counter() - started, 3)
    figures[f"{tag}_problems"] = len(problems)
    with engine.begin() as conn:
        load(conn, data, replace=True, progress=False)
        forget(conn, ["problems"])  # the replaced ledger's ids are reused
        _timed(figures, f"{tag}_load_with_history_s", lambda: load_ledger(conn, problems))
    del data
    with engine.connect() as conn:
        names = load_names(conn)
        town = sorted(names.townships)[0]
        records = _timed(figures, f"{tag}_page_county_s", lambda: ledger_frame(
            conn, problem_records(conn, ADMIN, LedgerQuery(), AS_OF), names, "zh", AS_OF))
        figures[f"{tag}_page_county_rows"] = len(records)
        _timed(figures, f"{tag}_page_township_s", lambda: ledger_frame(
            conn, problem_records(conn, ADMIN, LedgerQuery(townships=(town,)), AS_OF), names, "zh", AS_OF))
        _timed(figures, f"{tag}_clearance_figures_s", lambda: clearance.figures(conn, ADMIN, Filter(), AS_OF))
        _timed(figures, f"{tag}_clearance_timeline_s",
               lambda: clearance.timeline(conn, ADMIN, Filter(), AS_OF, "zh"))
    _loop(engine, figures, tag)
    figures[f"{tag}_rss_peak_mb"] = _rss_mb()


def _loop(engine: sa.Engine, figures: dict[str, object], tag: str) -> None:
    """A water work under repair finished with and without open problems it caused (the one
    causing most, rolled back after)."""
    with engine.connect() as conn:
        busiest = conn.execute(sa.text("""
            SELECT w.id, w.version, count(*) AS n FROM water_works w
            JOIN problems p ON p.causes @> ARRAY['water_works:' || w.id]
                           AND p.state IN ('open', 'in_progress')
            WHERE w.status = 'repairing' GROUP BY w.id, w.version ORDER BY n DESC LIMIT 1""")).first()
        quiet = conn.execute(sa.text("""
            SELECT w.id, w.version FROM water_works w WHERE w.status = 'repairing'
              AND NOT EXISTS (SELECT 1 FROM problems p WHERE p.causes @> ARRAY['water_works:' || w.id])
            ORDER BY w.id LIMIT 1""")).first()
        conn.rollback()  # each timed change is its own transaction, rolled back after
        for row, key in ((busiest, "with_problems"), (quiet, "without_problems")):
            if row is None:
                continue
            transaction = conn.begin()
            _timed(figures, f"{tag}_status_change_{key}_s", lambda row=row: store.set_status(
                conn, "water_works", row.id, "done", row.version, "bench", today=AS_OF))
            transaction.rollback()
        figures[f"{tag}_open_problems_of_the_busiest_water_work"] = int(busiest.n) if busiest else 0


def main() -> dict[str, object]:
    from geo.testing.databases import temporary_database

    figures: dict[str, object] = {"cpus": os.cpu_count(), "big_scale": BIG_SCALE}
    with temporary_database() as engine:
        _run(engine, 1, figures, "county")
        _run(engine, BIG_SCALE, figures, f"scale{BIG_SCALE}")
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(main(), indent=1))

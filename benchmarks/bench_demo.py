"""Demo generator speed: county scale generate + load (target < 15 s on 2 cores) and a
province-sized run (``--scale 100``: target < 10 minutes), with the memory peak.

The large scale defaults to 100; set TRACKER_BENCH_DEMO_SCALE to measure a smaller one (the
figures name the scale measured). Loading goes into a throwaway database from
``geo.testing.databases.temporary_database()``; without a PostgreSQL server only generation is timed.
"""

from __future__ import annotations

import os
import resource
import time

from geo.demo import generate, load

BIG_SCALE = int(os.environ.get("TRACKER_BENCH_DEMO_SCALE", "100"))


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _run(scale: int, engine: object | None, figures: dict[str, object], tag: str) -> None:
    started = time.perf_counter()
    data = generate(scale=scale)
    generated = time.perf_counter()
    figures[f"{tag}_generate_s"] = round(generated - started, 2)
    figures[f"{tag}_households"] = len(data["households"])
    figures[f"{tag}_villages"] = len(data["villages"])
    figures[f"{tag}_rows"] = int(sum(len(frame) for frame in data.values()))
    if engine is not None:
        with engine.begin() as conn:  # type: ignore[attr-defined]
            load(conn, data, replace=True, progress=False)
        figures[f"{tag}_load_s"] = round(time.perf_counter() - generated, 2)
        figures[f"{tag}_generate_load_s"] = round(time.perf_counter() - started, 2)
    figures[f"{tag}_rss_peak_mb"] = _rss_mb()
    del data


def main() -> dict[str, object]:
    figures: dict[str, object] = {"cpus": os.cpu_count(), "big_scale": BIG_SCALE}
    try:
        from geo.testing.databases import temporary_database

        with temporary_database() as engine:
            _run(1, engine, figures, "county")
            _run(BIG_SCALE, engine, figures, f"scale{BIG_SCALE}")
    except Exception as error:  # no server here: time the generation alone and say so
        figures["db_error"] = str(error).splitlines()[0][:200]
        _run(1, None, figures, "county")
        _run(BIG_SCALE, None, figures, f"scale{BIG_SCALE}")
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(main(), indent=1))

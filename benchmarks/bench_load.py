"""``make bench`` wrapper of the load test (benchmarks/loadtest.py): real Streamlit websocket
sessions on the demo county, each signed in and re-running a page every 1–3 s.

    python -m benchmarks.bench_load                       # 20 sessions, then 50, 60 s each
    BENCH_LOAD_SESSIONS=20 BENCH_LOAD_SECONDS=30 python -m benchmarks.bench_load

Figures: the server's CPU seconds per warm run of each page with one session alone; then per
session count: page runs, p50/p95/max seconds per page run, errors, the server's peak RSS (MB).
"""

from __future__ import annotations

import os

from benchmarks.loadtest import cpu_per_page, demo_app, load


def main() -> dict[str, object]:
    counts = [int(n) for n in os.environ.get("BENCH_LOAD_SESSIONS", "20,50").split(",") if n]
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
    figures: dict[str, object] = {}
    with demo_app() as (base, pid, sign_in):
        load(base, 2, 10.0, pid, sign_in)  # warm-up: imports, the first ranking, caches
        for page, seconds_cpu in cpu_per_page(base, pid, sign_in).items():
            figures[f"cpu_s_per_run_{page}"] = seconds_cpu
        for n in counts:
            result = load(base, n, seconds, pid, sign_in)
            for key in ("page_runs", "p50_s", "p95_s", "max_s", "errors", "server_rss_peak_mb"):
                figures[f"sessions{n}_{key}"] = result[key]
            if result["first_errors"]:
                figures[f"sessions{n}_first_error"] = str(result["first_errors"])[:200]
    return figures


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key:<40} {value}")

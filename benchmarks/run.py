"""``make bench``: run every benchmarks/bench_*.py in its own process and record the figures.

Each module's ``main()`` returns named figures; a fresh process per module keeps memory peaks
(ru_maxrss) honest. Results go to benchmarks/results.json and a table on stdout.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNNER = "import json, importlib; m = importlib.import_module({name!r}); print('RESULT ' + json.dumps(m.main()))"


def run_one(name: str) -> dict[str, object]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER.format(name=name)],
        capture_output=True, text=True, cwd=HERE.parent,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail), "wall_s": round(time.perf_counter() - started, 2)}
    return json.loads(lines[-1][len("RESULT "):])


def main(argv: list[str]) -> int:
    wanted = set(argv)
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    out = HERE / "results.json"
    # a partial run (make bench ONLY=app) updates its modules and keeps the others' figures
    results: dict[str, object] = json.loads(out.read_text()) if wanted and out.exists() else {}
    results |= {
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version(),
                    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())},
    }
    for stem in modules:
        if wanted and stem.removeprefix("bench_") not in wanted:
            continue
        print(f"running {stem} …", file=sys.stderr, flush=True)
        figures = run_one(f"benchmarks.{stem}")
        results[stem] = figures
        for key, value in figures.items():
            print(f"{stem:<14} {key:<40} {value}")
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(f"figures written to {out}", file=sys.stderr)
    return 1 if any(isinstance(v, dict) and "error" in v for v in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

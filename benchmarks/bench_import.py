"""Import speed (issue 14): ``tracker import``'s path (views.imports.run_import, committed), each in
a fresh process whose memory peak (VmHWM) is reported.

- the demo county's own export, every layer in one GeoPackage, into an empty database (< 10 s);
- a household register of 150,000 rows in the national system's layout, as .xlsx and as .csv,
  into a database holding the demo county's townships and villages (< 60 s each);
- the ``--scale 100`` roads (≈ 80,000 segments) as a GBK shapefile zip in Gauss-Kruger metres,
  into a database holding the 100 tiles' county outlines and townships (< 60 s).

Files are made with the tracker's exporter (the demo) or written directly (the register), outside
the timed part.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
import sqlalchemy as sa

REGISTER_ROWS = int(__import__('os').environ.get('TRACKER_BENCH_REGISTER_ROWS', 150_000))
CHILD = """
import json, sys, time
begun = time.perf_counter()
import sqlalchemy as sa
from pathlib import Path
from views.imports import ImportRequest, run_import
url, path, layer = sys.argv[1:4]
engine = sa.create_engine(url)
started = time.perf_counter()
report = run_import(engine, ImportRequest(Path(path), Path(path).name, layer=layer, commit=True,
                                          user="bench"))
done = time.perf_counter()
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
outcomes = [r.outcome for r in report.layers if r.outcome]
print(json.dumps({"s": done - started, "imports_s": started - begun, "committed": report.committed,
                  "errors": len(report.errors), "rows": sum(o.rows for o in outcomes),
                  "inserted": sum(o.inserted for o in outcomes), "rss_peak_mb": int(hwm) / 1024}))
"""


def main() -> dict[str, object]:
    from geo.demo import generate

    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        county = generate(scale=1)
        figures |= _demo_export(county, folder)
        register = _register(county, folder)
        figures |= _register_imports(county, register, folder)
        del county
        figures |= _scale100_roads(folder)
    figures |= {"target_demo_all_layers_s": 10, "target_register_150k_s": 60,
                "target_scale100_roads_s": 60}
    return figures


def _child(url: str, path: Path, layer: str, prefix: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", CHILD, url, str(path), layer],
                          capture_output=True, text=True, check=True)
    child = json.loads(done.stdout.strip().splitlines()[-1])
    return {f"{prefix}_s": round(child["s"], 2), f"{prefix}_rows": child["rows"],
            f"{prefix}_inserted": child["inserted"], f"{prefix}_committed": child["committed"],
            f"{prefix}_errors": child["errors"], f"{prefix}_file_mb": round(path.stat().st_size / 1e6, 2),
            f"{prefix}_process_rss_peak_mb": round(child["rss_peak_mb"], 1)}


def _url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _demo_export(county: dict, folder: Path) -> dict[str, object]:  # type: ignore[type-arg]
    from geo.demo import load
    from geo.testing.databases import temporary_database
    from layers.filter import Filter
    from views.downloads import ExportRequest, export_to_file

    path = folder / "wuyang-all.gpkg"
    with temporary_database() as source:
        with source.begin() as conn:
            load(conn, county, progress=False)
        with source.connect() as conn:
            export_to_file(conn, ExportRequest(Filter(), fmt="gpkg", include_private=True), path)
    with temporary_database() as empty:
        return _child(_url(empty), path, "all", "demo_all_layers_gpkg")


def _register(county: dict, folder: Path) -> list[list[object]]:  # type: ignore[type-arg]
    """150,000 rows in the national layout over the demo's villages (valid ID check digits)."""
    villages = county["villages"][["code", "name", "township_code"]].to_numpy()
    towns = dict(county["townships"][["code", "name"]].to_numpy())
    rng = np.random.default_rng(14)
    picks = rng.integers(0, len(villages), REGISTER_ROWS)
    kinds = ["脱贫不稳定户", "边缘易致贫户", "突发严重困难户", ""]
    risks = ["因病;住房出现安全问题", "饮水安全", "因灾", "因学", ""]
    rows: list[list[object]] = []
    for n, index in enumerate(picks):
        _code, name, town = villages[index]
        kind = kinds[n % 4]
        rows.append([n + 1, "舞阳县", towns[town], name, f"户主{n}", "户主", _id_number(n),
                     int(1 + n % 6), "监测户" if kind else "脱贫户", kind, risks[n % 5],
                     f"帮扶人{n % 500}", f"138{n:08d}"])
    return rows


def _id_number(n: int) -> str:
    """Unique 18-character numbers with a right check digit (not real birth dates)."""
    first = f"411121{n:011d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first + "10X98765432"[sum(int(d) * w for d, w in zip(first, weights, strict=True)) % 11]


HEADERS = ["序号", "县(市、区)", "乡(镇)", "行政村", "户主姓名", "与户主关系", "证件号码", "家庭人口数",
           "户类型", "监测对象类别", "风险类型", "帮扶责任人", "联系电话"]


def _register_imports(county: dict, rows: list[list[object]],  # type: ignore[type-arg]
                      folder: Path) -> dict[str, object]:
    from geo.demo import load
    from geo.testing.databases import temporary_database

    xlsx, csv_path = folder / "监测对象.xlsx", folder / "监测对象.csv"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("监测对象")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(xlsx)
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    frame_only = {t: (f if t in ("county", "townships", "villages") else f.iloc[0:0])
                  for t, f in county.items()}
    figures: dict[str, object] = {}
    for path, prefix in ((xlsx, "register_150k_xlsx"), (csv_path, "register_150k_csv")):
        with temporary_database() as engine:
            with engine.begin() as conn:
                load(conn, frame_only, progress=False)
            figures |= _child(_url(engine), path, "households", prefix)
    return figures


def _scale100_roads(folder: Path) -> dict[str, object]:
    from geo.demo import generate, load
    from geo.io.export import ExportOptions, LayerData, write_export
    from geo.testing.databases import temporary_database
    from layers import REGISTRY

    started = time.perf_counter()
    big = generate(scale=100)
    made = round(time.perf_counter() - started, 1)
    roads = REGISTRY.get("roads")
    path = folder / "roads100.zip"
    write_export([LayerData(roads.name, roads.zh, roads.en, roads.fields, big["roads"])],
                 ExportOptions(fmt="shp", encoding="GBK"), path)
    frame_only = {t: (f if t in ("county", "townships") else f.iloc[0:0]) for t, f in big.items()}
    count = len(big["roads"])
    del big
    with temporary_database() as engine:
        with engine.begin() as conn:
            load(conn, frame_only, progress=False)
        figures = _child(_url(engine), path, "roads", "scale100_roads_shp")
    return {"scale100_generate_s": made, "scale100_roads": count, **figures}


if __name__ == "__main__":
    print(main())

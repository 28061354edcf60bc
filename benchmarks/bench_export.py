"""Export speed: all layers of the demo county to shapefile zips (target < 3 s) and
``--scale 100`` roads to one zip (target < 60 s), with the memory peak of the exporting process.

Data: ``geo.demo.generate`` when it is importable, else a synthetic data set of similar size built
from the layers' field specs (the figures say which one was used). The timed part is the export
itself (GeoDataFrame → zip on disk: value conversion, reprojection to EPSG:4547, GBK, writing,
zipping); ``db_*`` figures add reading through ``layers.store.read_layer`` when a test database can
be created and the demo can be loaded into it.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo.crs import STORAGE_EPSG
from geo.io.export import ExportOptions, ExportRecord, LayerData, write_export
from layers import REGISTRY
from layers.base import Layer

# Feature counts of the synthetic stand-in (close to the demo county at scale 1).
SYNTHETIC_COUNTS = {
    "county": 1, "townships": 14, "villages": 398, "flood_extent": 40, "roads": 2500,
    "water_works": 400, "power_lines": 1200, "pv_stations": 60, "telecom_sites": 150,
    "schools": 120, "clinics": 420, "households": 8000,
}
BBOX = (113.45, 33.35, 113.85, 33.70)


def main() -> dict[str, object]:
    figures: dict[str, object] = {}
    tables, source = demo_tables(1)
    figures["data_source"] = source
    figures["features_scale1"] = int(sum(len(t) for t in tables.values()))
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        started = time.perf_counter()
        records: list[ExportRecord] = []  # personal layers (households) leave only logged
        for layer in REGISTRY:
            data = LayerData(layer.name, layer.zh, layer.en, layer.fields, tables[layer.name],
                             locates_people=layer.locates_people)
            write_export([data], ExportOptions(fmt="shp", encoding="GBK"),
                         folder / f"{layer.name}.zip", log=records.append)
        figures["all_layers_shp_zips_s"] = round(time.perf_counter() - started, 2)
        figures["all_layers_shp_zips_mb"] = round(_size(folder) / 1e6, 2)
        figures["rss_peak_after_scale1_mb"] = _rss_mb()
        if source.startswith("geo.demo"):
            figures.update(_through_database(tables, folder, "db_all_layers", "all"))
        del tables

        started = time.perf_counter()
        big, source100 = demo_tables(100)
        figures["scale100_generate_s"] = round(time.perf_counter() - started, 2)
        figures["scale100_source"] = source100
        figures["scale100_roads"] = len(big["roads"])
        # Export in a fresh process so that its memory peak is the export's, not the generator's.
        staged = folder / "roads100.parquet"
        big["roads"].to_parquet(staged)
        figures.update(_child("file", str(staged), folder / "roads100.zip", "scale100_roads"))
        if source100.startswith("geo.demo"):
            frame_only = {t: (f if t in FRAME_TABLES else f.iloc[0:0]) for t, f in big.items()}
            del big
            figures.update(_through_database(frame_only, folder, "db_scale100_roads", "roads"))
        figures["rss_peak_parent_mb"] = _rss_mb()
    figures["target_all_layers_s"] = 3
    figures["target_scale100_roads_s"] = 60
    return figures


FRAME_TABLES = ("county", "townships", "villages", "roads")  # what the roads need (foreign keys)


def _through_database(tables: dict[str, gpd.GeoDataFrame], folder: Path, prefix: str,
                      layer: str) -> dict[str, object]:
    """Load into a throwaway database, then time ``tracker export``'s path in a fresh process."""
    from geo.demo import load
    from geo.testing.databases import temporary_database

    try:
        with temporary_database() as engine:
            started = time.perf_counter()
            with engine.begin() as conn:
                load(conn, tables, progress=False)
            loaded = round(time.perf_counter() - started, 2)
            url = engine.url.render_as_string(hide_password=False)
            figures = _child("db", url, folder / f"{prefix}.zip", prefix, layer)
            return {f"{prefix}_load_s": loaded, **figures}
    except Exception as error:  # a benchmark reports what it could not measure
        return {f"{prefix}_skipped": f"{type(error).__name__}: {str(error)[:160]}"}


CHILD = """
import json, sys, time
begun = time.perf_counter()
import geopandas as gpd
import sqlalchemy as sa
from geo.io.export import ExportOptions, LayerData, write_export
from layers import REGISTRY
from layers.filter import Filter
from views.downloads import ExportRequest, export_to_file
mode, source, out, layer = sys.argv[1:5]
started = time.perf_counter()
if mode == "file":
    frame = gpd.read_parquet(source)
    spec = REGISTRY.get(layer)
    data = [LayerData(spec.name, spec.zh, spec.en, spec.fields, frame)]
    summary = write_export(data, ExportOptions(fmt="shp", encoding="GBK"), out)
else:
    with sa.create_engine(source).begin() as conn:  # the export is logged in this transaction
        # "all": no layer chosen (every layer an operator without an account may export)
        request = ExportRequest(Filter(layers=() if layer == "all" else (layer,)), fmt="shp",
                                encoding="GBK")
        summary = export_to_file(conn, request, out)
done = time.perf_counter()
# VmHWM, not ru_maxrss: Linux copies the parent's ru_maxrss into a forked child
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print(json.dumps({"s": done - started, "imports_s": started - begun, "features": summary.total,
                  "rss_peak_mb": int(hwm) / 1024}))
"""


def _child(mode: str, source: str, out: Path, prefix: str, layer: str = "roads") -> dict[str, object]:
    """One export in a fresh Python; its time includes imports and reading the data."""
    done = subprocess.run([sys.executable, "-c", CHILD, mode, source, str(out), layer],
                          capture_output=True, text=True, check=True)
    child = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        f"{prefix}_shp_zip_s": round(child["s"], 2),  # reading + export, after the imports
        f"{prefix}_imports_s": round(child["imports_s"], 2),
        f"{prefix}_features": child["features"],
        f"{prefix}_zip_mb": round(out.stat().st_size / 1e6, 2),
        f"{prefix}_process_rss_peak_mb": round(child["rss_peak_mb"], 1),
    }


def demo_tables(scale: int, only: str | None = None) -> tuple[dict[str, gpd.GeoDataFrame], str]:
    """The demo data set, or the synthetic stand-in when geo.demo is not available."""
    try:
        from geo.demo.generate import generate
    except ImportError:
        pass
    else:
        tables = generate(scale=scale)
        return ({only: tables[only]} if only else tables), f"geo.demo.generate(scale={scale})"
    names = [only] if only else REGISTRY.names
    rng = np.random.default_rng(720)
    synthetic = {n: synthetic_layer(REGISTRY.get(n), SYNTHETIC_COUNTS[n] * scale, rng) for n in names}
    return synthetic, f"synthetic (geo.demo not available), scale {scale}"


def synthetic_layer(layer: Layer, n: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """n features with every field filled the way the store returns them (codes, lists, dates)."""
    data: dict[str, Any] = {"id": np.arange(1, n + 1)}
    for spec in layer.fields:
        data[spec.column] = _values(spec, n, rng)
    return gpd.GeoDataFrame(data, geometry=_geometries(layer, n, rng), crs=STORAGE_EPSG)


def _values(spec: Any, n: int, rng: np.random.Generator) -> list[Any]:
    if spec.vocab is not None:
        codes = spec.vocab.codes
        return [codes[i] for i in rng.integers(0, len(codes), n)]
    day = dt.date(2021, 7, 20)
    make = {
        "int": lambda i: int(i % 500),
        "float": lambda i: float(i % 997) / 7,
        "bool": lambda i: bool(i % 3 == 0),
        "date": lambda i: day + dt.timedelta(days=int(i % 160)),
        "datetime": lambda i: dt.datetime(2021, 8, 1, tzinfo=dt.UTC) + dt.timedelta(hours=int(i)),
        "codes": lambda i: [f"411121{100 + i % 14:03d}{200 + j:03d}" for j in range(i % 4)],
    }.get(spec.kind, lambda i: f"{spec.zh}{i}号")
    return [make(i) for i in range(n)]


def _geometries(layer: Layer, n: int, rng: np.random.Generator) -> np.ndarray:
    x0, y0, x1, y1 = BBOX
    xs, ys = rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)
    points = np.asarray(shapely.points(xs, ys))
    kind = layer.geometry_type
    if kind == "GEOMETRY":  # water works: a third are pipelines
        lines = _lines(xs, ys, rng)
        return np.where(np.arange(n) % 3 == 0, lines, points)
    if kind == "POINT":
        return points
    if kind == "LINESTRING":
        return _lines(xs, ys, rng)
    squares = np.asarray(shapely.buffer(points, 0.01, cap_style="square"))
    return np.array([shapely.MultiPolygon([s]) for s in squares])


def _lines(xs: np.ndarray, ys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Polylines of 12 vertices, ~1-2 km, like road segments between junctions."""
    steps = rng.normal(0, 0.0015, (len(xs), 12, 2)).cumsum(axis=1)
    coords = steps + np.stack([xs, ys], axis=1)[:, None, :]
    return np.asarray(shapely.linestrings(coords))


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir())


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


if __name__ == "__main__":
    print(main())

"""GeoPackage and GeoJSON exports (fields named by their full Chinese labels).

GeoPackage: every layer in one file, one table per layer and geometry family (a GPKG table holds
one geometry type, so water works become ``water_works_point`` and ``water_works_line``); the
Chinese layer name goes into the table's identifier; a ``field_dictionary`` table (no geometry)
explains every field. GeoJSON: one RFC 7946 FeatureCollection in
EPSG:4326 lon/lat; with several layers each feature says which layer it comes from (图层).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.crs import WGS84_EPSG
from geo.io.model import (
    DICTIONARY_HEADERS,
    ExportOptions,
    ExportSummary,
    LayerData,
    dictionary_rows,
    output_frame,
    split_by_family,
)

LAYER_COLUMN = "图层"
DICTIONARY_TABLE = "field_dictionary"
FAMILY_ZH = {"point": "点", "line": "线", "polygon": "面"}


def write_geopackage(layers: Sequence[LayerData], options: ExportOptions, target: Path,
                     summary: ExportSummary) -> None:
    for layer in layers:
        frame = output_frame(layer, "gpkg", options.include_private, "zh", options.epsg)
        parts = split_by_family(layer.name, frame)
        for table, part in parts:
            family = table.removeprefix(f"{layer.name}_") if len(parts) > 1 else ""
            identifier = f"{layer.zh}({FAMILY_ZH[family]})" if family else layer.zh
            pyogrio.write_dataframe(
                part, target, layer=table, driver="GPKG", use_arrow=True,
                # GeoPackage 1.2 opens in ArcGIS 10.x and older GDAL (1.4 warns there)
                dataset_options={"VERSION": "1.2"} if not target.exists() else None,
                layer_options={"IDENTIFIER": identifier, "DESCRIPTION": f"{layer.en}; "
                               f"{options.filter_text}"},
            )
            summary.counts[table] = len(part)
    # The field dictionary as a plain attribute table (no geometry), as in the shapefile zip.
    fields = pd.DataFrame(dictionary_rows(layers, options.include_private, "gpkg"),
                          columns=DICTIONARY_HEADERS)
    pyogrio.write_dataframe(fields, target, layer=DICTIONARY_TABLE, driver="GPKG",
                            layer_options={"IDENTIFIER": "字段说明 field dictionary"})


def write_geojson(layers: Sequence[LayerData], options: ExportOptions, target: Path,
                  summary: ExportSummary) -> None:
    frames = []
    summary.epsg = WGS84_EPSG  # RFC 7946: always WGS 84 lon/lat, whatever was asked
    for layer in layers:
        frame = output_frame(layer, "geojson", options.include_private, "zh", WGS84_EPSG)
        if len(layers) > 1:
            frame.insert(0, LAYER_COLUMN, layer.zh)
        frames.append(frame)
        summary.counts[layer.name] = len(frame)
    merged = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84_EPSG)
    pyogrio.write_dataframe(
        merged, target, driver="GeoJSON", use_arrow=True,
        layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"},
    )

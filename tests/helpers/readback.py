"""Read exports back the way engineers' tools do: GDAL's ogrinfo (Debian gdal-bin), fiona, pyogrio.

Shared by the export tests; the checks here are the ones every shapefile must pass.
"""

from __future__ import annotations

import io
import os
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fiona
import geopandas as gpd
import pyogrio

SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def ogrinfo(path: Path, *args: str) -> str:
    """ogrinfo's report (the system GDAL, independent of the wheels' GDAL)."""
    env = {**os.environ, "GDAL_SKIP": "OGR_VRT,VRT"}
    done = subprocess.run(["ogrinfo", "-ro", *args, str(path)], capture_output=True, text=True,
                          encoding="utf-8", env=env, check=True, timeout=60)
    return done.stdout


def unzip(data: bytes | Path, folder: Path) -> list[str]:
    archive = zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data))
    names = archive.namelist()
    for name in names:
        assert name.isascii() and "/" not in name and not name.startswith(".")
    archive.extractall(folder)
    return names


def check_shapefile(path: Path, *, epsg: int, encoding: str, count: int,
                    geometry: str) -> gpd.GeoDataFrame:
    """Every reader agrees on CRS, encoding, count and geometry type; returns pyogrio's frame."""
    stem = path.with_suffix("")
    for suffix in SIDECARS:
        assert stem.with_suffix(suffix).exists(), f"{suffix} missing"
    assert stem.with_suffix(".cpg").read_text().strip() == encoding
    # GDAL (system ogrinfo)
    report = ogrinfo(path, "-so", "-al")
    assert f"Feature Count: {count}" in report
    assert f"Geometry: {geometry}" in report
    assert f'ID["EPSG",{epsg}]' in report.replace(" ", "")
    # fiona
    with fiona.open(path) as src:
        assert len(src) == count
        assert src.crs.to_epsg() == epsg
        assert src.schema["geometry"] == geometry.replace(" ", "")
        for name in src.schema["properties"]:
            assert name.isascii() and len(name.encode()) <= 10
    # pyogrio
    info = pyogrio.read_info(path)
    assert info["features"] == count
    assert info["crs"] == f"EPSG:{epsg}"
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == count
    return frame


def ogr_values(path: Path, field: str) -> list[str]:
    """The values of one field as GDAL's ogrinfo prints them (decoded by GDAL from the .cpg)."""
    report = ogrinfo(path, "-al", "-q")
    marker = f"  {field} ("
    return [line.split(") = ", 1)[1] for line in report.splitlines() if line.startswith(marker)]


@dataclass(frozen=True)
class DbfField:
    """One field descriptor of a DBF header: name, type letter (C, N, D, L, F), width, decimals."""

    name: str
    type: str
    width: int
    decimals: int


def dbf_header(path: Path) -> tuple[int, int, list[DbfField]]:
    """(records, record length, fields) from the DBF's own header bytes: the widths ArcGIS and
    QGIS see, read without any library in between."""
    data = path.read_bytes()
    header_len = int.from_bytes(data[8:10], "little")
    fields = []
    for start in range(32, header_len - 31, 32):
        desc = data[start:start + 32]
        if desc[0] == 0x0D:
            break
        fields.append(DbfField(desc[:11].split(b"\x00", 1)[0].decode("ascii"), chr(desc[11]),
                               desc[16], desc[17]))
    return int.from_bytes(data[4:8], "little"), int.from_bytes(data[10:12], "little"), fields


def dbf_column(path: Path, name: str) -> list[bytes]:
    """The raw bytes of one field in every record, as stored (numbers as their ASCII text)."""
    records, record_len, fields = dbf_header(path)
    data = path.read_bytes()
    start = int.from_bytes(data[8:10], "little")
    offset = 1  # the deletion flag
    for field in fields:
        if field.name == name:
            break
        offset += field.width
    else:
        raise KeyError(name)
    return [data[start + r * record_len + offset:start + r * record_len + offset + field.width]
            for r in range(records)]

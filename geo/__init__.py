"""Machinery of the flood-recovery tracker: CRS, database, analysis, import/export, CLI.

Nothing here knows a particular layer or Streamlit; layers/ builds on it.

GDAL reads ``GDAL_SKIP`` once, when pyogrio or fiona register their drivers on import, and every
import path of the tracker (app, CLI, tests, benchmarks) passes through this package first. The
VRT drivers are skipped because a VRT file makes GDAL open any other path or URL it names: an
imported file must never be able to do that (``geo.io.sniff`` also lets only files whose bytes
are a shapefile, GeoPackage or GeoJSON reach GDAL at all).
"""

from __future__ import annotations

import os

_SKIPPED_DRIVERS = ("OGR_VRT", "VRT")


def _skip_vrt_drivers() -> None:
    present = [d for d in os.environ.get("GDAL_SKIP", "").replace(" ", ",").split(",") if d]
    os.environ["GDAL_SKIP"] = ",".join([*present, *(d for d in _SKIPPED_DRIVERS if d not in present)])


_skip_vrt_drivers()

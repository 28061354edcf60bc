"""A synthetic but realistic 舞阳县 (adcode 411121) flood-recovery data set, as of 2021-09-15.

``generate(scale, seed)`` returns plain data (table name → GeoDataFrame in EPSG:4490, columns as
in the schema); ``load(conn, data)`` writes it with COPY inside the caller's transaction. The
generator knows the schema only by table and column names.
"""

from __future__ import annotations

from geo.demo.common import DEFAULT_SEED, STATUS_DATE, TABLES
from geo.demo.generate import generate
from geo.demo.load import has_data, load

__all__ = ["DEFAULT_SEED", "STATUS_DATE", "TABLES", "generate", "has_data", "load"]

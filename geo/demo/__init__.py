"""A synthetic but realistic 舞阳县 (adcode 411121) flood-recovery data set, as of 2021-09-15.

``generate(scale, seed)`` returns plain data (table name → GeoDataFrame in EPSG:4490, columns as
in the schema); ``load(conn, data)`` writes it with COPY inside the caller's transaction;
``demo_ledger(data, seed)`` derives the problem ledger and ``load_ledger`` writes it after them. The
generator knows the schema only by table and column names.
"""

from __future__ import annotations

from geo.demo.common import DEFAULT_SEED, STATUS_DATE, TABLES
from geo.demo.generate import generate
from geo.demo.ledger import demo_ledger
from geo.demo.load import has_data, load, load_ledger

__all__ = ["DEFAULT_SEED", "STATUS_DATE", "TABLES", "demo_ledger", "generate", "has_data", "load",
           "load_ledger"]

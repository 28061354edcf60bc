"""Bulk-load the demo tables with PostgreSQL COPY, inside the caller's transaction.

Rows travel as ``geo.db.copy`` writes them (EWKB hex, array literals). Tables go in foreign-key
order (TABLES); a power line's parent comes in the same COPY, whose foreign-key checks run at the
end of the statement.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from tqdm import tqdm

from geo.db.copy import copy_frame
from geo.demo.common import TABLES
from geo.errors import DatabaseError, DataExistsError


def row_counts(conn: sa.Connection) -> dict[str, int]:
    """Rows in each of the 12 demo tables."""
    counts = {}
    try:
        for table in TABLES:
            counts[table] = int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() or 0)
    except sa_exc.ProgrammingError:
        raise DatabaseError(
            "the database has no tracker tables yet; run 'tracker db migrate' first."
        ) from None
    return counts


def has_data(conn: sa.Connection) -> bool:
    return any(row_counts(conn).values())


def load(
    conn: sa.Connection, data: Mapping[str, gpd.GeoDataFrame], *, replace: bool = False,
    progress: bool = True,
) -> dict[str, int]:
    """Write ``data`` (table → frame) into the 12 tables; returns the rows written per table.

    Refuses (DataExistsError) when any table already holds rows, unless ``replace``, which first
    empties all 12 tables in the same transaction.
    """
    counts = row_counts(conn)
    if any(counts.values()) and not replace:
        held = sum(counts.values())
        raise DataExistsError(
            f"the database already holds {held} rows in the tracker tables, so the demo was not "
            "loaded; run 'tracker demo --replace' to replace them."
        )
    if replace:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    total = sum(len(data[t]) for t in TABLES)
    raw = conn.connection.driver_connection
    written: dict[str, int] = {}
    with tqdm(total=total, unit="rows", desc="demo", file=sys.stderr, disable=not progress) as bar:
        cursor = raw.cursor()  # type: ignore[union-attr]
        try:
            for table in TABLES:
                written[table] = _copy(cursor, table, data[table], bar)
        finally:
            cursor.close()
    return written


def _copy(cursor: object, table: str, frame: gpd.GeoDataFrame, bar: tqdm) -> int:  # type: ignore[type-arg]
    return copy_frame(cursor, table, frame, bar.update)


LEDGER_COLUMNS = {
    "household_code": "text", "kind": "text", "cause_refs": "text[]", "cause_note": "text",
    "measure": "text", "measure_note": "text", "helper": "text", "helper_unit": "text",
    "found_on": "date", "measure_on": "date", "due_on": "date", "state": "text", "state_on": "date",
    "state_reason": "text", "done_by": "text", "done_on": "date", "done_note": "text",
    "verified_by": "text", "verified_on": "date", "verify_method": "text", "verify_note": "text",
    "appraisal_grade": "text", "appraised_on": "date", "in_plan": "boolean", "renovation": "text",
    "works_started_on": "date", "works_finished_on": "date", "subsidy_yuan": "numeric",
    "created_by": "text",
}
CAUSE_TABLES = ("roads", "water_works", "power_lines", "pv_stations", "telecom_sites", "schools", "clinics")
PROBLEM_COLUMNS = [c for c in LEDGER_COLUMNS
                   if c not in ("household_code", "cause_refs", "measure_on", "state_on")]


def load_ledger(conn: sa.Connection, frame: pd.DataFrame) -> int:
    """Write the demo ledger (household and asset codes resolved to ids) and its history — one row
    per state each problem went through, on the day it did — after ``load``; returns the rows."""
    columns = ", ".join(f"{name} {kind}" for name, kind in LEDGER_COLUMNS.items())
    conn.execute(sa.text(f"CREATE TEMP TABLE _demo_ledger ({columns}) ON COMMIT DROP"))
    raw = conn.connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        with tqdm(total=len(frame), disable=True) as bar:
            _copy(cursor, "_demo_ledger", frame[list(LEDGER_COLUMNS)], bar)
    finally:
        cursor.close()
    assets = " UNION ALL ".join(f"SELECT '{t}' AS layer, code, id FROM {t}" for t in CAUSE_TABLES)
    names = ", ".join(PROBLEM_COLUMNS)
    picked = ", ".join(f"d.{c}" for c in PROBLEM_COLUMNS)
    written = conn.execute(sa.text(f"""
        WITH refs AS (
            SELECT d.household_code, d.kind,
                   array_agg(a.layer || ':' || a.id ORDER BY a.layer, a.id) AS causes
            FROM _demo_ledger d CROSS JOIN LATERAL unnest(d.cause_refs) AS r(ref)
            JOIN ({assets}) a ON a.layer || ':' || a.code = r.ref
            GROUP BY d.household_code, d.kind)
        INSERT INTO problems (household_id, causes, {names}, updated_by)
        SELECT h.id, coalesce(refs.causes, '{{}}'), {picked}, d.created_by
        FROM _demo_ledger d JOIN households h ON h.code = d.household_code
        LEFT JOIN refs ON refs.household_code = d.household_code AND refs.kind = d.kind
        ORDER BY h.id, d.kind""")).rowcount
    conn.execute(sa.text(LEDGER_HISTORY))
    return int(written or 0)


# The states each demo problem went through, as history rows on the day they happened (18:00 CST).
LEDGER_HISTORY = """
    INSERT INTO change_history (table_name, record_id, field, old_value, new_value, note,
                                effective_on, changed_by, changed_at)
    SELECT 'problems', p.id, 'state', s.old, s.new, s.note, s.day, s.who,
           timezone('Asia/Shanghai', s.day + time '18:00')
    FROM _demo_ledger d
    JOIN households h ON h.code = d.household_code
    JOIN problems p ON p.household_id = h.id AND p.kind = d.kind
    CROSS JOIN LATERAL (VALUES
        (1, NULL, 'open', '登记问题 registered', d.found_on, d.created_by, true),
        (2, 'open', 'in_progress', '落实帮扶措施 measure under way', d.measure_on, d.helper,
         d.measure_on IS NOT NULL AND d.state <> 'unfounded'),
        (3, CASE WHEN d.measure_on IS NULL THEN 'open' ELSE 'in_progress' END, 'to_verify',
         '措施完成 measure done', d.done_on, d.done_by, d.done_on IS NOT NULL),
        (4, 'to_verify', 'closed', '核实销号 verified', d.verified_on, d.verified_by, d.state = 'closed'),
        (5, 'open', 'unfounded', d.state_reason, d.state_on, d.created_by, d.state = 'unfounded')
    ) AS s(step, old, new, note, day, who, happened)
    WHERE s.happened
    ORDER BY p.id, s.step
"""

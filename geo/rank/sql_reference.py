"""Who loses what, computed a second, independent way: in PostGIS SQL.

Used to cross-check geo/rank/exposure.py + geo/rank/passage.py (tests/rank/test_db.py) and as the
"same computation in the database" of benchmarks/bench_rank.py. It covers the households (and
their summed weight) losing each damaged asset's service — served villages, feeder subtrees by
recursive CTE, PV beneficiaries (with its welfare posts) — and the set of cut-off villages
(reachability by recursive CTE over the rounded-endpoint road graph). The sequencing (what each
task gives back after the tasks above it) and road detours are not repeated in SQL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from geo.crs import METRIC_EPSG, STORAGE_EPSG
from geo.rank.inputs import LayerRegistry
from geo.rank.rules import Rules


def weight_sql(rules: Rules, alias: str = "h") -> str:
    """The household weight of rank_rules.toml as a SQL expression."""
    cases = " ".join(f"WHEN '{c}' THEN {float(w)}" for c, w in rules.category_weights.items())
    risks = " + ".join(f"(CASE WHEN {alias}.{flag} THEN {float(w)} ELSE 0 END)"
                       for flag, w in rules.risk_weights.items())
    return f"(CASE {alias}.category {cases} ELSE 0 END + {risks or '0'})"


def _statuses(statuses: frozenset[str] | set[str]) -> str:
    return ", ".join(f"'{s}'" for s in sorted(statuses))


def served_sql(table: str, damaged: set[str], rules: Rules) -> str:
    return f"""
        SELECT a.id, count(h.code) AS households, sum({weight_sql(rules)}) AS weighted, 0 AS posts
        FROM {table} a JOIN households h ON h.village_code = ANY(a.villages_served)
        WHERE a.status IN ({_statuses(damaged)}) GROUP BY a.id"""


def feeder_sql(table: str, damaged: set[str], rules: Rules) -> str:
    return f"""
        WITH RECURSIVE below(root, code) AS (
            SELECT id, code FROM {table} WHERE status IN ({_statuses(damaged)})
            UNION
            SELECT b.root, p.code FROM below b JOIN {table} p ON p.parent_code = b.code
        ), fed AS (
            SELECT DISTINCT b.root, unnest(p.villages_fed) AS village
            FROM below b JOIN {table} p ON p.code = b.code
        )
        SELECT f.root AS id, count(h.code) AS households, sum({weight_sql(rules)}) AS weighted,
               0 AS posts
        FROM fed f JOIN households h ON h.village_code = f.village GROUP BY f.root"""


def beneficiaries_sql(table: str, damaged: set[str], rules: Rules) -> str:
    return f"""
        SELECT a.id, count(h.code) AS households, sum({weight_sql(rules)}) AS weighted,
               max(a.welfare_posts) AS posts
        FROM {table} a JOIN households h ON h.code = ANY(a.beneficiaries)
        WHERE a.status IN ({_statuses(damaged)}) GROUP BY a.id"""


def cut_off_sql(table: str, rules: Rules) -> str:
    """Villages linked to their township seat or the county seat by the full road graph but by
    neither once impassable segments are removed."""
    grid = 10.0 ** -rules.snap_decimals
    return f"""
        WITH RECURSIVE ends AS (
            SELECT id, coalesce(status IN ({_statuses(rules.impassable)}), false) AS blocked,
                   ST_SnapToGrid(ST_StartPoint(geom), {grid}) AS a,
                   ST_SnapToGrid(ST_EndPoint(geom), {grid}) AS b
            FROM {table}
        ), nodes AS (
            SELECT row_number() OVER () AS n, p AS pt,
                   ST_Transform(p, {METRIC_EPSG}) AS xy
            FROM (SELECT a AS p FROM ends UNION SELECT b FROM ends) q
        ), edges AS (
            SELECT na.n AS a, nb.n AS b, e.blocked FROM ends e
            JOIN nodes na ON na.pt = e.a JOIN nodes nb ON nb.pt = e.b
        ), arcs AS (
            SELECT a, b, blocked FROM edges UNION ALL SELECT b, a, blocked FROM edges
        ), seats AS (
            SELECT t.code, (SELECT n FROM nodes ORDER BY nodes.xy <-> s.xy LIMIT 1) AS n
            FROM townships t, LATERAL (SELECT ST_Transform(ST_SetSRID(
                ST_MakePoint(t.seat_lon, t.seat_lat), {STORAGE_EPSG}), {METRIC_EPSG}) AS xy) s
            WHERE t.seat_lon IS NOT NULL
        ), reach_all(seat, n) AS (
            SELECT n, n FROM seats
            UNION SELECT r.seat, x.b FROM reach_all r JOIN arcs x ON x.a = r.n
        ), reach_open(seat, n) AS (
            SELECT n, n FROM seats
            UNION SELECT r.seat, x.b FROM reach_open r JOIN arcs x ON x.a = r.n AND NOT x.blocked
        ), vnode AS (
            SELECT v.code, v.township_code,
                   (SELECT n FROM nodes ORDER BY nodes.xy <-> c.xy LIMIT 1) AS n
            FROM villages v, LATERAL (SELECT ST_Transform(coalesce(v.centre,
                ST_PointOnSurface(v.geom)), {METRIC_EPSG}) AS xy) c
        ), targets AS (
            SELECT vn.code, vn.n, s.n AS seat FROM vnode vn JOIN seats s
              ON s.code = vn.township_code OR s.code = '{rules.county_seat_township}'
        )
        SELECT t.code FROM targets t
        GROUP BY t.code
        HAVING bool_or(EXISTS (SELECT 1 FROM reach_all r WHERE r.seat = t.seat AND r.n = t.n))
           AND NOT bool_or(EXISTS (SELECT 1 FROM reach_open r WHERE r.seat = t.seat AND r.n = t.n))
    """


def sql_exposures(conn: Any, registry: LayerRegistry, rules: Rules) -> dict[str, Any]:
    """Per layer: {asset id: (households, summed weight, welfare posts)}; roads: the set of
    cut-off village codes."""
    out: dict[str, Any] = {}
    for layer in registry.repairable():
        profile, table = layer.rank, layer.name
        if profile is None:  # repairable layers always carry one
            continue
        damaged = set(rules.tasks["repair"].statuses) | set(rules.tasks["open"].statuses)
        if profile.exposure == "road_graph":
            out[table] = set(conn.execute(sa.text(cut_off_sql(table, rules))).scalars().all())
            continue
        if profile.exposure == "served":
            sql = served_sql(table, damaged, rules)
        elif profile.exposure == "feeder":
            sql = feeder_sql(table, damaged, rules)
        else:
            sql = beneficiaries_sql(table, damaged, rules)
        out[table] = {r.id: (r.households, float(r.weighted), int(r.posts))
                      for r in conn.execute(sa.text(sql)).all()}
    return out

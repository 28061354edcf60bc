"""Writing one staged layer inside the caller's transaction: match, complete, check, compare, write.

- Rows are matched by code (households without one by ID number, then by head and village; new
  ones get their village's next number). The flood extent has no code: a file of it replaces the
  stored extent.
- A matched row keeps what the file does not give; a blank in a required column keeps the stored
  value. New rows get the columns' defaults, villages a centre inside them, point features
  without coordinates their village's centre (said in the notes).
- The database's rules are checked on the stage (``layers.imports.checks``); any error and
  nothing is written.
- An update never silently overwrites a status (or what the app changes with it: dates,
  passable) edited in the app since the layer's last import: such rows are listed as conflicts
  and keep the app's values unless the user chose to overwrite them (all, or by code).
- Unchanged rows are not touched (geometry equal within 1e-7°, about a centimetre), so the same
  data imported twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from layers import REGISTRY, ledger
from layers.imports import checks, stage_table
from layers.imports.stage_table import new_rows
from layers.imports.staging import ROW, Problem, Staged

APP_EDITED = ("status", "started_on", "finished_on", "passable", "note", "notes")
GEOMETRY_TOLERANCE_DEG = 1e-7  # about 1 cm: a ledger's lon/lat carry 7 decimals
Overwrite = bool | frozenset[str]  # all conflicts, or the codes whose file values win


@dataclass(frozen=True)
class Conflict:
    row: int
    code: str
    name: str
    column: str
    app_value: str
    file_value: str
    changed_by: str
    changed_at: str


@dataclass
class LayerOutcome:
    layer: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    kept: int = 0  # rows whose app edits were kept
    overwritten: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False


def write(conn: sa.Connection, staged: Staged, *, user: str, overwrite: Overwrite,
          last_import: dt.datetime | None, progress: Callable[[int], object] | None = None
          ) -> LayerOutcome:
    """Stage, check and (when nothing is wrong) write ``staged``; the caller owns the transaction."""
    outcome = LayerOutcome(staged.layer.name, rows=len(staged.frame))
    stage = stage_table.create(conn, staged.layer)
    stage_table.load(conn, staged, progress)
    _match(conn, stage, staged, outcome)
    _complete(conn, stage, staged, outcome, user)
    outcome.problems = checks.database_rules(conn, stage, staged)
    if staged.errors or outcome.problems:
        stage_table.drop(conn)
        return outcome
    mapped = _mapped(staged)
    _conflicts(conn, stage, staged, outcome, mapped, last_import, overwrite)
    _mark_changed(conn, stage, staged, mapped)
    _apply(conn, stage, staged, outcome, mapped, user)
    stage_table.drop(conn)
    if staged.layer.name == "households":  # a raised risk flag is an open problem on the ledger
        opened = ledger.open_flagged(conn, user)
        if opened:
            outcome.notes.append(f"{opened} risk point(s) opened on the problem ledger (问题台账)")
    outcome.written = True
    return outcome


def _mapped(staged: Staged) -> list[str]:
    table = staged.layer.table
    columns = [c for c in staged.columns if c in table.c and c not in checks.SKIP_REQUIRED]
    return [*columns, "geom"] if staged.geometry is not None else columns


def _match(conn: sa.Connection, stage: sa.Table, staged: Staged, outcome: LayerOutcome) -> None:
    table = staged.layer.table
    if "code" not in table.c:  # the flood extent: replaced whole, every row new
        return
    if staged.layer.name == "households":
        _household_codes(conn, stage, outcome)
    conn.execute(sa.update(stage).where(stage.c.code == table.c.code).values(_id=table.c.id))


def _household_codes(conn: sa.Connection, stage: sa.Table, outcome: LayerOutcome) -> None:
    """Codes for register rows without one: the stored household's (same ID number; else same
    head in the same village), or the village's next free number."""
    homes = REGISTRY.get("households").table
    conn.execute(sa.update(stage).where(stage.c.code.is_(None), stage.c.id_number.is_not(None),
                                        homes.c.id_number == stage.c.id_number)
                 .values(code=homes.c.code))
    unique = (sa.select(homes.c.village_code, homes.c.head_name, sa.func.min(homes.c.code).label("code"))
              .group_by(homes.c.village_code, homes.c.head_name).having(sa.func.count() == 1)
              .subquery())
    conn.execute(sa.update(stage).where(stage.c.code.is_(None), stage.c.id_number.is_(None),
                                        unique.c.village_code == stage.c.village_code,
                                        unique.c.head_name == stage.c.head_name)
                 .values(code=unique.c.code))
    made = conn.execute(sa.text(f"""
        WITH known AS (SELECT code, village_code FROM households
                       UNION ALL SELECT code, village_code FROM {stage.name} WHERE code IS NOT NULL),
             top AS (SELECT village_code, max(right(code, 4)::int) AS n FROM known
                     WHERE code ~ '^[0-9]{{16}}$' AND left(code, 12) = village_code
                     GROUP BY village_code),
             fresh AS (SELECT {ROW} AS r, village_code,
                              row_number() OVER (PARTITION BY village_code ORDER BY {ROW}) AS k
                       FROM {stage.name} WHERE code IS NULL AND village_code IS NOT NULL)
        UPDATE {stage.name} s SET code = f.village_code || lpad((coalesce(top.n, 0) + f.k)::text, 4, '0')
        FROM fresh f LEFT JOIN top USING (village_code) WHERE s.{ROW} = f.r""")).rowcount
    if made:
        outcome.notes.append(f"{made} households without 户编码 got new codes (村代码 + serial)")


def _complete(conn: sa.Connection, stage: sa.Table, staged: Staged, outcome: LayerOutcome,
              user: str) -> None:
    """What the file leaves out: stored values for matched rows, defaults for new ones."""
    table, given = staged.layer.table, set(_mapped(staged))
    kept = {c.name: table.c[c.name] for c in table.columns
            if c.name != "id" and (c.name not in given or not c.nullable)}
    if kept:
        values = {name: (sa.func.coalesce(stage.c[name], column) if name in given else column)
                  for name, column in kept.items()}
        if "geom" in given and staged.coordinate_columns:  # a ledger's point never replaces a line
            values["geom"] = sa.case((sa.func.GeometryType(table.c.geom) != "POINT", table.c.geom),
                                     else_=sa.func.coalesce(stage.c.geom, table.c.geom))
        conn.execute(sa.update(stage).where(stage.c._id == table.c.id).values(**values))
    # every default in one statement: each UPDATE rewrites the staged rows
    defaults: dict[str, Any] = {c.name: sa.func.coalesce(stage.c[c.name], _default(c)) for c in table.columns
                if _default(c) is not None}
    if "updated_by" in table.c:
        defaults["updated_by"] = user
    if defaults:
        conn.execute(sa.update(stage).where(new_rows(stage)).values(**defaults))
    _places(conn, stage, staged, outcome)


def _default(column: sa.Column[Any]) -> Any:
    server = column.server_default
    if server is None or column.name == "id":
        return None
    arg = getattr(server, "arg", None)
    if isinstance(arg, str):
        return sa.cast(sa.literal(arg), column.type)
    return arg


def _places(conn: sa.Connection, stage: sa.Table, staged: Staged, outcome: LayerOutcome) -> None:
    layer = staged.layer
    if layer.name == "villages":
        conn.execute(sa.update(stage).where(new_rows(stage), stage.c.centre.is_(None))
                     .values(centre=sa.func.ST_PointOnSurface(stage.c.geom)))
    if "village_code" in layer.table.c and layer.geometry_type == "POINT":
        villages = REGISTRY.get("villages").table
        placed = conn.execute(
            sa.update(stage).where(new_rows(stage), stage.c.geom.is_(None),
                                   villages.c.code == stage.c.village_code)
            .values(geom=sa.func.coalesce(villages.c.centre, sa.func.ST_PointOnSurface(villages.c.geom)))
        ).rowcount
        if placed:
            outcome.notes.append(f"{placed} new {layer.zh} without coordinates placed at their "
                                 "village's centre")


def _distinct(stage: sa.Table, table: sa.Table, column: str) -> sa.ColumnElement[bool]:
    if column == "geom":
        same = sa.or_(sa.func.ST_OrderingEquals(stage.c.geom, table.c.geom),
                      sa.func.ST_HausdorffDistance(stage.c.geom, table.c.geom) <= GEOMETRY_TOLERANCE_DEG)
        return sa.not_(same)
    return stage.c[column].is_distinct_from(table.c[column])


def _app_edited(table: sa.Table, last_import: dt.datetime | None) -> sa.ColumnElement[bool] | None:
    if "version" not in table.c:
        return None
    if last_import is None:  # never imported: any edit since the data were loaded counts
        return table.c.version > 1
    return table.c.updated_at > last_import


def _conflicts(conn: sa.Connection, stage: sa.Table, staged: Staged, outcome: LayerOutcome,
               mapped: list[str], last_import: dt.datetime | None, overwrite: Overwrite) -> None:
    table = staged.layer.table
    edited = _app_edited(table, last_import)
    contested = [c for c in mapped if c in APP_EDITED]
    if edited is None or not contested:
        return
    differs = sa.or_(*(_distinct(stage, table, c) for c in contested))
    query = (sa.select(stage.c[ROW], table.c.code, table.c.name, table.c.updated_by,
                       table.c.updated_at, *(table.c[c] for c in contested),
                       *(stage.c[c] for c in contested))
             .where(stage.c._id == table.c.id, edited, differs).order_by(stage.c[ROW]))
    rows = conn.execute(query).all()
    chosen: set[str] = set()
    for row in rows:
        stored, filed = row[5:5 + len(contested)], row[5 + len(contested):]
        for column, old, new in zip(contested, stored, filed, strict=True):
            if old != new:
                outcome.conflicts.append(Conflict(row[0], row.code, row.name, column, _text(old),
                                                  _text(new), row.updated_by or "",
                                                  row.updated_at.isoformat(timespec="seconds")))
        if overwrite is True or (isinstance(overwrite, frozenset) and row.code in overwrite):
            chosen.add(row.code)
    keep = [row.code for row in rows if row.code not in chosen]
    outcome.kept, outcome.overwritten = len(keep), len(chosen)
    if keep:
        conn.execute(sa.update(stage).where(stage.c.code.in_(keep)).values(_keep=True))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _mark_changed(conn: sa.Connection, stage: sa.Table, staged: Staged, mapped: list[str]) -> None:
    table = staged.layer.table
    if "code" not in table.c or not mapped:
        return
    parts = []
    for column in mapped:
        differs = _distinct(stage, table, column)
        if column in APP_EDITED:  # a kept app edit is no change from the file
            differs = sa.and_(stage.c._keep.is_not(True), differs)
        parts.append(differs)
    conn.execute(sa.update(stage).where(stage.c._id == table.c.id).values(_changed=sa.or_(*parts)))


def _apply(conn: sa.Connection, stage: sa.Table, staged: Staged, outcome: LayerOutcome,
           mapped: list[str], user: str) -> None:
    table = staged.layer.table
    columns = [c.name for c in table.columns if c.name != "id"]
    if "code" not in table.c:
        outcome.deleted = conn.execute(sa.delete(table)).rowcount
    outcome.inserted = int(conn.execute(sa.select(sa.func.count()).where(new_rows(stage))).scalar() or 0)
    conn.execute(sa.insert(table).from_select(
        columns, sa.select(*(stage.c[c] for c in columns)).where(new_rows(stage))))
    if "code" not in table.c:
        return
    values: dict[str, Any] = {
        c: sa.case((stage.c._keep.is_(True), table.c[c]), else_=stage.c[c]) if c in APP_EDITED
        else stage.c[c] for c in mapped}
    if "version" in table.c:
        values |= {"version": table.c.version + 1, "updated_by": user}
    if "updated_at" in table.c:
        values["updated_at"] = sa.func.now()
    outcome.updated = conn.execute(sa.update(table).where(stage.c._id == table.c.id,
                                                          stage.c._changed.is_(True))
                                   .values(**values)).rowcount
    matched = outcome.rows - outcome.inserted
    outcome.unchanged = matched - outcome.updated

"""The database's own rules, checked against the staged rows before anything is written.

Required columns, every CHECK constraint of the layer (vocabularies, code patterns, geometry
validity and SRID …, evaluated on the stage, which has the same columns), foreign keys (the
township, village or upstream segment must exist — in the database or in the same file) and
unique columns (a code twice in the file; a township name another township has). Each failing
row becomes a Problem naming the file's row and column, so nothing is left for the write to
trip over.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from layers.base import Layer
from layers.imports.stage_table import rows_where
from layers.imports.staging import ROW, Problem, Staged

SKIP_REQUIRED = ("id", "version", "updated_at")  # filled by the database on insert


def database_rules(conn: sa.Connection, stage: sa.Table, staged: Staged) -> list[Problem]:
    return [*_required(conn, stage, staged), *_check_constraints(conn, stage, staged),
            *_foreign_keys(conn, stage, staged), *_unique(conn, stage, staged)]


def column_label(staged: Staged, column: str) -> str:
    """The file's header for a column, else the field's Chinese label and name."""
    source = staged.source_column(column)
    if source is not None:
        return source
    if column == "geom":
        return "geometry"
    field = next((f for f in staged.layer.fields if f.column == column), None)
    return f"{field.zh} ({column})" if field else column


def _required(conn: sa.Connection, stage: sa.Table, staged: Staged) -> list[Problem]:
    """Empty required columns, on rows without an earlier error (an unknown village leaves the
    household without a code and a place: the village's error says why)."""
    problems = []
    explained = sorted({p.row for p in staged.errors})
    for column in staged.layer.table.columns:
        if column.nullable or column.name in SKIP_REQUIRED:
            continue
        empty = sa.and_(stage.c[column.name].is_(None), stage.c[ROW].not_in(explained))
        for row in rows_where(conn, stage, empty):
            problems.append(Problem(row[0], column_label(staged, column.name), "",
                                    _missing_reason(staged, column.name)))
    return problems


def _missing_reason(staged: Staged, column: str) -> str:
    if column == "geom":
        return ("no location: the file gives no geometry or coordinates for this new row (and no "
                "village to place it at)")
    if staged.source_column(column) is None:
        return (f"required, but the file has no column for it; add one (or map a column to "
                f"{column}) — a new row cannot be stored without it")
    return "required, but empty"


EXPLAINED = ("monitor_kind_category",)  # said in words by layers.imports.households already


def constraint_name(layer: Layer, constraint: sa.CheckConstraint) -> str:
    """The rule's short name (``route_code``), whether or not the naming convention has run."""
    return str(constraint.name or "").removeprefix(f"ck_{layer.table.name}_")


def constraint_column(layer: Layer, constraint: sa.CheckConstraint) -> str | None:
    name = constraint_name(layer, constraint)
    return name if name in layer.table.c else ("geom" if name.startswith("geom") else None)


def _check_constraints(conn: sa.Connection, stage: sa.Table, staged: Staged) -> list[Problem]:
    layer, problems = staged.layer, []
    for constraint in layer.table.constraints:
        if not isinstance(constraint, sa.CheckConstraint) or \
                constraint_name(layer, constraint) in EXPLAINED:
            continue
        column = constraint_column(layer, constraint)
        rule = str(constraint.sqltext)
        shown: Any = stage.c[column] if column and column != "geom" else sa.null()
        for row in rows_where(conn, stage, sa.text(f"({rule}) IS FALSE"), shown):
            name = constraint_name(layer, constraint)
            problems.append(Problem(row[0], column_label(staged, column or name),
                                    "" if row[1] is None else str(row[1]),
                                    f"breaks the rule ck_{layer.table.name}_{name} ({rule})"))
    return problems


def _foreign_keys(conn: sa.Connection, stage: sa.Table, staged: Staged) -> list[Problem]:
    problems = []
    for key in staged.layer.table.foreign_keys:
        column, target = stage.c[key.parent.name], key.column
        exists = sa.exists().where(target == column)
        condition = sa.and_(column.is_not(None), ~exists)
        if target.table is staged.layer.table:  # power lines: the upstream segment may be new too
            other = stage.alias("other")
            condition = sa.and_(condition, ~sa.exists().where(other.c[target.name] == column))
        for row in rows_where(conn, stage, condition, column):
            problems.append(Problem(row[0], column_label(staged, key.parent.name), str(row[1]),
                                    f"no {target.table.name} with {target.name} {row[1]} in the "
                                    "database or in this file; import that layer first"))
    return problems


def _unique(conn: sa.Connection, stage: sa.Table, staged: Staged) -> list[Problem]:
    problems = []
    table = staged.layer.table
    for column in [c for c in table.columns if c.unique]:
        value = stage.c[column.name]
        groups = conn.execute(
            sa.select(value, sa.func.array_agg(aggregate_order_by(stage.c[ROW], stage.c[ROW])))
            .where(value.is_not(None)).group_by(value).having(sa.func.count() > 1))
        for text, rows in groups:
            problems += [Problem(r, column_label(staged, column.name), str(text),
                                 f"appears more than once in the file (first in row {rows[0]})")
                         for r in rows[1:]]
        if column.name != "code":  # another stored row may hold the value already
            taken = sa.exists().where(table.c[column.name] == value,
                                      table.c.id.is_distinct_from(stage.c._id))
            for row in rows_where(conn, stage, taken, value):
                problems.append(Problem(row[0], column_label(staged, column.name), str(row[1]),
                                        "another stored record has this value already"))
    return problems

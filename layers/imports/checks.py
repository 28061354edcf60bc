"""The database's own rules, checked against the staged rows before anything is written.

Required columns, every CHECK constraint of the layer (vocabularies, code patterns, geometry
validity and SRID …, evaluated on the stage, which has the same columns), foreign keys (the
township, village or upstream segment must exist — in the database or in the same file) and
unique columns (a code twice in the file; a township name another township has). Each failing
row becomes a Problem naming the file's row and column, so nothing is left for the write to
trip over.
"""

from __future__ import annotations

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
    """Empty required columns, in one scan, on rows without an earlier error (an unknown village
    leaves a household without a code and a place: the village's error says why)."""
    explained = sorted({p.row for p in staged.errors})
    columns = [c.name for c in staged.layer.table.columns
               if not c.nullable and c.name not in SKIP_REQUIRED]
    if not columns:
        return []
    empty = [stage.c[name].is_(None) for name in columns]
    found = rows_where(conn, stage, sa.and_(sa.or_(*empty), stage.c[ROW].not_in(explained)), *empty)
    return [Problem(row[0], column_label(staged, name), "", _missing_reason(staged, name))
            for row in found for name, flag in zip(columns, row[1:], strict=True) if flag]


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
    """Every CHECK constraint of the layer on the staged rows, in one scan."""
    layer = staged.layer
    rules = [c for c in layer.table.constraints if isinstance(c, sa.CheckConstraint)
             and constraint_name(layer, c) not in EXPLAINED]
    if not rules:
        return []
    broken = [sa.text(f"(({c.sqltext}) IS FALSE)") for c in rules]
    shown = [stage.c[col] if (col := constraint_column(layer, c)) and col != "geom" else sa.null()
             for c in rules]
    found = rows_where(conn, stage, sa.or_(*broken), *broken, *shown)
    problems = []
    for row in found:
        flags, values = row[1:1 + len(rules)], row[1 + len(rules):]
        for rule, flag, value in zip(rules, flags, values, strict=True):
            if not flag:
                continue
            name = constraint_name(layer, rule)
            problems.append(Problem(row[0], column_label(staged, constraint_column(layer, rule) or name),
                                    "" if value is None else str(value),
                                    f"breaks the rule ck_{layer.table.name}_{name} ({rule.sqltext})"))
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

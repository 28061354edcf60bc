"""The import log (what file, whose, when, what it changed) and saved column mappings per bureau.

A file's SHA-256 is recorded with every committed import, so importing the same file into the same
layer again changes nothing; the last import of a layer is also the line after which an edit in
the app counts as newer than the bureau's data (see ``layers.imports.writer``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import CheckConstraint, DateTime, Index, Integer, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from layers.base import Base


class ImportRecord(Base):
    __tablename__ = "import_log"
    __table_args__ = (
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256"),
        Index("ix_import_log_layer_sha256", "layer", "sha256"),
        Index("ix_import_log_layer_imported_at", "layer", "imported_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    layer: Mapped[str] = mapped_column(Text, nullable=False)
    source_name: Mapped[str] = mapped_column(Text, nullable=False)  # the file's name
    source_table: Mapped[str | None] = mapped_column(Text)  # sheet, GeoPackage table or .shp
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    fmt: Mapped[str] = mapped_column(Text, nullable=False)
    bureau: Mapped[str | None] = mapped_column(Text)
    imported_by: Mapped[str] = mapped_column(Text, nullable=False)
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    rows_read: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    inserted: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    updated: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    deleted: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    app_edits_kept: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    app_edits_overwritten: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    crs: Mapped[str | None] = mapped_column(Text)  # what the coordinates were taken to be
    encoding: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class SavedMapping(Base):
    """A confirmed mapping of one bureau's columns (and values) onto a layer, reused next time."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("bureau", "layer", name="uq_import_mappings_bureau_layer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bureau: Mapped[str] = mapped_column(Text, nullable=False)
    layer: Mapped[str] = mapped_column(Text, nullable=False)
    columns: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False, server_default="{}")
    value_map: Mapped[dict[str, dict[str, str]]] = mapped_column(
        JSONB, nullable=False, server_default="{}"
    )
    saved_by: Mapped[str | None] = mapped_column(Text)
    saved_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


LOG: sa.Table = ImportRecord.__table__  # type: ignore[assignment]
MAPPINGS: sa.Table = SavedMapping.__table__  # type: ignore[assignment]


def previous_import(conn: sa.Connection, layer: str, sha256: str, table: str | None) -> Any:
    """The earlier committed import of this very file (and table) into this layer, or None."""
    query = (sa.select(LOG).where(LOG.c.layer == layer, LOG.c.sha256 == sha256,
                                  LOG.c.source_table.is_not_distinct_from(table))
             .order_by(LOG.c.imported_at.desc()).limit(1))
    return conn.execute(query).first()


def last_import_time(conn: sa.Connection, layer: str) -> dt.datetime | None:
    """When the layer was last imported: app edits after it are newer than the bureau's data."""
    return conn.execute(sa.select(func.max(LOG.c.imported_at)).where(LOG.c.layer == layer)).scalar()


def record_import(conn: sa.Connection, values: dict[str, Any]) -> dt.datetime:
    """Insert one log row (inside the import's transaction); returns its time (the transaction's)."""
    return conn.execute(sa.insert(LOG).values(**values).returning(LOG.c.imported_at)).scalar_one()


def recent_imports(conn: sa.Connection, limit: int = 20) -> list[Any]:
    return list(conn.execute(sa.select(LOG).order_by(LOG.c.imported_at.desc(), LOG.c.id.desc())
                             .limit(limit)))


def saved_mapping(conn: sa.Connection, bureau: str, layer: str) -> tuple[dict[str, str],
                                                                          dict[str, dict[str, str]]]:
    row = conn.execute(sa.select(MAPPINGS.c.columns, MAPPINGS.c.value_map).where(
        MAPPINGS.c.bureau == bureau, MAPPINGS.c.layer == layer)).first()
    return (dict(row.columns), dict(row.value_map)) if row else ({}, {})


def save_mapping(conn: sa.Connection, bureau: str, layer: str, columns: dict[str, str],
                 value_map: dict[str, dict[str, str]], user: str) -> None:
    statement = sa.dialects.postgresql.insert(MAPPINGS).values(
        bureau=bureau, layer=layer, columns=columns, value_map=value_map, saved_by=user)
    conn.execute(statement.on_conflict_do_update(
        constraint="uq_import_mappings_bureau_layer",
        set_={"columns": columns, "value_map": value_map, "saved_by": user, "saved_at": func.now()},
    ))


def bureaus(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.select(MAPPINGS.c.bureau).distinct().order_by(MAPPINGS.c.bureau))
                .scalars())

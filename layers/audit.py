"""Who took personal data out, and why: the export log and the unmask log, in the database.

``log_export`` is the one place an export is recorded (who, when, layers, filter, format, whether
it carries personal data, row count, file name and SHA-256 of the file); ``log_unmask`` records
each look at one household's ID number and phone, with the reason given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Integer, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from geo.db.engine import Bind, connection
from geo.errors import ValidationError
from layers.base import Base


class ExportLog(Base):
    __tablename__ = "export_log"
    __table_args__ = (CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    exported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    username: Mapped[str] = mapped_column(Text, nullable=False)
    layers: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    filter_text: Mapped[str] = mapped_column(Text, nullable=False)
    fmt: Mapped[str] = mapped_column(Text, nullable=False)
    crs: Mapped[str] = mapped_column(Text, nullable=False)
    personal: Mapped[bool] = mapped_column(Boolean, nullable=False)
    personal_fields: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False,
                                                       server_default="{}")
    row_count: Mapped[int] = mapped_column(Integer, nullable=False)
    file_name: Mapped[str] = mapped_column(Text, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)


class UnmaskLog(Base):
    __tablename__ = "unmask_log"
    __table_args__ = (CheckConstraint("char_length(btrim(reason)) >= 2", name="reason"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    seen_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    username: Mapped[str] = mapped_column(Text, nullable=False)
    table_name: Mapped[str] = mapped_column(Text, nullable=False)
    record_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    fields: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)


EXPORTS: sa.Table = ExportLog.__table__  # type: ignore[assignment]
UNMASKS: sa.Table = UnmaskLog.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class ExportEntry:
    """What one export wrote, as logged."""

    username: str
    layers: list[str]
    filter_text: str
    fmt: str
    crs: str
    personal: bool
    personal_fields: list[str]
    row_count: int
    file_name: str
    sha256: str


def log_export(bind: Bind, entry: ExportEntry) -> int:
    """Record one export; returns the log row's id."""
    values = {k: getattr(entry, k) for k in ExportEntry.__dataclass_fields__}
    return int(connection(bind).execute(
        sa.insert(EXPORTS).values(**values).returning(EXPORTS.c.id)).scalar_one())


def exports(bind: Bind, limit: int = 100) -> list[dict[str, object]]:
    rows = connection(bind).execute(
        sa.select(EXPORTS).order_by(EXPORTS.c.id.desc()).limit(limit)).mappings().all()
    return [dict(r) for r in rows]


def log_unmask(bind: Bind, username: str, table: str, record_id: int, fields: list[str],
               reason: str) -> None:
    if len(reason.strip()) < 2:
        raise ValidationError("give a reason for seeing this household's personal data.")
    connection(bind).execute(sa.insert(UNMASKS).values(
        username=username, table_name=table, record_id=int(record_id), fields=fields,
        reason=reason.strip()))


def unmasks(bind: Bind, limit: int = 100) -> list[dict[str, object]]:
    rows = connection(bind).execute(
        sa.select(UNMASKS).order_by(UNMASKS.c.id.desc()).limit(limit)).mappings().all()
    return [dict(r) for r in rows]

"""The record of every change: one row per changed field of any record of any table.

Generic on purpose (table name, record id, field, old → new, note, who, when): assets' repair
fields, power filings, accounts — and later households and the problem ledger — all write here
through :func:`record_change`, in the same transaction as the change itself, so a change and its
history row are committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import BigInteger, Date, DateTime, Index, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from geo.db.engine import Bind, connection
from layers.base import Base


class ChangeRecord(Base):
    __tablename__ = "change_history"
    __table_args__ = (
        Index("ix_change_history_record", "table_name", "record_id", "id"),
        Index("ix_change_history_field_time", "table_name", "field", "changed_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(Text, nullable=False)
    record_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    field: Mapped[str] = mapped_column(Text, nullable=False)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # the day the change happened on the ground (e.g. the finish date), when it differs from
    # the day it was entered; progress over time counts by this day
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    changed_by: Mapped[str] = mapped_column(Text, nullable=False)
    changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


TABLE: sa.Table = ChangeRecord.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Change:
    """One history row as read back."""

    id: int
    table_name: str
    record_id: int
    field: str
    old_value: str | None
    new_value: str | None
    note: str | None
    effective_on: dt.date | None
    changed_by: str
    changed_at: dt.datetime


def as_text(value: Any) -> str | None:
    """Values are kept as text (dates ISO, numbers plain), so one column fits every field."""
    if value is None:
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


def record_change(bind: Bind, table: str, record_id: int, field: str, old: Any, new: Any,
                  changed_by: str, *, note: str | None = None,
                  effective_on: dt.date | None = None) -> None:
    """Append one history row (in the caller's transaction)."""
    connection(bind).execute(sa.insert(TABLE).values(
        table_name=table, record_id=int(record_id), field=field, old_value=as_text(old),
        new_value=as_text(new), note=(note or "").strip() or None, effective_on=effective_on,
        changed_by=changed_by,
    ))


def history(bind: Bind, table: str, record_id: int) -> list[Change]:
    """Every change of one record, oldest first."""
    rows = connection(bind).execute(
        sa.select(TABLE).where(TABLE.c.table_name == table, TABLE.c.record_id == int(record_id))
        .order_by(TABLE.c.id)
    ).mappings().all()
    return [Change(**dict(r)) for r in rows]


def last_change(bind: Bind, table: str, record_id: int, field: str,
                new_value: str | None = None) -> Change | None:
    """The latest change of ``field`` (to ``new_value`` when given) of one record."""
    query = sa.select(TABLE).where(TABLE.c.table_name == table,
                                   TABLE.c.record_id == int(record_id), TABLE.c.field == field)
    if new_value is not None:
        query = query.where(TABLE.c.new_value == new_value)
    row = connection(bind).execute(query.order_by(TABLE.c.id.desc()).limit(1)).mappings().first()
    return Change(**dict(row)) if row is not None else None


def changes_of_field(bind: Bind, tables: list[str], field: str,
                     new_values: list[str] | None = None) -> list[Change]:
    """Every change of ``field`` in ``tables`` (to one of ``new_values``), oldest first."""
    query = sa.select(TABLE).where(TABLE.c.table_name.in_(tables), TABLE.c.field == field)
    if new_values:
        query = query.where(TABLE.c.new_value.in_(new_values))
    rows = connection(bind).execute(query.order_by(TABLE.c.id)).mappings().all()
    return [Change(**dict(r)) for r in rows]


def forget(bind: Bind, tables: list[str]) -> int:
    """Drop the history of ``tables`` (their records were replaced wholesale, ids reused)."""
    result = connection(bind).execute(sa.delete(TABLE).where(TABLE.c.table_name.in_(tables)))
    return int(result.rowcount or 0)


def record_loaded_finishes(bind: Bind, tables: list[str], changed_by: str,
                           note: str = "载入时已完工 finished before the data was loaded") -> int:
    """For data loaded without a history (the demo county, an import of an old ledger): one row
    per finished asset (— → 已完工 on its finish date), so progress over time starts with them."""
    conn = connection(bind)
    total = 0
    for name in tables:
        source = sa.table(name, sa.column("id"), sa.column("finished_on"))
        finished = (
            sa.select(sa.literal(name), source.c.id, sa.literal("status"), sa.null(),
                      sa.literal("done"), sa.literal(note), source.c.finished_on,
                      sa.literal(changed_by),
                      sa.func.timezone("Asia/Shanghai", source.c.finished_on + sa.text("time '18:00'")))
            .where(source.c.finished_on.is_not(None))
        )
        result = conn.execute(sa.insert(TABLE).from_select(
            ["table_name", "record_id", "field", "old_value", "new_value", "note", "effective_on",
             "changed_by", "changed_at"], finished).returning(TABLE.c.id))
        total += len(result.all())
    return total

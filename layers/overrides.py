"""The county office's 重点/一般 by hand: one recorded decision per asset, with its reason.

The ranking decides 重点 from the people a task gives services back to (data/rank_rules.toml
[importance]); the 防返贫 office may know better (a village's 帮扶单位 reports a case the data does
not hold). Such a decision is stored here — which asset, 重点 or 一般, why, who and when — and the
ranking uses it instead of its own rule and says so in the row's reason. Not a map layer: it is
not in the registry.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import CheckConstraint, DateTime, Integer, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from geo.db.engine import Bind, connection
from geo.errors import NotFoundError, ValidationError
from geo.rank.plan import Override
from layers import REGISTRY
from layers.base import Base
from layers.filter import IMPORTANCE

MAX_REASON = 500  # characters: a reason is a sentence or two, not a document


class RankOverride(Base):
    __tablename__ = "rank_overrides"
    __table_args__ = (
        UniqueConstraint("layer", "asset_id", name="uq_rank_overrides_asset"),
        CheckConstraint("importance IN ('重点', '一般')", name="importance"),
        CheckConstraint("length(btrim(reason)) > 0", name="reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    layer: Mapped[str] = mapped_column(Text, nullable=False)
    asset_id: Mapped[int] = mapped_column(Integer, nullable=False)
    importance: Mapped[str] = mapped_column(Text, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    set_by: Mapped[str] = mapped_column(Text, nullable=False)
    set_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


def set_override(bind: Bind, layer: str, asset: str, importance: str, reason: str,
                 user: str) -> tuple[str, int, str, str]:
    """Record (or replace) the office's 重点/一般 for one asset; returns (layer, id, code,
    重点/一般).

    ``asset``: the asset's id or code. ``importance``: 重点/一般 (or key/general).
    """
    spec, asset_id, code = _asset(bind, layer, asset)
    chosen = {"key": "重点", "general": "一般"}.get(importance.strip().lower(), importance.strip())
    if chosen not in IMPORTANCE:
        raise ValidationError(f"importance must be 重点 or 一般, not {importance!r}.")
    text = reason.strip()
    if not text:
        raise ValidationError("an override needs a reason (--reason \"…\"): the office records why.")
    if len(text) > MAX_REASON:
        raise ValidationError(f"the reason has {len(text)} characters; keep it under {MAX_REASON}.")
    values = {"layer": spec, "asset_id": asset_id, "importance": chosen, "reason": text,
              "set_by": user, "set_at": sa.func.now()}
    statement = insert(RankOverride).values(**values).on_conflict_do_update(
        constraint="uq_rank_overrides_asset",
        set_={k: values[k] for k in ("importance", "reason", "set_by", "set_at")})
    connection(bind).execute(statement)
    return spec, asset_id, code, chosen


def clear_override(bind: Bind, layer: str, asset: str) -> bool:
    """Remove the office's decision for one asset (the rule decides again); False if none."""
    spec, asset_id, _ = _asset(bind, layer, asset)
    result = connection(bind).execute(
        sa.delete(RankOverride).where(RankOverride.layer == spec, RankOverride.asset_id == asset_id))
    return bool(result.rowcount)


def read_overrides(bind: Bind) -> dict[tuple[str, int], Override]:
    """Every recorded decision, keyed by (layer, asset id)."""
    rows = connection(bind).execute(sa.select(RankOverride.__table__)).mappings().all()
    return {(r["layer"], int(r["asset_id"])): Override(r["importance"], r["reason"], r["set_by"],
                                                       _date(r["set_at"])) for r in rows}


def _asset(bind: Bind, layer: str, asset: str) -> tuple[str, int, str]:
    spec = REGISTRY.get(layer)
    if not spec.repairable:
        raise ValidationError(f"{spec.zh} ({spec.name}) is not repaired, so it has no task to mark.")
    table = spec.table
    text = str(asset).strip()
    conn = connection(bind)
    row = conn.execute(sa.select(table.c.id, table.c.code).where(table.c.code == text)).first()
    if row is None and text.isdigit():  # a code wins over an id that looks the same
        row = conn.execute(sa.select(table.c.id, table.c.code).where(table.c.id == int(text))).first()
    if row is None:
        raise NotFoundError(f"{spec.zh} has no asset with id or code {text!r}; check it with "
                            f"'tracker rank --layer {spec.name}'.")
    return spec.name, int(row.id), str(row.code)


def _date(value: object) -> str:
    return value.date().isoformat() if isinstance(value, dt.datetime) else str(value)

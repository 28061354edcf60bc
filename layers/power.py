"""水毁电力设施 — 10 kV feeder segments as a tree; 先实施后备案 (build first, file afterwards)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from layers._asset import AssetMixin, with_repair
from layers.base import (
    Base,
    Field,
    Layer,
    RankProfile,
    Style,
    geometry_checks,
    geometry_column,
    repair_checks,
    vocab_check,
)
from layers.vocabularies import FILING


class PowerLine(AssetMixin, Base):
    __tablename__ = "power_lines"
    __table_args__ = (
        *geometry_checks(),
        *repair_checks(),
        vocab_check("filing", FILING),
    )

    feeder: Mapped[str] = mapped_column(Text, nullable=False, index=True)  # 10 kV feeder name
    substation: Mapped[str] = mapped_column(Text, nullable=False)
    # the segment nearer the substation: segments form a tree rooted at the substation
    parent_code: Mapped[str | None] = mapped_column(Text, ForeignKey("power_lines.code"))
    villages_fed: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    transformer_areas: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default="{}"
    )  # 台区
    filing: Mapped[str | None] = mapped_column(Text)  # 备案 state for 先实施后备案
    filed_on: Mapped[dt.date | None] = mapped_column(Date)  # 备案日期
    filing_doc: Mapped[str | None] = mapped_column(Text)  # 备案文号
    voltage_kv: Mapped[int] = mapped_column(Integer, nullable=False, server_default="10")
    geom = geometry_column("LINESTRING")


LAYER = Layer(
    name="power_lines", zh="水毁电力设施", en="Power lines", model=PowerLine,
    geometry_type="LINESTRING",
    fields=with_repair(
        Field("feeder", "10kV线路", "10 kV feeder", "feeder"),
        Field("substation", "变电站", "Substation", "substation"),
        Field("parent_code", "上级线段", "Upstream segment", "parent"),
        Field("villages_fed", "供电村", "Villages fed", "villages", "codes"),
        Field("transformer_areas", "台区", "Transformer areas", "tq", "codes"),
        Field("filing", "备案状态", "Filing", "filing", vocab=FILING),
        Field("filed_on", "备案日期", "Filed on", "filed_on", "date"),
        Field("filing_doc", "备案文号", "Filing document no.", "filing_doc"),
        Field("voltage_kv", "电压(kV)", "Voltage (kV)", "kv", "int"),
    ),
    style=Style(color="#ff7f0e", kind="line", weight=2, icon="电", dash="4 3"),
    group="infrastructure",
    rank=RankProfile(exposure="feeder", service="power", use="living"),
)

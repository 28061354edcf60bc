"""淹没范围 — the flood extent by depth class: the hazard layer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from layers.base import Base, Field, Layer, Style, geometry_checks, geometry_column, vocab_check
from layers.vocabularies import DEPTH_CLASS


class FloodExtent(Base):
    __tablename__ = "flood_extent"
    __table_args__ = (*geometry_checks(), vocab_check("depth_class", DEPTH_CLASS))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    depth_class: Mapped[str] = mapped_column(Text, nullable=False)
    observed_on: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    geom = geometry_column("MULTIPOLYGON")


LAYER = Layer(
    name="flood_extent", zh="淹没范围", en="Flood extent", model=FloodExtent,
    geometry_type="MULTIPOLYGON",
    fields=(
        Field("depth_class", "淹没水深", "Depth class", "depth", vocab=DEPTH_CLASS),
        Field("observed_on", "观测日期", "Observed on", "obs_date", "date"),
        Field("source", "数据来源", "Source", "source"),
    ),
    style=Style(color="#4a90d9", kind="polygon", weight=0.5, fill_opacity=0.35),
    group="hazard",
)

"""水毁水利工程 — water works: plants, intakes and networks (生活), pumps (生产), dykes (防洪)."""

from __future__ import annotations

from sqlalchemy import Boolean, Text
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
from layers.vocabularies import USE, WATER_KIND

GEOMETRY_TYPES = ("POINT", "LINESTRING")


class WaterWork(AssetMixin, Base):
    __tablename__ = "water_works"
    __table_args__ = (
        *geometry_checks(GEOMETRY_TYPES),
        *repair_checks(),
        vocab_check("kind", WATER_KIND),
        vocab_check("use", USE),
    )

    kind: Mapped[str] = mapped_column(Text, nullable=False)
    use: Mapped[str] = mapped_column(Text, nullable=False)
    villages_served: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default="{}"
    )
    emergency_supply: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    geom = geometry_column("GEOMETRY")


LAYER = Layer(
    name="water_works", zh="水毁水利工程", en="Water works", model=WaterWork,
    geometry_type="GEOMETRY", geometry_types=GEOMETRY_TYPES,
    fields=with_repair(
        Field("kind", "工程类别", "Kind", "kind", vocab=WATER_KIND),
        Field("use", "用途", "Use", "use", vocab=USE),
        Field("villages_served", "供水村", "Villages served", "villages", "codes"),
        Field("emergency_supply", "临时应急供水", "Temporary emergency supply", "emerg_sup", "bool"),
    ),
    style=Style(color="#1f77b4", kind="point", weight=3, radius=6, icon="水"),
    group="infrastructure",
    # 取水工程、水厂、输配水管网 alike: what counts is the water their villages lose (二(三)4)
    rank=RankProfile(exposure="served", service="water", use_column="use",
                     services=(("living", "water"), ("production", "irrigation"),
                               ("flood", "flood_control")), service_column="use"),
)

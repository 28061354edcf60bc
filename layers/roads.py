"""水毁公路 — road segments of the network; damaged ones carry 抢通 then 修复 (先抢通、后修复)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, Text
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
from layers.vocabularies import PASSABLE, ROAD_CLASS, ROAD_DAMAGE, ROAD_STRUCTURE


class Road(AssetMixin, Base):
    __tablename__ = "roads"
    __table_args__ = (
        *geometry_checks(),
        *repair_checks(),
        vocab_check("road_class", ROAD_CLASS),
        vocab_check("structure", ROAD_STRUCTURE),
        vocab_check("damage_type", ROAD_DAMAGE),
        vocab_check("passable", PASSABLE),
        # X/Y/C (county/township/village) plus G/S for the national and provincial corridors
        CheckConstraint("route_code ~ '^[GSXYC][0-9]{3}$'", name="route_code"),
        CheckConstraint("chainage IS NULL OR chainage ~ '^K[0-9]+\\+[0-9]{3}$'", name="chainage"),
        CheckConstraint("length_m IS NULL OR length_m >= 0", name="length_m"),
    )

    route_code: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    road_class: Mapped[str] = mapped_column(Text, nullable=False)
    structure: Mapped[str] = mapped_column(Text, nullable=False, server_default="road")
    chainage: Mapped[str | None] = mapped_column(Text)  # K12+300: position along the route
    damage_type: Mapped[str | None] = mapped_column(Text)
    passable: Mapped[str] = mapped_column(Text, nullable=False, server_default="open")
    length_m: Mapped[float | None] = mapped_column(Float)
    geom = geometry_column("LINESTRING")


LAYER = Layer(
    name="roads", zh="水毁公路", en="Roads", model=Road, geometry_type="LINESTRING",
    fields=with_repair(
        Field("route_code", "路线编号", "Route code", "route"),
        Field("road_class", "技术等级", "Road class", "class", vocab=ROAD_CLASS),
        Field("structure", "构造物", "Structure", "structure", vocab=ROAD_STRUCTURE),
        Field("chainage", "桩号", "Chainage", "chainage"),
        Field("damage_type", "损毁类型", "Damage type", "dmg_type", vocab=ROAD_DAMAGE),
        Field("passable", "通行状态", "Passable", "passable", vocab=PASSABLE),
        Field("length_m", "长度(米)", "Length (m)", "length_m", "float", decimals=1),
    ),
    style=Style(color="#8c564b", kind="line", weight=3, icon="路"),
    group="infrastructure",
    rank=RankProfile(exposure="road_graph", service="passage", use="living",
                     tasks=("open", "repair")),
)

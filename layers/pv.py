"""光伏扶贫电站 — village PV poverty-alleviation stations; their income pays public-welfare posts."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, Text
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
from layers.vocabularies import PV_DAMAGE


class PVStation(AssetMixin, Base):
    __tablename__ = "pv_stations"
    __table_args__ = (
        *geometry_checks(),
        *repair_checks(),
        vocab_check("damage_kind", PV_DAMAGE),
        CheckConstraint("capacity_kw > 0", name="capacity_kw"),
        CheckConstraint("welfare_posts >= 0", name="welfare_posts"),
    )

    village_code: Mapped[str | None] = mapped_column(Text, ForeignKey("villages.code"), index=True)
    capacity_kw: Mapped[float] = mapped_column(Float, nullable=False)
    beneficiaries: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default="{}"
    )  # household codes
    welfare_posts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    damage_kind: Mapped[str | None] = mapped_column(Text)
    geom = geometry_column("POINT")


LAYER = Layer(
    name="pv_stations", zh="光伏扶贫电站", en="PV stations", model=PVStation,
    geometry_type="POINT",
    fields=with_repair(
        Field("village_code", "村代码", "Village code", "vil_code"),
        Field("capacity_kw", "装机容量(kW)", "Capacity (kW)", "cap_kw", "float", decimals=1),
        Field("beneficiaries", "受益户", "Beneficiary households", "benef", "codes"),
        Field("welfare_posts", "公益岗位数", "Public-welfare posts", "posts", "int"),
        Field("damage_kind", "损毁部位", "Damage kind", "dmg_kind", vocab=PV_DAMAGE),
    ),
    style=Style(color="#bcbd22", kind="point", radius=6, icon="光"),
    group="infrastructure",
    rank=RankProfile(exposure="beneficiaries", service="income", use="production"),
)

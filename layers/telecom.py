"""水毁通信设施 — base stations, machine rooms and ducts (simplified approval)."""

from __future__ import annotations

from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from layers._asset import ServesVillagesMixin, facility_fields
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
from layers.vocabularies import TELECOM_KIND


class TelecomSite(ServesVillagesMixin, Base):
    __tablename__ = "telecom_sites"
    __table_args__ = (*geometry_checks(), *repair_checks(), vocab_check("kind", TELECOM_KIND))

    kind: Mapped[str] = mapped_column(Text, nullable=False)
    operator: Mapped[str | None] = mapped_column(Text)
    geom = geometry_column("POINT")


LAYER = Layer(
    name="telecom_sites", zh="水毁通信设施", en="Telecom sites", model=TelecomSite,
    geometry_type="POINT",
    fields=facility_fields(
        Field("kind", "设施类别", "Kind", "kind", vocab=TELECOM_KIND),
        Field("operator", "运营商", "Operator", "operator"),
    ),
    style=Style(color="#9467bd", kind="point", radius=5, icon="信"),
    group="infrastructure",
    rank=RankProfile(exposure="served", service="comms", use="living"),
)

"""卫生室 — village clinics and township health centres that keep 基本医疗 guaranteed."""

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
from layers.vocabularies import CLINIC_KIND


class Clinic(ServesVillagesMixin, Base):
    __tablename__ = "clinics"
    __table_args__ = (*geometry_checks(), *repair_checks(), vocab_check("kind", CLINIC_KIND))

    kind: Mapped[str] = mapped_column(Text, nullable=False)
    geom = geometry_column("POINT")


LAYER = Layer(
    name="clinics", zh="卫生室", en="Clinics", model=Clinic, geometry_type="POINT",
    fields=facility_fields(Field("kind", "机构类别", "Kind", "kind", vocab=CLINIC_KIND)),
    style=Style(color="#e377c2", kind="point", radius=6, icon="医"),
    group="infrastructure",
    rank=RankProfile(exposure="served", service="clinic", use="living"),
)

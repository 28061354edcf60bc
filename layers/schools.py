"""学校 — schools whose safety appraisal and repair keep 义务教育 guaranteed."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer, Text
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
from layers.vocabularies import SCHOOL_LEVEL


class School(ServesVillagesMixin, Base):
    __tablename__ = "schools"
    __table_args__ = (
        *geometry_checks(),
        *repair_checks(),
        vocab_check("level", SCHOOL_LEVEL),
        CheckConstraint("pupils IS NULL OR pupils >= 0", name="pupils"),
    )

    level: Mapped[str] = mapped_column(Text, nullable=False)
    pupils: Mapped[int | None] = mapped_column(Integer)
    geom = geometry_column("POINT")


LAYER = Layer(
    name="schools", zh="学校", en="Schools", model=School, geometry_type="POINT",
    fields=facility_fields(
        Field("level", "学段", "Level", "level", vocab=SCHOOL_LEVEL),
        Field("pupils", "在校生", "Pupils", "pupils", "int"),
    ),
    style=Style(color="#2ca02c", kind="point", radius=6, icon="学"),
    group="infrastructure",
    rank=RankProfile(exposure="served", service="school", use="living"),
)

"""行政村 — administrative villages: polygons that partition their townships, with a centre point."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from geo.crs import STORAGE_EPSG
from layers.base import Base, Field, Layer, Style, geometry_checks, geometry_column


class Village(Base):
    __tablename__ = "villages"
    __table_args__ = (
        *geometry_checks(),
        CheckConstraint("code ~ '^[0-9]{12}$'", name="code"),
        CheckConstraint("population IS NULL OR population >= 0", name="population"),
        CheckConstraint("households IS NULL OR households >= 0", name="households"),
        CheckConstraint(f"centre IS NULL OR ST_SRID(centre) = {STORAGE_EPSG}", name="centre_srid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Text, nullable=False, unique=True)  # 12 digits
    name: Mapped[str] = mapped_column(Text, nullable=False)
    township_code: Mapped[str] = mapped_column(
        Text, ForeignKey("townships.code"), nullable=False, index=True
    )
    population: Mapped[int | None]
    households: Mapped[int | None]
    severely_hit: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    help_unit: Mapped[str | None] = mapped_column(Text)
    work_team: Mapped[str | None] = mapped_column(Text)
    centre = mapped_column(Geometry("POINT", srid=STORAGE_EPSG, spatial_index=True))
    geom = geometry_column("MULTIPOLYGON")


LAYER = Layer(
    name="villages", zh="行政村", en="Villages", model=Village, geometry_type="MULTIPOLYGON",
    fields=(
        Field("code", "村代码", "Code", "code"),
        Field("name", "村名", "Village", "name"),
        Field("township_code", "乡镇代码", "Township code", "twp_code"),
        Field("population", "人口", "Population", "pop", "int"),
        Field("households", "户数", "Households", "hh", "int"),
        Field("severely_hit", "重灾村", "Severely hit", "sev_hit", "bool"),
        Field("help_unit", "帮扶单位", "Help unit", "help_unit"),
        Field("work_team", "驻村工作队", "Resident work team", "work_team"),
    ),
    style=Style(color="#8c8c8c", kind="polygon", weight=1, fill_opacity=0.0),
    group="frame",
)

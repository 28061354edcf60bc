"""县 — the county outline: the frame of the map."""

from __future__ import annotations

from sqlalchemy import Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from layers.base import Base, Field, Layer, Style, geometry_checks, geometry_column


class County(Base):
    __tablename__ = "county"
    __table_args__ = geometry_checks()

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Text, nullable=False, unique=True)  # adcode, 411121
    name: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str | None] = mapped_column(Text)
    geom = geometry_column("MULTIPOLYGON")


LAYER = Layer(
    name="county", zh="县界", en="County", model=County, geometry_type="MULTIPOLYGON",
    fields=(
        Field("code", "行政区划代码", "Code", "code"),
        Field("name", "名称", "Name", "name"),
        Field("source", "数据来源", "Source", "source"),
    ),
    style=Style(color="#333333", kind="polygon", weight=3, fill_opacity=0.0),
    group="frame",
)

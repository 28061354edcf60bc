"""乡镇 — the 14 townships (10 镇, 4 乡) with their seats."""

from __future__ import annotations

from sqlalchemy import Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from layers.base import Base, Field, Layer, Style, geometry_checks, geometry_column, vocab_check
from layers.vocabularies import TOWNSHIP_KIND


class Township(Base):
    __tablename__ = "townships"
    __table_args__ = (
        *geometry_checks(),
        vocab_check("kind", TOWNSHIP_KIND),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Text, nullable=False, unique=True)  # 9 digits, 411121100
    name: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    seat_lon: Mapped[float | None]
    seat_lat: Mapped[float | None]
    geom = geometry_column("MULTIPOLYGON")


LAYER = Layer(
    name="townships", zh="乡镇", en="Townships", model=Township, geometry_type="MULTIPOLYGON",
    fields=(
        Field("code", "乡镇代码", "Code", "code"),
        Field("name", "乡镇", "Township", "name"),
        Field("kind", "类型", "Kind", "kind", vocab=TOWNSHIP_KIND),
        Field("seat_lon", "驻地经度", "Seat longitude", "seat_lon", "float", decimals=6),
        Field("seat_lat", "驻地纬度", "Seat latitude", "seat_lat", "float", decimals=6),
    ),
    style=Style(color="#555555", kind="polygon", weight=2, fill_opacity=0.0, dash="6 4"),
    group="frame",
)

"""Shared columns of the infrastructure layers: identity, place and the repair fields, and the
shape of the point facilities that serve named villages (telecom, schools, clinics)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from layers.base import Field, RepairMixin, repair_fields


class AssetMixin(RepairMixin):
    """Code, name and township of a repairable asset, plus the repair fields."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)

    @declared_attr
    def township_code(cls) -> Mapped[str | None]:
        return mapped_column(Text, ForeignKey("townships.code"), index=True)


def asset_fields() -> tuple[Field, ...]:
    return (
        Field("code", "编码", "Code", "code"),
        Field("name", "名称", "Name", "name"),
        Field("township_code", "乡镇代码", "Township code", "twp_code"),
    )


def with_repair(*fields: Field) -> tuple[Field, ...]:
    return (*asset_fields(), *fields, *repair_fields())


class ServesVillagesMixin(AssetMixin):
    villages_served: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default="{}"
    )


def facility_fields(*own: Field) -> tuple[Field, ...]:
    served = Field("villages_served", "服务村", "Villages served", "villages", "codes")
    return (*asset_fields(), *own, served, *repair_fields())

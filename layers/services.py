"""Shared shape of the point facilities that serve named villages (telecom, schools, clinics)."""

from __future__ import annotations

from sqlalchemy import Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from layers.base import Field, repair_fields
from layers.frame import AssetMixin, asset_fields


class ServesVillagesMixin(AssetMixin):
    villages_served: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default="{}"
    )


def facility_fields(*own: Field) -> tuple[Field, ...]:
    served = Field("villages_served", "服务村", "Villages served", "villages", "codes")
    return (*asset_fields(), *own, served, *repair_fields())

"""农户 — at-risk households (脱贫户, 监测对象, …) with their 两不愁三保障 and drinking-water risks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, Numeric, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from layers.base import Base, Field, Layer, Style, geometry_checks, geometry_column, vocab_check
from layers.vocabularies import CATEGORY, FLOOD_DAMAGE, HOUSE_GRADE, MONITOR_KIND, RISK_ITEMS


def _flag() -> Mapped[bool]:
    return mapped_column(Boolean, nullable=False, server_default="false")


class Household(Base):
    __tablename__ = "households"
    __table_args__ = (
        *geometry_checks(),
        vocab_check("category", CATEGORY),
        vocab_check("monitor_kind", MONITOR_KIND),
        vocab_check("house_grade", HOUSE_GRADE),
        vocab_check("flood_damage", FLOOD_DAMAGE),
        # a monitoring kind belongs to 监测对象 and only to them
        CheckConstraint(
            "(category = 'monitored') = (monitor_kind IS NOT NULL)", name="monitor_kind_category"
        ),
        CheckConstraint("members >= 1", name="members"),
        CheckConstraint("id_number IS NULL OR id_number ~ '^[0-9]{17}[0-9X]$'", name="id_number"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    head_name: Mapped[str] = mapped_column(Text, nullable=False)
    id_number: Mapped[str | None] = mapped_column(Text)  # stored; never shown in full by default
    phone: Mapped[str | None] = mapped_column(Text)
    members: Mapped[int] = mapped_column(Integer, nullable=False)
    category: Mapped[str] = mapped_column(Text, nullable=False)
    monitor_kind: Mapped[str | None] = mapped_column(Text)
    risk_food: Mapped[bool] = _flag()
    risk_clothing: Mapped[bool] = _flag()
    risk_education: Mapped[bool] = _flag()
    risk_medical: Mapped[bool] = _flag()
    risk_housing: Mapped[bool] = _flag()
    risk_water: Mapped[bool] = _flag()
    house_grade: Mapped[str | None] = mapped_column(Text)
    flood_damage: Mapped[str] = mapped_column(Text, nullable=False, server_default="none")
    income_per_capita: Mapped[float | None] = mapped_column(Numeric(10, 0))  # 元/人/年, private
    helper: Mapped[str | None] = mapped_column(Text)  # 帮扶责任人
    village_code: Mapped[str] = mapped_column(
        Text, ForeignKey("villages.code"), nullable=False, index=True
    )
    # households are changed like assets (layers.store): optimistic locking, who changed it last
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_by: Mapped[str | None] = mapped_column(Text)
    geom = geometry_column("POINT")


# Readable shapefile codes of at most 10 bytes, chosen by hand: cutting the column names gave
# "r_educatio".
RISK_CODES = {
    "risk_food": "r_food", "risk_clothing": "r_clothing", "risk_education": "r_edu",
    "risk_medical": "r_medical", "risk_housing": "r_housing", "risk_water": "r_water",
}
RISK_FIELDS = tuple(
    Field(col, f"风险:{zh}", f"Risk: {en}", RISK_CODES[col], "bool") for col, zh, en in RISK_ITEMS
)

LAYER = Layer(
    name="households", zh="农户", en="Households", model=Household, geometry_type="POINT",
    fields=(
        Field("code", "户编码", "Household code", "code"),
        Field("head_name", "户主", "Head of household", "head_name", personal=True),
        Field("id_number", "身份证号", "ID number", "id_number", private=True),
        Field("phone", "联系电话", "Phone", "phone", private=True),
        Field("members", "人口数", "Members", "members", "int"),
        Field("category", "户类别", "Category", "category", vocab=CATEGORY),
        Field("monitor_kind", "监测类型", "Monitoring kind", "mon_kind", vocab=MONITOR_KIND),
        *RISK_FIELDS,
        Field("house_grade", "房屋等级", "House grade", "house_gr", vocab=HOUSE_GRADE),
        Field("flood_damage", "受灾程度", "Flood damage", "flood_dmg", vocab=FLOOD_DAMAGE),
        Field("income_per_capita", "人均纯收入(元)", "Income per capita (CNY)", "income",
              "float", private=True, decimals=0),
        Field("helper", "帮扶责任人", "Assigned helper", "helper", personal=True),
        Field("village_code", "村代码", "Village code", "vil_code"),
    ),
    style=Style(color="#d62728", kind="point", radius=4, icon="户"),
    group="people",
    locates_people=True,
)

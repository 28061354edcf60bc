"""The contract every layer module fulfils, and the pieces they share.

A layer module declares: its GeoAlchemy2 model, geometry type, fields (with Chinese/English
labels, shapefile field codes and vocabularies), map style and ranking profile, and exposes it
as ``LAYER``. The registry in ``layers/__init__.py`` lists them; everything else iterates over it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, Date, DateTime, Float, Integer, MetaData, Numeric, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from geo.crs import STORAGE_EPSG
from geo.vocab import Vocabulary
from layers.vocabularies import SEVERITY, STATUS

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def geometry_column(geometry_type: str) -> Any:
    """A CGCS2000 geometry column with a GIST index (GeoAlchemy2 creates it)."""
    return mapped_column(
        Geometry(geometry_type=geometry_type, srid=STORAGE_EPSG, spatial_index=True),
        nullable=False,
    )


_ST_NAMES = {
    "POINT": "ST_Point",
    "LINESTRING": "ST_LineString",
    "MULTILINESTRING": "ST_MultiLineString",
    "POLYGON": "ST_Polygon",
    "MULTIPOLYGON": "ST_MultiPolygon",
}


def geometry_checks(geometry_types: tuple[str, ...] | None = None) -> tuple[CheckConstraint, ...]:
    """Validity and SRID checks; ``geometry_types`` restricts a generic GEOMETRY column."""
    checks = [
        CheckConstraint("ST_IsValid(geom)", name="geom_valid"),
        CheckConstraint(f"ST_SRID(geom) = {STORAGE_EPSG}", name="geom_srid"),
    ]
    if geometry_types:
        allowed = ", ".join(f"'{_ST_NAMES[t]}'" for t in geometry_types)
        checks.append(CheckConstraint(f"ST_GeometryType(geom) IN ({allowed})", name="geom_type"))
    return tuple(checks)


def vocab_check(column: str, vocab: Vocabulary) -> CheckConstraint:
    codes = ", ".join(f"'{c}'" for c in vocab.codes)
    return CheckConstraint(f"{column} IN ({codes})", name=column)


class RepairMixin:
    """Repair fields shared by every repairable layer. ``status IS NULL`` means undamaged."""

    status: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(Text)
    cost_wan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    resp_unit: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    finished_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_by: Mapped[str | None] = mapped_column(Text)
    # the engineers' own estimate of the days the remaining work takes (the crew what-if uses it
    # instead of the rule in data/rank_rules.toml [durations])
    est_days: Mapped[float | None] = mapped_column(Float)


def repair_checks() -> tuple[CheckConstraint, ...]:
    return (
        vocab_check("status", STATUS),
        vocab_check("severity", SEVERITY),
        CheckConstraint("cost_wan IS NULL OR cost_wan >= 0", name="cost_wan"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("est_days IS NULL OR est_days > 0", name="est_days"),
        CheckConstraint(
            "finished_on IS NULL OR started_on IS NULL OR finished_on >= started_on",
            name="finished_on",
        ),
    )


FieldKind = Literal["text", "int", "float", "bool", "date", "datetime", "codes"]


@dataclass(frozen=True)
class Field:
    """One attribute as users and exports see it."""

    column: str
    zh: str
    en: str
    shp: str  # shapefile field name: ASCII, at most 10 bytes
    kind: FieldKind = "text"
    vocab: Vocabulary | None = None
    private: bool = False  # ID number, phone, income: masked everywhere, never on the map
    personal: bool = False  # names a person (head of household, helper): personal exports only
    meaning: str = ""  # for the field dictionary shipped with exports
    # float fields: digits after the decimal point in exports (the shapefile's DBF precision;
    # None: ``geo.io.model.DEFAULT_DECIMALS``)
    decimals: int | None = None

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


def repair_fields() -> tuple[Field, ...]:
    return (
        Field("status", "状态", "Status", "status", vocab=STATUS, meaning="修复状态"),
        Field("severity", "损毁程度", "Severity", "severity", vocab=SEVERITY),
        Field("cost_wan", "估算费用(万元)", "Est. cost (10k CNY)", "cost_wan", "float", decimals=2),
        Field("resp_unit", "责任单位", "Responsible unit", "resp_unit"),
        Field("deadline", "完成时限", "Deadline", "deadline", "date"),
        Field("started_on", "开工日期", "Started", "start_on", "date"),
        Field("finished_on", "完工日期", "Finished", "finish_on", "date"),
        Field("est_days", "预计工期(天)", "Est. duration (days)", "est_days", "float",
              meaning="剩余工作的预计天数（施工队推演使用）", decimals=1),
        Field("version", "版本", "Version", "version", "int", meaning="乐观锁版本号"),
        Field("updated_at", "更新时间", "Updated at", "upd_at", "datetime",
              meaning="最后修改时间（中国标准时间） last change (China Standard Time)"),
        Field("updated_by", "更新人", "Updated by", "upd_by"),
    )


@dataclass(frozen=True)
class Style:
    """How the map draws a layer. ``status_colors`` applies to repairable layers."""

    color: str
    kind: Literal["point", "line", "polygon"]
    weight: float = 2.0
    fill_opacity: float = 0.2
    radius: float = 5.0
    icon: str = ""  # a short glyph drawn in the legend and point markers
    dash: str | None = None


@dataclass(frozen=True)
class RankProfile:
    """What the ranking needs to know about a repairable layer.

    exposure: how households depend on an asset —
      "road_graph"   their route to the township seat or county seat runs over the road graph;
      "served"       villages listed in ``villages_served`` (water works, telecom, schools, clinics);
      "feeder"       villages fed downstream on the feeder tree (power lines);
      "beneficiaries" beneficiary households and welfare posts (PV stations).
    use: 生活 (living) / 生产 (production) / 防洪 (flood control), or taken per feature from
    ``use_column``. service: what households lose while the asset is down (a code of the rules'
    [weights.service]); ``services`` maps the value of ``service_column`` to it instead (water
    works: drinking water, irrigation or flood control by their use). A facility type never makes
    a task 重点 by itself: the people it gives back do (data/rank_rules.toml [importance]).
    tasks: roads carry 抢通 then 修复; other layers a single 修复.
    """

    exposure: Literal["road_graph", "served", "feeder", "beneficiaries"]
    service: str
    use: Literal["living", "production", "flood"] = "living"
    use_column: str | None = None
    services: tuple[tuple[str, str], ...] = ()
    service_column: str | None = None
    tasks: tuple[str, ...] = ("repair",)

    def all_services(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([self.service, *(s for _, s in self.services)]))


@dataclass(frozen=True)
class Layer:
    name: str  # table name and CLI name, e.g. "roads"
    zh: str
    en: str
    model: type[Base]
    geometry_type: str  # POINT, LINESTRING, MULTIPOLYGON or GEOMETRY (mixed)
    fields: tuple[Field, ...]
    style: Style
    group: Literal["frame", "people", "infrastructure", "hazard"]
    rank: RankProfile | None = None
    geometry_types: tuple[str, ...] = field(default=())  # for GEOMETRY: the allowed kinds
    locates_people: bool = False  # its geometries are where people live: personal data

    @property
    def repairable(self) -> bool:
        return self.rank is not None

    @property
    def table(self) -> Any:
        return self.model.__table__

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def field(self, column: str) -> Field:
        for f in self.fields:
            if f.column == column:
                return f
        raise KeyError(f"layer {self.name} has no field {column}")

    def public_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.private)

    @property
    def personal(self) -> bool:
        """Does this layer hold personal data (names, exact homes)? Its export is a choice of
        its own, for a role that may, confirmed and logged."""
        return self.locates_people or any(f.personal or f.private for f in self.fields)

"""The data model of exports and the conversion of values for each format.

Field specs are duck-typed (``layers.base.Field`` fits); nothing here knows a particular layer.
Vocabulary codes go out as Chinese labels, code lists joined by ';', dates as real dates where
the format has them, date-times as the format allows (see ``_datetime_values``: the shapefile the
China Standard Time date plus HH:MM, the GeoPackage a UTC date-time, Excel CST wall-clock time,
GeoJSON ISO 8601 text in UTC+8), decimals in the shapefile with their field's places.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo import crs as geo_crs
from geo.chinatime import CST
from geo.errors import NotFoundError
from geo.settings import get_settings

FORMATS: dict[str, str] = {"shp": ".zip", "gpkg": ".gpkg", "geojson": ".geojson", "xlsx": ".xlsx"}
FORMAT_LABELS = {
    "shp": "Shapefile (zip)",
    "gpkg": "GeoPackage",
    "geojson": "GeoJSON (RFC 7946)",
    "xlsx": "Excel 台账",
}
ENCODINGS = ("UTF-8", "GBK")
BEIJING = CST  # exports show China Standard Time
ID_COLUMN = "id"


class FieldSpec(Protocol):
    """What an export needs to know about one attribute (``layers.base.Field`` fits)."""

    @property
    def column(self) -> str: ...
    @property
    def zh(self) -> str: ...
    @property
    def en(self) -> str: ...
    @property
    def shp(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def vocab(self) -> Any: ...
    @property
    def private(self) -> bool: ...
    @property
    def personal(self) -> bool: ...
    @property
    def meaning(self) -> str: ...
    @property
    def decimals(self) -> int | None: ...


@dataclass(frozen=True)
class IdField:
    """The feature id every export carries, so a row can be traced back to the tracker."""

    column: str = ID_COLUMN
    zh: str = "要素ID"
    en: str = "Feature id"
    shp: str = "fid_trk"
    kind: str = "int"
    vocab: Any = None
    private: bool = False
    personal: bool = False
    meaning: str = "跟踪系统中的要素编号 / id of the feature in the tracker"
    decimals: int | None = None


class EmptyExportError(NotFoundError):
    """The filter matched no feature: nothing is written."""


@dataclass
class LayerData:
    """One layer to export: its labels, field specs and features (EPSG:4490, stored codes)."""

    name: str  # ASCII; becomes file, table and sheet names
    zh: str
    en: str
    fields: Sequence[FieldSpec]
    frame: gpd.GeoDataFrame
    locates_people: bool = False  # its geometries are where people live (personal data)


@dataclass(frozen=True)
class ExportOptions:
    fmt: str = "shp"
    epsg: int = geo_crs.METRIC_EPSG
    encoding: str = "UTF-8"
    include_private: bool = False
    filter_text: str = "无 / none"  # how the features were chosen, for README and log
    notes: tuple[str, ...] = ()  # the caller's remarks for README.txt (e.g. layers left out)
    user: str = field(default_factory=lambda: get_settings().user)
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(BEIJING))


@dataclass
class ExportSummary:
    """What was written: shown by the CLI and the app, and written into README.txt."""

    filename: str
    fmt: str
    epsg: int
    encoding: str
    counts: dict[str, int] = field(default_factory=dict)  # output layer/file → features
    notes: list[str] = field(default_factory=list)  # truncated or replaced values
    personal_data: bool = False  # ID numbers, phones or incomes were written (and logged)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def sentence(self) -> str:
        parts = ", ".join(f"{name} {n}" for name, n in self.counts.items())
        encoding = f", {self.encoding}" if self.fmt == "shp" else ""  # the others are UTF-8
        return (f"wrote {self.filename}: {self.total} features ({parts}) as "
                f"{FORMAT_LABELS[self.fmt]}, EPSG:{self.epsg}{encoding}")


# --- values ----------------------------------------------------------------------------------

def output_fields(layer: LayerData, include_private: bool) -> list[FieldSpec]:
    """The id plus the layer's fields that go out (personal data only on request)."""
    wanted = [f for f in layer.fields if include_private or not f.private]
    return [IdField(), *wanted]


def personal_fields(layer: LayerData, include_private: bool) -> list[FieldSpec]:
    """The fields of ``layer`` that go out and describe a person (names, ID numbers …)."""
    return [f for f in output_fields(layer, include_private) if f.private or f.personal]


def personal_content(layers: Sequence[LayerData], include_private: bool) -> list[str]:
    """What personal data the written layers carry, one line per layer (empty: none).

    Derived from what is written, so README.txt and the log cannot claim otherwise.
    """
    out = []
    for layer in layers:
        if not len(layer.frame):
            continue
        parts = [f"{f.zh} {f.column}" for f in personal_fields(layer, include_private)]
        if layer.locates_people:
            parts.append("精确位置 exact locations")
        if parts:
            out.append(f"{layer.zh} {layer.name}: {'、'.join(parts)}")
    return out


def personal_text(layers: Sequence[LayerData], include_private: bool) -> str:
    """The "个人信息 Personal data" line of README.txt and the Excel about sheet."""
    content = personal_content(layers, include_private)
    if not content:
        return "不含 not included"
    return "包含 included (已登记 logged) — " + "; ".join(content)


def column_values(frame: pd.DataFrame, spec: FieldSpec, fmt: str) -> pd.Series:
    """One column converted for export: vocab codes → Chinese labels, lists joined, typed dates."""
    raw = frame[spec.column] if spec.column in frame else pd.Series(None, index=frame.index)
    if spec.vocab is not None:
        labels = {t.code: t.zh for t in spec.vocab}
        return _each(raw, lambda v: labels.get(v, str(v)))
    kind = spec.kind
    if kind == "codes":
        return _each(raw, lambda v: v if isinstance(v, str) else ";".join(str(c) for c in v))
    if kind == "int":
        numbers = pd.to_numeric(raw, errors="coerce").astype("Int64")
        largest = numbers.abs().max()
        if fmt == "shp" and (pd.isna(largest) or largest < 2**31 - 1):
            return numbers.astype("Int32")  # ArcGIS reads a DBF N(18) Integer64 as Double
        return numbers
    if kind == "float":
        floats = pd.to_numeric(_each(raw, float), errors="coerce").astype(float)
        return dbf_decimals(floats, decimals(spec)) if fmt == "shp" else floats
    if kind == "bool":
        if fmt in ("xlsx", "shp"):  # ArcGIS reads DBF logical fields badly: write 是/否 text
            return _each(raw, lambda v: "是" if v else "否")
        return _each(raw, bool).astype("boolean")
    if kind == "date":
        return _date_values(_each(raw, _as_date), fmt)
    if kind == "datetime":
        return _datetime_values(raw, fmt)
    return _each(raw, lambda v: v if isinstance(v, str) else str(v))


DEFAULT_DECIMALS = 2  # a float field's digits after the point when its spec names none
MAX_DECIMAL_DIGITS = 18  # a DBF number of 20 characters with sign and point; ArcGIS reads no more


def decimals(spec: FieldSpec) -> int:
    return DEFAULT_DECIMALS if spec.decimals is None else spec.decimals


def dbf_decimals(numbers: pd.Series, places: int) -> pd.Series:
    """Floats rounded to ``places`` as an Arrow decimal just wide enough for the largest value.

    GDAL writes an Arrow decimal128(p, s) as a DBF number of width p + 2 (sign and point) and
    precision s: 1092.2 instead of a 24.15 field holding 1092.200000000000045.
    """
    finite = numbers.where(np.isfinite(numbers))  # NaN and ±inf are written as empty
    rounded = pc.round(pa.array(finite, from_pandas=True), places)
    largest = pc.max(pc.abs(rounded)).as_py()
    whole = len(str(int(largest))) if largest else 1
    if whole > MAX_DECIMAL_DIGITS:  # absurdly large: left to GDAL's own real field (24.15)
        return numbers
    places = min(places, MAX_DECIMAL_DIGITS - whole)  # huge values give up decimals, not digits
    typed = pc.round(rounded, places).cast(pa.decimal128(whole + places, places))
    return pd.Series(pd.arrays.ArrowExtensionArray(typed), index=numbers.index)


def _date_values(dates: pd.Series, fmt: str) -> pd.Series:
    if fmt == "geojson":
        return _each(dates, lambda d: d.isoformat())
    if fmt == "xlsx":
        return dates
    return dates.astype("date32[pyarrow]")  # pyogrio writes a real DBF / GPKG date from Arrow


def _datetime_values(raw: pd.Series, fmt: str) -> pd.Series:
    """A date-time per format: the shapefile's DBF has no date-time type, so it gets the date of
    the China Standard Time day (its time of day goes into :func:`time_of_day`'s field); the
    GeoPackage a real date-time in UTC, as its standard asks; Excel the CST wall-clock time;
    GeoJSON ISO 8601 text with +08:00."""
    if fmt == "shp":
        return _beijing(raw).dt.tz_localize(None).astype("date32[pyarrow]")
    if fmt == "gpkg":
        return _beijing(raw).dt.tz_convert("UTC").dt.floor("s").astype("datetime64[ms, UTC]")
    times = _each(raw, _as_beijing)
    if fmt == "xlsx":  # Excel has no time zones: Beijing wall-clock time
        return _each(times, lambda t: t.replace(tzinfo=None))
    return _each(times, lambda t: t.isoformat(timespec="seconds"))


def _beijing(raw: pd.Series) -> pd.Series:
    """Date-times in China Standard Time, for the whole column at once (a value at a time took
    3 s for 81,700 roads); naive ones are UTC, as the database stores timestamptz."""
    return pd.to_datetime(raw, utc=True).dt.tz_convert(BEIJING)


def time_code(spec: FieldSpec) -> str:
    """The shapefile field holding a date-time's CST time of day (HH:MM): upd_at → upd_time."""
    return f"{spec.shp.removesuffix('_at')}_time"


def time_of_day(frame: pd.DataFrame, spec: FieldSpec) -> pd.Series:
    """"HH:MM" of each date-time in China Standard Time (the shapefile's companion text)."""
    raw = frame[spec.column] if spec.column in frame else pd.Series(None, index=frame.index)
    times = _beijing(raw)
    return times.dt.strftime("%H:%M").astype(object).where(times.notna(), None)


def _each(raw: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """``func`` of every present value; missing ones (None, NaN, NaT, NA) become None.

    Lists and arrays (code lists) count as present values.
    """
    present = raw.notna().to_numpy()
    values = raw.to_numpy(dtype=object)
    out = np.full(len(values), None, dtype=object)
    out[present] = [func(v) for v in values[present]]
    return pd.Series(out, index=raw.index, dtype=object)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(str(value)).date()


def _as_beijing(value: object) -> dt.datetime:
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")  # the database stores timestamptz in UTC
    return stamp.tz_convert(BEIJING).to_pydatetime()


def vocabulary_text(spec: FieldSpec) -> str:
    """``code=标签`` pairs of a vocab field, for field dictionaries."""
    if spec.vocab is None:
        return ""
    return "; ".join(f"{t.code}={t.zh} ({t.en})" for t in spec.vocab)


KIND_TEXT = {
    "text": "文本 text", "int": "整数 integer", "float": "小数 decimal",
    "bool": "是/否 yes/no",
    "date": "日期 date", "datetime": "日期时间 date-time (ISO 8601, UTC+8)",
    "codes": "编码列表 codes joined by ';'",
}
# how a date-time is written, by format (see _datetime_values)
DATETIME_TEXT = {
    "shp": "日期 date (中国标准时间的日期 the day in China Standard Time; 时:分见 time in {time})",
    "gpkg": "日期时间 date-time (UTC, GeoPackage 标准; 北京时间 = UTC+8)",
    "xlsx": "日期时间 date-time (北京时间 China Standard Time)",
}


DICTIONARY_HEADERS = ["图层 layer", "字段代码 field", "中文名 name (zh)", "英文名 name (en)",
                      "类型 type", "含义 meaning", "取值 values (code=标签)"]


def dictionary_rows(layers: Sequence[LayerData], include_private: bool,
                    fmt: str = "shp") -> list[list[str]]:
    """One row per exported field: short code, Chinese and English names, type, meaning, values;
    in a shapefile's dictionary also the time-of-day field that goes with a date-time."""
    rows = []
    for layer in layers:
        for spec in output_fields(layer, include_private):
            personal = spec.private or spec.personal
            meaning = f"{spec.meaning} 个人信息 personal data".strip() if personal else spec.meaning
            values = vocabulary_text(spec)
            if values:
                values = f"导出为中文标签 exported as the Chinese label; {values}"
            rows.append([layer.name, spec.shp, spec.zh, spec.en, kind_text(spec, fmt), meaning,
                         values])
            if fmt == "shp" and spec.kind == "datetime":
                rows.append([layer.name, time_code(spec), f"{spec.zh}(时:分)",
                             f"{spec.en} (HH:MM)", "文本 text HH:MM",
                             f"{spec.zh}的时刻，中国标准时间，到分钟 time of day of {spec.shp} in "
                             "China Standard Time (UTC+8), to the minute", ""])
    return rows


def kind_text(spec: FieldSpec, fmt: str) -> str:
    """The type column of the field dictionary: what the field holds in this format."""
    if spec.vocab is not None:
        return "文本(标签) text (label)"
    if spec.kind == "float":
        return f"小数 decimal ({decimals(spec)} 位小数 decimals)"
    if spec.kind == "datetime" and fmt in DATETIME_TEXT:
        return DATETIME_TEXT[fmt].format(time=time_code(spec))
    return KIND_TEXT.get(spec.kind, spec.kind)


def attribute_frame(layer: LayerData, fmt: str, include_private: bool, names: str) -> pd.DataFrame:
    """The converted attributes, named by ``names`` ("shp", "zh" or "column"); a shapefile gets
    each date-time's CST time of day as a text field of its own after the date."""
    data = {}
    for spec in output_fields(layer, include_private):
        data[getattr(spec, names)] = column_values(layer.frame, spec, fmt)
        if fmt == "shp" and spec.kind == "datetime":
            data[time_code(spec)] = time_of_day(layer.frame, spec)
    return pd.DataFrame(data, index=layer.frame.index)


GEOMETRY_FAMILIES = {
    "Point": "point", "MultiPoint": "point",
    "LineString": "line", "MultiLineString": "line",
    "Polygon": "polygon", "MultiPolygon": "polygon",
}


def split_by_family(name: str, frame: gpd.GeoDataFrame) -> list[tuple[str, gpd.GeoDataFrame]]:
    """(output name, features) per geometry family: Point and LineString never share a file.

    A layer of one family keeps its name; a mixed layer (water works) gets ``_point``/``_line``.
    """
    families = frame.geometry.geom_type.map(GEOMETRY_FAMILIES)
    present = [f for f in ("point", "line", "polygon") if (families == f).any()]
    if len(present) <= 1:
        return [(name, frame)]
    return [(f"{name}_{fam}", frame[families == fam]) for fam in present]


def output_frame(layer: LayerData, fmt: str, include_private: bool, names: str,
                 epsg: int) -> gpd.GeoDataFrame:
    """Converted attributes plus the geometry reprojected to ``epsg``."""
    attrs = attribute_frame(layer, fmt, include_private, names)
    geometry = layer.frame.geometry
    if geometry.crs is None:
        geometry = geometry.set_crs(geo_crs.STORAGE_EPSG)
    return gpd.GeoDataFrame(attrs, geometry=geometry.to_crs(epsg).values, crs=epsg)

"""How a bureau's columns and values are read onto a layer (layers.imports), without a database."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from layers import REGISTRY
from layers.imports.columns import parse_choices, recognise
from layers.imports.values import Bad, as_bool, as_date, as_float, as_text, convert_series, risk_flags, vocab_converter
from layers.vocabularies import CATEGORY, STATUS


def targets(layer: str, headers: list[str], **kw: dict[str, str]) -> dict[str, tuple[str | None, str]]:
    return {c.source: (c.target, c.how) for c in recognise(REGISTRY.get(layer), headers, **kw)}


def test_own_labels_codes_and_synonyms_are_recognised() -> None:
    found = targets("roads", ["编码", "twp_code", "Route code", "公路等级", "估算投资（万元）", "经度",
                              "更新人", "序号", "备注说明x"])
    assert found["编码"] == ("code", "label")
    assert found["twp_code"] == ("township_code", "label")  # the shapefile export's code
    assert found["Route code"] == ("route_code", "label")
    assert found["公路等级"] == ("road_class", "synonym")
    assert found["估算投资（万元）"] == ("cost_wan", "synonym")  # full-width brackets
    assert found["经度"] == ("lon", "role")
    assert found["更新人"] == ("-", "system")
    assert found["序号"] == ("-", "role")
    assert found["备注说明x"][0] is None


def test_the_shapefile_exports_own_columns_are_placed() -> None:
    """The export's name and time-of-day columns are known (the codes beside them are imported),
    and an export from before the readable risk codes still imports its r_educatio."""
    roads = targets("roads", ["code", "twp_code", "twp_name", "upd_at", "upd_time"])
    assert roads["twp_name"] == (None, "duplicate")  # the township is taken from twp_code
    assert roads["upd_time"] == ("-", "role") and roads["upd_at"] == ("-", "system")
    people = targets("households", ["code", "r_edu", "r_educatio", "vil_code", "vil_name",
                                    "twp_name"])
    assert people["r_edu"] == ("risk_education", "label")
    assert people["r_educatio"] == (None, "duplicate")
    assert people["vil_name"] == (None, "duplicate")
    assert people["twp_name"] == ("township", "role")
    assert targets("households", ["r_educatio"])["r_educatio"] == ("risk_education", "synonym")


def test_household_register_headers() -> None:
    found = targets("households", ["户主姓名", "证件号码", "乡(镇)", "行政村", "与户主关系", "户类型",
                                   "监测对象类别", "风险类型", "帮扶责任人", "联系电话", "家庭人口数"])
    assert {k: v[0] for k, v in found.items()} == {
        "户主姓名": "head_name", "证件号码": "id_number", "乡(镇)": "township", "行政村": "village_code",
        "与户主关系": "relation", "户类型": "category", "监测对象类别": "monitor_kind", "风险类型": "risks",
        "帮扶责任人": "helper", "联系电话": "phone", "家庭人口数": "members"}


def test_unknown_column_gets_a_proposal_and_a_second_column_for_a_field_is_not_taken() -> None:
    picks = recognise(REGISTRY.get("power_lines"), ["线路编号", "编号", "编码"])
    assert (picks[0].target, picks[0].proposal) == (None, "code")
    assert (picks[1].target, picks[2].target, picks[2].how) == ("code", None, "duplicate")


def test_choices_beat_saved_mappings_which_beat_recognition() -> None:
    layer = REGISTRY.get("roads")
    chosen = parse_choices(["名称=route_code", "编码=-"], layer)
    picks = {c.source: (c.target, c.how) for c in recognise(
        layer, ["名称", "编码", "桩号"], chosen=chosen, saved={"桩号": "name", "名称": "name"})}
    assert picks == {"名称": ("route_code", "chosen"), "编码": ("-", "ignored"), "桩号": ("name", "saved")}
    with pytest.raises(Exception, match="is no field of roads"):
        parse_choices(["桩号=mileage"], layer)


def test_vocabulary_values_from_labels_codes_synonyms_and_choices() -> None:
    convert = vocab_converter(STATUS, "status", {"修好了": "done"})
    assert [convert(v) for v in ("未开工", "opening", "Reopened", "在建", "修好了")] == \
        ["not_started", "opening", "opened", "repairing", "done"]
    unknown = convert("已开工")
    assert isinstance(unknown, Bad) and "not a known status" in unknown.reason
    category = vocab_converter(CATEGORY, "category", {})
    assert [category(v) for v in ("监测户", "五保户", "一般户")] == ["monitored", "tekun", "general"]


def test_numbers_dates_booleans_and_text() -> None:
    assert as_float("12.5万元") == 12.5 and isinstance(as_float("十二"), Bad)
    assert [as_date(v) for v in ("2021/9/15", "2021年9月15日", "20210915", 44454.0)] == \
        [dt.date(2021, 9, 15)] * 4
    assert (as_bool("是"), as_bool("×"), as_bool(1)) == (True, False, True)
    assert as_text(4.0) == "4" and isinstance(as_text(4.11121198e17), Bad)
    assert isinstance(as_text("æ²³æ¹¾"), Bad) and isinstance(as_text("锟斤拷"), Bad)


def test_each_distinct_value_is_converted_once() -> None:
    calls: list[str] = []

    def count(value: object) -> object:
        calls.append(str(value))
        return str(value)

    values, bad = convert_series(pd.Series(["甲", "乙", "甲", None, "", "甲"]), count)
    assert values == ["甲", "乙", "甲", None, None, "甲"] and not bad and sorted(calls) == ["乙", "甲"]


def test_risk_types_set_the_flags_they_name() -> None:
    flags, others = risk_flags("因灾;住房出现安全问题、饮水安全")
    assert flags == ["risk_housing", "risk_water"] and others == ["因灾"]
    assert risk_flags("因病 因学") == (["risk_education", "risk_medical"], [])

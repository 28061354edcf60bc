"""The at-risk household list: open risk items, ID numbers masked, no phone or income."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from layers.store import (
    read_layer,
)
from layers.vocabularies import CATEGORY, HOUSE_GRADE
from views.i18n import t
from views.map.geojson import mask_id_number, open_risks
from views.names import load_names


def household_frame(bind: sa.Connection, *, townships: tuple[str, ...] = (),
                    villages: tuple[str, ...] = (), categories: tuple[str, ...] = (),
                    only_risk: bool = True, lang: str = "zh") -> pd.DataFrame:
    """At-risk households with open risk items; the ID number masked, no phone or income."""
    gdf = read_layer(bind, "households", townships=list(townships) or None,
                     villages=list(villages) or None, include_private=True)
    masked = [mask_id_number(v) for v in gdf["id_number"]]
    gdf = gdf.drop(columns=["id_number", "phone", "income_per_capita", "geom"], errors="ignore")
    gdf["id_masked"] = masked
    if categories:
        gdf = gdf[gdf["category"].isin([CATEGORY.code(c) for c in categories])]
    records = gdf.to_dict("records")
    names = load_names(bind)
    out = []
    for rec in records:
        risks = open_risks(rec, lang)
        if only_risk and not risks:
            continue
        out.append({
            t("col_code", lang): rec["code"],
            t("col_head", lang): rec["head_name"],
            t("col_id_number", lang): rec["id_masked"],
            t("col_category", lang): CATEGORY.label(rec["category"], lang),
            t("col_members", lang): rec["members"],
            t("col_township", lang): names.township(names.village_township.get(
                str(rec["village_code"]))),
            t("col_village", lang): names.village(rec["village_code"]),
            t("col_risks", lang): ("、" if lang == "zh" else ", ").join(risks),
            t("col_house_grade", lang): HOUSE_GRADE.label(rec.get("house_grade"), lang),
            t("col_helper", lang): rec.get("helper") or "",
        })
    columns = [t(k, lang) for k in ("col_code", "col_head", "col_id_number", "col_category",
                                     "col_members", "col_township", "col_village", "col_risks",
                                     "col_house_grade", "col_helper")]
    return pd.DataFrame(out, columns=columns)

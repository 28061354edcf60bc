"""The at-risk household list: open risk items, ID numbers masked, no phone or income; the
counts per village for a role that sees households only as counts; and unmasking one household
(its ID number and phone) for a role that may, with a reason, logged."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from geo.errors import AccessDeniedError, NotFoundError, ValidationError
from layers import REGISTRY
from layers.audit import log_unmask
from layers.roles import Actor
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


def household_counts(bind: sa.Connection, *, townships: tuple[str, ...] = (),
                     villages: tuple[str, ...] = (), categories: tuple[str, ...] = (),
                     only_risk: bool = True, lang: str = "zh") -> pd.DataFrame:
    """Households per village (no name, no helper, no location): what a 行业部门 sees."""
    gdf = read_layer(bind, "households", townships=list(townships) or None,
                     villages=list(villages) or None)
    if categories:
        gdf = gdf[gdf["category"].isin([CATEGORY.code(c) for c in categories])]
    records = gdf.drop(columns="geom").to_dict("records")
    names = load_names(bind)
    counts: dict[str, list[int]] = {}
    for rec in records:
        risky = bool(open_risks(rec, lang))
        if only_risk and not risky:
            continue
        entry = counts.setdefault(str(rec["village_code"]), [0, 0, 0])
        entry[0] += 1
        entry[1] += rec["category"] == "monitored"
        entry[2] += risky
    rows = [(names.township(names.village_township.get(code)), names.village(code), *n)
            for code, n in sorted(counts.items())]
    return pd.DataFrame(rows, columns=[t(k, lang) for k in (
        "col_township", "col_village", "m_households", "col_monitored", "col_at_risk")])


PRIVATE_COLUMNS = ("id_number", "phone")


def unmask(bind: sa.Connection, actor: Actor, code: str, reason: str,
           lang: str = "zh") -> pd.DataFrame:
    """One household's ID number and phone, for a role that may and a reason; logged first."""
    if len(reason.strip()) < 2:
        raise ValidationError("give a reason for seeing this household's personal data.")
    table = REGISTRY.get("households").table
    villages = REGISTRY.get("villages").table
    row = bind.execute(
        sa.select(table.c.id, table.c.code, table.c.head_name, table.c.id_number, table.c.phone,
                  villages.c.township_code)
        .join(villages, villages.c.code == table.c.village_code)
        .where(table.c.code == code.strip())).first()
    if row is None:
        raise NotFoundError(f"no household has the code {code!r}; check it.")
    if not actor.scope.may_unmask(row.township_code):
        raise AccessDeniedError("this account may not see households' ID numbers and phones; "
                                "ask the township or the county administrator.")
    log_unmask(bind, actor.username, "households", row.id, list(PRIVATE_COLUMNS), reason)
    return pd.DataFrame([(row.code, row.head_name, row.id_number or "", row.phone or "")],
                        columns=[t(k, lang) for k in ("col_code", "col_head", "col_id_full",
                                                      "col_phone")])

"""The progress report: repairs counted by status and layer and by township, and what is past
the two policy deadlines (infrastructure, C/D houses). No Streamlit here; the page caches and shows
these tables.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo import chinatime
from layers import REGISTRY
from layers.filter import Filter
from layers.history import TABLE as HISTORY
from layers.ledger_rules import ledger_rules
from layers.store import read_layer
from layers.vocabularies import FINISHED_STATUSES, HOUSE_GRADE, STATUS
from views.i18n import t
from views.map.geojson import status_label
from views.names import Names, load_names

INFRA_DEADLINE = dt.date(2021, 12, 31)  # infrastructure basically repaired


def house_deadline() -> dt.date:
    """C/D houses repaired or rebuilt by this day (POLICY.md; the date is data/ledger.toml's)."""
    return ledger_rules().house_deadline


def _finished(code: object) -> bool:
    return code in FINISHED_STATUSES


def repair_rows(bind: sa.Connection, filters: Filter) -> list[dict[str, Any]]:
    """Every damaged asset the filter chooses (layers, statuses, places; the tiers through its
    ``ids``, see ``Filter.with_ids``), as plain records with their ``layer``."""
    rows = []
    for layer in filters.asset_layers():
        ids = filters.ids_for(layer.name)
        gdf = read_layer(bind, layer, statuses=list(filters.statuses) or None,
                         townships=list(filters.townships) or None,
                         villages=list(filters.villages) or None,
                         ids=None if ids is None else list(ids),
                         where=[layer.table.c.status.isnot(None)])  # undamaged: no repair
        for rec in gdf.drop(columns="geom").to_dict("records"):
            rows.append({"layer": layer, **rec})
    return rows


def progress_frames(bind: sa.Connection, filters: Filter, lang: str, as_of: dt.date, *,
                    households_in_full: bool = True) -> dict[str, pd.DataFrame]:
    """Counts by status × layer, by township, and the overdue items of the two deadlines.

    ``households_in_full=False``: the open C/D houses as counts per village (no names)."""
    rows = repair_rows(bind, filters)
    names = load_names(bind)
    houses = _houses(bind, filters, names, lang, as_of)
    if not households_in_full:
        village = t("col_village", lang)
        houses = (houses.groupby(village, sort=True).size().rename(t("m_households", lang))
                  .reset_index())
    return {
        "by_status": _by_status(rows, lang, filters),
        "by_township": _by_township(rows, names, lang),
        "overdue_infra": overdue_infra(rows, names, lang, as_of),
        "houses": houses,
    }


def _by_status(rows: list[dict[str, Any]], lang: str, filters: Filter) -> pd.DataFrame:
    index = [la.label(lang) for la in filters.asset_layers()]
    columns = [STATUS.label(c, lang) for c in STATUS.codes]
    table = pd.DataFrame(0, index=index, columns=columns)
    counted = Counter((row["layer"].label(lang), row["status"]) for row in rows)
    for (layer, status), n in counted.items():  # a cell per pair, not per row (.loc is slow)
        table.loc[layer, STATUS.label(status, lang)] += n
    total = table.sum(axis=1)
    done = table[[STATUS.label(c, lang) for c in FINISHED_STATUSES]].sum(axis=1)
    table[t("col_total", lang)] = total
    table[t("pct_done", lang) + " (%)"] = (100 * done / total.where(total > 0)).round(1).fillna(0)
    table.index.name = t("col_layer", lang)
    return table


def _by_township(rows: list[dict[str, Any]], names: Names, lang: str) -> pd.DataFrame:
    counts: dict[str, list[int]] = {}
    for row in rows:
        town = names.township(row.get("township_code")) or "—"
        entry = counts.setdefault(town, [0, 0])
        entry[0 if _finished(row["status"]) else 1] += 1
    table = pd.DataFrame(
        [(town, done, open_, done + open_) for town, (done, open_) in sorted(counts.items())],
        columns=[t("col_township", lang), t("col_done", lang), t("col_open", lang),
                 t("col_total", lang)],
    )
    total = table[t("col_total", lang)]
    table[t("col_percent", lang)] = (100 * table[t("col_done", lang)] / total).round(1)
    return table


def overdue_infra(rows: list[dict[str, Any]], names: Names, lang: str,
                  as_of: dt.date) -> pd.DataFrame:
    """Unfinished assets past their deadline (at the latest 31 December), with who answers."""
    out = []
    for row in rows:
        if _finished(row["status"]):
            continue
        deadline = _date(row.get("deadline")) or INFRA_DEADLINE
        deadline = min(deadline, INFRA_DEADLINE)
        if as_of > deadline:
            out.append({
                t("col_layer", lang): row["layer"].label(lang),
                t("col_name", lang): row.get("name"),
                t("col_township", lang): names.township(row.get("township_code")),
                t("col_status", lang): status_label(row["status"], lang),
                t("col_deadline", lang): deadline.isoformat(),
                t("col_days_overdue", lang): (as_of - deadline).days,
                t("col_resp_unit", lang): row.get("resp_unit") or "",
            })
    columns = [t(k, lang) for k in ("col_layer", "col_name", "col_township", "col_status",
                                     "col_deadline", "col_days_overdue", "col_resp_unit")]
    return pd.DataFrame(out, columns=columns)


def _houses(bind: sa.Connection, filters: Filter, names: Names, lang: str,
            as_of: dt.date) -> pd.DataFrame:
    """C/D-class houses whose housing risk is still open (the 30 November deadline)."""
    table = REGISTRY.get("households").table
    gdf = read_layer(bind, "households", townships=list(filters.townships) or None,
                     villages=list(filters.villages) or None,
                     where=[table.c.house_grade.in_(["C", "D"]), table.c.risk_housing.is_(True)])
    deadline = house_deadline()
    if not filters.shows_households:  # other layers chosen: no house belongs to the choice
        gdf = gdf.iloc[0:0]
    days = max((as_of - deadline).days, 0)
    return pd.DataFrame({
        t("col_code", lang): gdf["code"].to_numpy(),
        t("col_head", lang): gdf["head_name"].to_numpy(),
        t("col_village", lang): [names.village(v) for v in gdf["village_code"]],
        t("col_house_grade", lang): [HOUSE_GRADE.label(v, lang) for v in gdf["house_grade"]],
        t("col_deadline", lang): deadline.isoformat(),
        t("col_days_overdue", lang): days,
    })


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp) and not pd.isna(value):
        return value.date()
    return None


def data_as_of(bind: sa.Connection) -> dt.date:
    """The day the data stands on: the latest day anything recorded happened on the ground (a
    start, a finish, a filing, a status change's day), never after today; today when nothing is
    recorded. The progress page's default date, so a data set as of 2021-09-15 is not judged
    against today's deadlines. (A load or an edit of cost or unit carries no such day.)"""
    days: list[sa.ScalarSelect[dt.date]] = [sa.select(sa.func.max(HISTORY.c.effective_on))
                                           .scalar_subquery()]
    for layer in REGISTRY.repairable():
        table = layer.table
        for column in ("started_on", "finished_on", "filed_on"):
            if column in table.c:
                days.append(sa.select(sa.func.max(table.c[column])).scalar_subquery())
    latest = bind.execute(sa.select(sa.func.greatest(*days))).scalar()
    today = chinatime.today()
    return min(latest, today) if isinstance(latest, dt.date) else today

"""定期调度: progress over time from the change history, and the dispatch report (调度通报) for a
chosen date — per township and per department, overdue items with who answers for them, power
lines whose filing is overdue (先实施后备案), and a map picture. Dates are China Standard Time.

No Streamlit here: the progress page and ``tracker report`` both call :func:`dispatch_report`
and write it with ``geo.io.report`` (PDF or Excel).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa

from geo import chinatime
from geo.io.mapimage import MapLayer, render_png
from geo.io.report import Report, Section
from layers import REGISTRY
from layers.filter import Filter
from layers.history import changes_of_field
from layers.roles import DEPARTMENT, DEPARTMENT_LAYERS, Scope, department_of
from layers.store import read_layer
from layers.vocabularies import FILING, FINISHED_STATUSES
from layers.workflow import workflow
from views.i18n import t
from views.map.geojson import STATUS_COLORS
from views.names import Names, load_names
from views.progress import INFRA_DEADLINE, house_deadline, overdue_infra, repair_rows

RECENT_DAYS = 7  # "this period" of a dispatch: the week up to the report's date


def finished_by(row: dict[str, Any], as_of: dt.date) -> bool:
    """Finished on or before ``as_of`` (a finish recorded later does not count for that day)."""
    if row.get("status") not in FINISHED_STATUSES:
        return False
    on = row.get("finished_on")
    return on is None or pd.isna(on) or pd.Timestamp(on).date() <= as_of


@dataclass(frozen=True)
class Finish:
    """One recorded finish (a change to 已完工) of an asset, on the day it happened."""

    day: dt.date
    layer: str
    township_code: str | None
    id: int


def completions(bind: sa.Connection, rows: list[dict[str, Any]], as_of: dt.date) -> list[Finish]:
    """Every recorded finish of the given assets up to ``as_of``, with its day (the day given
    for it, else the day it was entered, in CST)."""
    wanted = {(r["layer"].name, int(r["id"])): r for r in rows}
    tables = sorted({name for name, _ in wanted})
    out = []
    for change in changes_of_field(bind, tables, "status", ["done"]) if tables else []:
        row = wanted.get((change.table_name, change.record_id))
        if row is None:
            continue
        day = change.effective_on or chinatime.in_cst(change.changed_at).date()
        if day <= as_of:
            out.append(Finish(day, row["layer"].name, row.get("township_code"), change.record_id))
    return out


def timeline(done: list[Finish], by: str, names: Names, lang: str, freq: str = "W") -> pd.DataFrame:
    """Finishes per day ("D") or week ("W", weeks starting Monday) per layer or township:
    rows are periods, columns the groups, values counts (a chart's data)."""
    if not done:
        return pd.DataFrame()
    days = pd.Series(pd.to_datetime([f.day for f in done]))
    period = days.dt.to_period("W-SUN").dt.start_time if freq == "W" else days
    if by == "layer":
        group = pd.Series([REGISTRY.get(f.layer).label(lang) for f in done])
    else:
        group = pd.Series([names.township(f.township_code) or "—" for f in done])
    table = pd.crosstab(period.rename(t("col_period", lang)), group.rename(""))
    if by == "layer":  # layers in the registry's order, as everywhere else
        order = [la.label(lang) for la in REGISTRY.repairable()]
        table = table[[c for c in order if c in table.columns]]
    return table.sort_index()


def deadline_pace(rows: list[dict[str, Any]], as_of: dt.date, lang: str) -> pd.DataFrame:
    """Per layer against 31 December: tasks, finished, left, weeks left and the pace needed."""
    weeks_left = max((INFRA_DEADLINE - as_of).days, 0) / 7
    out = []
    for layer in REGISTRY.repairable():
        mine = [r for r in rows if r["layer"].name == layer.name]
        if not mine:
            continue
        finished = sum(finished_by(r, as_of) for r in mine)
        left = len(mine) - finished
        pace = round(left / weeks_left, 1) if weeks_left else (float(left) if left else 0.0)
        out.append((layer.label(lang), len(mine), finished, left, round(weeks_left, 1), pace))
    return pd.DataFrame(out, columns=[t(k, lang) for k in (
        "col_layer", "col_total", "col_done", "col_open", "col_weeks_left", "col_pace")])


def filing_overdue(rows: list[dict[str, Any]], names: Names, lang: str,
                   as_of: dt.date) -> pd.DataFrame:
    """先实施后备案: finished power lines whose filing is not done ``due_days`` after the finish."""
    due_days = workflow().filing_due_days
    out = []
    for row in rows:
        if row["layer"].name != "power_lines" or row.get("filing") == "filed":
            continue
        if not finished_by(row, as_of) or row.get("finished_on") is None or pd.isna(row["finished_on"]):
            continue
        due = pd.Timestamp(row["finished_on"]).date() + dt.timedelta(days=due_days)
        if as_of > due:
            out.append((row.get("name"), names.township(row.get("township_code")),
                        FILING.label(row.get("filing") or "not_filed", lang),
                        pd.Timestamp(row["finished_on"]).date().isoformat(), due.isoformat(),
                        (as_of - due).days, row.get("resp_unit") or ""))
    return pd.DataFrame(out, columns=[t(k, lang) for k in (
        "col_name", "col_township", "col_filing", "col_finished_on", "col_filing_due",
        "col_days_overdue", "col_resp_unit")])


def _summary(rows: list[dict[str, Any]], key: Any, as_of: dt.date, recent: set[tuple[str, int]],
             overdue: set[tuple[str, int]], label: str, lang: str) -> pd.DataFrame:
    counts: dict[str, Counter[str]] = {}
    for row in rows:
        group = key(row)
        c = counts.setdefault(group, Counter())
        ident = (row["layer"].name, int(row["id"]))
        c["total"] += 1
        c["done"] += finished_by(row, as_of)
        c["recent"] += ident in recent
        c["overdue"] += ident in overdue
    out = []
    for group, c in sorted(counts.items()):
        share = round(100 * c["done"] / c["total"], 1) if c["total"] else 0.0
        out.append((group, c["total"], c["done"], c["total"] - c["done"], share, c["recent"],
                    c["overdue"]))
    return pd.DataFrame(out, columns=[label] + [t(k, lang) for k in (
        "col_total", "col_done", "col_open", "col_percent_done", "col_recent", "col_overdue")])


def _overdue_ids(rows: list[dict[str, Any]], as_of: dt.date) -> set[tuple[str, int]]:
    out = set()
    for row in rows:
        if finished_by(row, as_of):
            continue
        deadline = row.get("deadline")
        limit = INFRA_DEADLINE if deadline is None or pd.isna(deadline) else min(
            pd.Timestamp(deadline).date(), INFRA_DEADLINE)
        if as_of > limit:
            out.add((row["layer"].name, int(row["id"])))
    return out


def dispatch_data(bind: sa.Connection, scope: Scope, as_of: dt.date, lang: str) -> dict[str, Any]:
    """Everything the dispatch report shows, for one scope and date."""
    rows = repair_rows(bind, scope.restrict(Filter()))
    names = load_names(bind)
    done = completions(bind, rows, as_of)
    since = as_of - dt.timedelta(days=RECENT_DAYS - 1)
    recent = {(f.layer, f.id) for f in done if f.day >= since}
    overdue = _overdue_ids(rows, as_of)
    department = {layer: dept for dept, layers in DEPARTMENT_LAYERS.items() for layer in layers}
    return {
        "rows": rows,
        "completions": done,
        "by_township": _summary(rows, lambda r: names.township(r.get("township_code")) or "—",
                                as_of, recent, overdue, t("col_township", lang), lang),
        "by_department": _summary(
            rows, lambda r: DEPARTMENT.label(department.get(r["layer"].name), lang), as_of,
            recent, overdue, t("col_department", lang), lang),
        "overdue": overdue_infra([r for r in rows if not finished_by(r, as_of)], names, lang, as_of),
        "filing_overdue": filing_overdue(rows, names, lang, as_of),
        "pace": deadline_pace(rows, as_of, lang),
        "names": names,
    }


def dispatch_report(bind: sa.Connection, scope: Scope, as_of: dt.date, lang: str,
                    made_by: str, *, with_map: bool = True) -> Report:
    """The 调度通报 of ``as_of``: ready for ``geo.io.report.report_pdf`` / ``report_xlsx``."""
    data = dispatch_data(bind, scope, as_of, lang)
    rows = data["rows"]
    finished = sum(finished_by(r, as_of) for r in rows)
    figures = [
        (t("r_tasks", lang), str(len(rows))),
        (t("r_finished", lang), f"{finished}（{round(100 * finished / len(rows), 1) if rows else 0}%）"),
        (t("r_recent", lang, days=RECENT_DAYS),
         str(sum(f.day >= as_of - dt.timedelta(days=RECENT_DAYS - 1) for f in data["completions"]))),
        (t("r_overdue", lang), str(len(data["overdue"]))),
        (t("r_filing_overdue", lang), str(len(data["filing_overdue"]))),
        (t("r_days_left", lang), str(max((INFRA_DEADLINE - as_of).days, 0))),
        (t("r_houses_deadline", lang), house_deadline().isoformat()),
    ]
    scope_text = scope.describe(lang) if scope.township is None else \
        f"{scope.describe(lang)} {data['names'].township(scope.township)}"
    subtitle = t("r_subtitle", lang, date=as_of.isoformat(), scope=scope_text, who=made_by,
                 made=chinatime.text(chinatime.now()))
    sections = [
        Section(t("by_township", lang), data["by_township"]),
        Section(t("r_by_department", lang), data["by_department"]),
        Section(t("r_pace", lang), data["pace"]),
        Section(t("r_overdue_items", lang), data["overdue"], t("r_overdue_note", lang)),
        Section(t("r_filing", lang), data["filing_overdue"],
                t("r_filing_note", lang, days=workflow().filing_due_days)),
    ]
    image = map_image(bind, scope, rows, lang) if with_map else None
    return Report(t("r_title", lang), subtitle, figures, sections, image, t("r_map_caption", lang))


def map_image(bind: sa.Connection, scope: Scope, rows: list[dict[str, Any]], lang: str) -> bytes:
    """The county (or the scope's township) with every damaged asset in its status colour."""
    place = [scope.township] if scope.township else None
    towns = read_layer(bind, "townships", townships=place)
    county = read_layer(bind, "county") if scope.township is None else towns.iloc[0:0]
    flood = read_layer(bind, "flood_extent", townships=place)
    layers = [
        MapLayer(county, {"facecolor": "none", "edgecolor": "#222222", "linewidth": 1.4}),
        MapLayer(flood, {"color": "#9ecae1", "alpha": 0.6, "linewidth": 0}, t("r_flood", lang)),
        MapLayer(towns, {"facecolor": "none", "edgecolor": "#777777", "linewidth": 0.6,
                         "linestyle": "--"}, labels_column="name"),
    ]
    ids: dict[str, list[int]] = {}
    for row in rows:
        ids.setdefault(row["layer"].name, []).append(int(row["id"]))
    assets = [read_layer(bind, name, ids=wanted) for name, wanted in ids.items()]
    if assets:
        frame = gpd.GeoDataFrame(pd.concat(assets, ignore_index=True), geometry="geom",
                                 crs=assets[0].crs)
        for status, color in STATUS_COLORS.items():
            subset = frame[frame["status"] == status]
            if len(subset):
                label = t("r_status_legend", lang, status=_status_label(status, lang), n=len(subset))
                layers.append(MapLayer(subset, {"color": color, "markersize": 7, "linewidth": 1.6},
                                       label))
    return render_png(layers, t("r_map_title", lang))


def _status_label(code: str, lang: str) -> str:
    from layers.vocabularies import STATUS

    return STATUS.label(code, lang)


def department_label(layer: str, lang: str) -> str:
    return DEPARTMENT.label(department_of(layer), lang)

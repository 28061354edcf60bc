"""动态清零 — 三保障 and drinking water cleared to zero: open problems by kind and township, what is
past due, the C/D houses against their deadline (30 November, from data/ledger.toml), and the
households with at least one open 三保障/饮水 problem — as numbers now and over time from the
ledger's history. Counts only: any scope may see them (its own township's for a 乡镇 account).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa

from layers import REGISTRY
from layers.filter import Filter
from layers.history import TABLE as HISTORY
from layers.ledger import PROBLEMS_TABLE
from layers.ledger_rules import ledger_rules
from layers.places import township_codes, village_codes
from layers.roles import Scope
from layers.vocabularies import CLEARANCE_KINDS, OPEN_PROBLEM_STATES, PROBLEM_KIND
from views.i18n import t
from views.names import load_names


@dataclass(frozen=True)
class Figures:
    """The 动态清零 numbers of a scope and filter, as they stand (overdue: as of ``as_of``)."""

    open: int
    to_verify: int
    overdue: int
    households_open: int  # with at least one open 三保障/饮水 problem
    open_by_kind: dict[str, int] = field(default_factory=dict)
    houses: int = 0  # C/D houses on the ledger
    houses_in_plan: int = 0
    houses_started: int = 0
    houses_finished: int = 0
    houses_closed: int = 0
    houses_open: int = 0


def _filtered(conn: sa.Connection, scope: Scope, filters: Filter) -> sa.Select[Any]:
    """Problems with their household and township, within the scope and the place filter."""
    p, hh = PROBLEMS_TABLE, REGISTRY.get("households").table
    villages = REGISTRY.get("villages").table
    chosen = scope.restrict(filters)
    statement = (sa.select(p.c.id, p.c.kind, p.c.state, p.c.due_on, p.c.household_id,
                           p.c.appraisal_grade, p.c.in_plan, p.c.works_started_on,
                           p.c.works_finished_on, villages.c.township_code)
                 .join(hh, hh.c.id == p.c.household_id)
                 .join(villages, villages.c.code == hh.c.village_code))
    if chosen.townships:
        statement = statement.where(villages.c.township_code.in_(township_codes(conn, list(chosen.townships))))
    if chosen.villages:
        statement = statement.where(hh.c.village_code.in_(village_codes(conn, list(chosen.villages))))
    return statement


def _rows(conn: sa.Connection, scope: Scope, filters: Filter) -> pd.DataFrame:
    result = conn.execute(_filtered(conn, scope, filters))
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def figures(conn: sa.Connection, scope: Scope, filters: Filter, as_of: dt.date) -> Figures:
    """The numbers the progress page shows under 动态清零."""
    rows = _rows(conn, scope, filters)
    open_ = rows[rows["state"].isin(OPEN_PROBLEM_STATES)]
    cleared = open_[open_["kind"].isin(CLEARANCE_KINDS)]
    houses = rows[(rows["kind"] == "housing") & rows["appraisal_grade"].isin(["C", "D"])]
    return Figures(
        open=len(open_), to_verify=int((open_["state"] == "to_verify").sum()),
        overdue=int((open_["due_on"] < as_of).sum()), households_open=int(cleared["household_id"].nunique()),
        open_by_kind={k: int((open_["kind"] == k).sum()) for k in PROBLEM_KIND.codes},
        houses=len(houses), houses_in_plan=int(houses["in_plan"].sum()),
        houses_started=int(houses["works_started_on"].notna().sum()),
        houses_finished=int(houses["works_finished_on"].notna().sum()),
        houses_closed=int((houses["state"] == "closed").sum()),
        houses_open=int(houses["state"].isin(OPEN_PROBLEM_STATES).sum()),
    )


def by_township(conn: sa.Connection, scope: Scope, filters: Filter, as_of: dt.date,
                lang: str) -> pd.DataFrame:
    """Open problems per township and kind, with those past due."""
    rows = _rows(conn, scope, filters)
    open_ = rows[rows["state"].isin(OPEN_PROBLEM_STATES)].copy()
    names = load_names(conn)
    town = t("col_township", lang)
    open_[town] = [names.township(c) or "—" for c in open_["township_code"]]
    open_["kind_label"] = [PROBLEM_KIND.label(k, lang) for k in open_["kind"]]
    table = pd.crosstab(open_[town], open_["kind_label"]) if len(open_) else pd.DataFrame()
    table = table.reindex(columns=[PROBLEM_KIND.label(k, lang) for k in PROBLEM_KIND.codes], fill_value=0)
    table[t("lg_open", lang)] = table.sum(axis=1)
    overdue = open_[open_["due_on"] < as_of].groupby(town).size()
    table[t("lg_overdue", lang)] = overdue.reindex(table.index, fill_value=0)
    return table.reset_index() if len(table) else table


def houses_by_township(conn: sa.Connection, scope: Scope, filters: Filter, as_of: dt.date,
                       lang: str) -> pd.DataFrame:
    """C/D houses per township against the deadline: planned, started, finished, 销号, open."""
    rows = _rows(conn, scope, filters)
    houses = rows[(rows["kind"] == "housing") & rows["appraisal_grade"].isin(["C", "D"])]
    names = load_names(conn)
    deadline = ledger_rules().house_deadline
    out = []
    for code, group in houses.groupby("township_code", sort=True):
        still = int(group["state"].isin(OPEN_PROBLEM_STATES).sum())
        out.append((names.township(code), len(group), int(group["in_plan"].sum()),
                    int(group["works_started_on"].notna().sum()), int(group["works_finished_on"].notna().sum()),
                    int((group["state"] == "closed").sum()), still, still if as_of > deadline else 0))
    keys = ("col_township", "lg_houses", "lg_col_in_plan", "lg_col_works_started", "lg_col_works_finished",
            "lg_closed", "lg_open", "lg_overdue")
    return pd.DataFrame(out, columns=[t(k, lang) for k in keys])


def timeline(conn: sa.Connection, scope: Scope, filters: Filter, as_of: dt.date,
             lang: str) -> pd.DataFrame:
    """Open 三保障/饮水 problems per kind, and households with at least one, on each day up to
    ``as_of`` — replayed from the ledger's history (every state change, on the day it happened)."""
    chosen = _filtered(conn, scope, filters).where(PROBLEMS_TABLE.c.kind.in_(CLEARANCE_KINDS)).subquery()
    day = sa.func.coalesce(HISTORY.c.effective_on,
                           sa.cast(sa.func.timezone("Asia/Shanghai", HISTORY.c.changed_at), sa.Date))
    result = conn.execute(
        sa.select(HISTORY.c.record_id, day.label("day"), HISTORY.c.new_value, chosen.c.kind,
                  chosen.c.household_id)
        .join(chosen, chosen.c.id == HISTORY.c.record_id)
        .where(HISTORY.c.table_name == "problems", HISTORY.c.field == "state", day <= as_of)
        .order_by(HISTORY.c.id))
    events = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    columns = [PROBLEM_KIND.label(k, lang) for k in CLEARANCE_KINDS] + [t("lg_households_open", lang)]
    if events.empty:
        return pd.DataFrame(columns=columns)
    return _replay(events, as_of, lang, columns)


def _replay(events: pd.DataFrame, as_of: dt.date, lang: str, columns: list[str]) -> pd.DataFrame:
    """Daily counts from state changes: +1 when a problem opens, −1 when it closes."""
    # the state each problem ended each day in (several changes on one day: the last counts)
    daily = events.groupby(["record_id", "day"], sort=True).last().reset_index()
    daily["open"] = daily["new_value"].isin(OPEN_PROBLEM_STATES).astype(int)
    daily["delta"] = daily.groupby("record_id")["open"].diff().fillna(daily["open"]).astype(int)
    days = pd.date_range(pd.Timestamp(daily["day"].min()), pd.Timestamp(as_of), freq="D")
    kinds = daily.pivot_table(index="day", columns="kind", values="delta", aggfunc="sum", fill_value=0)
    kinds.index = pd.to_datetime(kinds.index)
    out = kinds.reindex(days, fill_value=0).cumsum().reindex(columns=list(CLEARANCE_KINDS), fill_value=0)
    out.columns = [PROBLEM_KIND.label(k, lang) for k in out.columns]
    # a household counts while any of its problems is open
    per_household = daily.groupby(["household_id", "day"], sort=True)["delta"].sum().reset_index()
    per_household["open"] = (per_household.groupby("household_id")["delta"].cumsum() > 0).astype(int)
    per_household["change"] = per_household.groupby("household_id")["open"].diff().fillna(
        per_household["open"]).astype(int)
    households = per_household.groupby("day")["change"].sum()
    households.index = pd.to_datetime(households.index)
    out[columns[-1]] = households.reindex(days, fill_value=0).cumsum()
    out.index.name = t("col_on", lang)
    return out[columns]


def clearance_data(conn: sa.Connection, scope: Scope, filters: Filter, as_of: dt.date,
                   lang: str) -> dict[str, Any]:
    """Everything the 动态清零 section shows, for the page's cached loader."""
    return {
        "figures": figures(conn, scope, filters, as_of),
        "by_township": by_township(conn, scope, filters, as_of, lang),
        "houses": houses_by_township(conn, scope, filters, as_of, lang),
        "timeline": timeline(conn, scope, filters, as_of, lang),
        "deadline": ledger_rules().house_deadline,
    }

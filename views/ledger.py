"""问题台账 page logic, without Streamlit: the filtered ledger as a table, one household's case (its
problems, the assets affecting it, its helper and history), what a person may do next, and the
Excel 台账 (one row per problem, Chinese headers, ID numbers masked unless the private export is
chosen; logged). The CLI prints the same tables.

Every read goes through the account's scope: a 乡镇 account sees its township, a 行业部门 sees the
ledger as counts only (it names people), and changes go through ``layers.ledger``'s rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo import chinatime
from geo.errors import AccessDeniedError
from geo.io.report import Report, Section, report_xlsx
from layers import REGISTRY
from layers.audit import ExportEntry, log_export
from layers.filter import Filter
from layers.history import history
from layers.ledger import PHOTOS, PROBLEMS_TABLE
from layers.ledger_rules import ledger_rules
from layers.places import township_codes, village_codes
from layers.roles import Actor, Scope
from layers.store import read_layer
from layers.vocabularies import (
    CATEGORY,
    FLOOD_DAMAGE,
    HOUSE_GRADE,
    MONITOR_KIND,
    OPEN_PROBLEM_STATES,
    PROBLEM_KIND,
    PROBLEM_STATE,
    RENOVATION,
    STATUS,
    VERIFY_METHOD,
)
from views.edits import change_rows
from views.i18n import t
from views.map.geojson import mask_id_number
from views.names import Names, load_names


@dataclass(frozen=True)
class LedgerQuery:
    """The ledger page's filters (codes or labels); empty = all."""

    townships: tuple[str, ...] = ()
    villages: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    helper: str = ""
    overdue: bool = False
    household: str = ""  # one household's code

    def key(self) -> tuple[Any, ...]:
        return astuple(self)

    @classmethod
    def from_key(cls, key: Sequence[Any]) -> LedgerQuery:
        return cls(*key)


# --- reading --------------------------------------------------------------------------------
def _columns(with_id_number: bool) -> list[Any]:
    p, hh = PROBLEMS_TABLE, REGISTRY.get("households").table
    villages = REGISTRY.get("villages").table
    extra = [hh.c.id_number] if with_id_number else []
    return [p, hh.c.code.label("household_code"), hh.c.head_name, hh.c.category,
            hh.c.monitor_kind, hh.c.village_code, villages.c.township_code, *extra]


def problem_records(conn: sa.Connection, scope: Scope, query: LedgerQuery, as_of: dt.date, *,
                    with_id_number: bool = False) -> list[dict[str, Any]]:
    """The problems of the query within the scope, with their household and place (codes)."""
    if not scope.households_in_full:
        raise AccessDeniedError("this account sees the ledger as counts only (it names people).")
    p, hh = PROBLEMS_TABLE, REGISTRY.get("households").table
    villages = REGISTRY.get("villages").table
    statement = (sa.select(*_columns(with_id_number))
                 .join(hh, hh.c.id == p.c.household_id)
                 .join(villages, villages.c.code == hh.c.village_code))
    for condition in _conditions(conn, scope, query, as_of):
        statement = statement.where(condition)
    statement = statement.order_by(villages.c.township_code, hh.c.village_code, hh.c.code, p.c.id)
    return [dict(r) for r in conn.execute(statement).mappings()]


def _conditions(conn: sa.Connection, scope: Scope, query: LedgerQuery, as_of: dt.date) -> list[Any]:
    p, hh = PROBLEMS_TABLE, REGISTRY.get("households").table
    villages = REGISTRY.get("villages").table
    out: list[Any] = []
    towns = township_codes(conn, list(query.townships)) if query.townships else []
    towns = list(scope.restrict(Filter(townships=tuple(towns))).townships)  # another's is refused
    if towns:
        out.append(villages.c.township_code.in_(towns))
    if query.villages:
        out.append(hh.c.village_code.in_(village_codes(conn, list(query.villages))))
    if query.kinds:
        out.append(p.c.kind.in_(PROBLEM_KIND.codes_for(list(query.kinds))))
    if query.states:
        out.append(p.c.state.in_(PROBLEM_STATE.codes_for(list(query.states))))
    if query.helper.strip():
        out.append(p.c.helper.contains(query.helper.strip(), autoescape=True))
    if query.overdue:
        out.append(sa.and_(p.c.state.in_(OPEN_PROBLEM_STATES), p.c.due_on < as_of))
    if query.household.strip():
        out.append(hh.c.code == query.household.strip())
    return out


def open_problems_by_household(conn: sa.Connection, household_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """household id → its open problems as (kind, state) codes, for the map's popups."""
    p = PROBLEMS_TABLE
    wanted = sa.bindparam("ids", [int(i) for i in household_ids], type_=sa.dialects.postgresql.ARRAY(sa.Integer))
    rows = conn.execute(sa.select(p.c.household_id, p.c.kind, p.c.state)
                        .where(p.c.household_id == sa.any_(wanted), p.c.state.in_(OPEN_PROBLEM_STATES))
                        .order_by(p.c.household_id, p.c.id)).all()
    out: dict[int, list[tuple[str, str]]] = {}
    for row in rows:
        out.setdefault(int(row.household_id), []).append((row.kind, row.state))
    return out


def asset_labels(conn: sa.Connection, refs: Iterable[str], lang: str = "zh") -> dict[str, str]:
    """``layer:id`` → "水毁水利工程 北舞渡镇水厂（W-001，已完工）" for the refs given."""
    wanted: dict[str, list[int]] = {}
    for ref in refs:
        layer, _, ident = ref.partition(":")
        wanted.setdefault(layer, []).append(int(ident))
    out = {}
    for layer, ids in wanted.items():
        spec = REGISTRY.get(layer)
        table = spec.table
        rows = conn.execute(sa.select(table.c.id, table.c.code, table.c.name, table.c.status)
                            .where(table.c.id.in_(ids))).all()
        for r in rows:
            status = STATUS.label(r.status, lang) if r.status else t("undamaged", lang)
            out[f"{layer}:{r.id}"] = f"{spec.label(lang)} {r.name}（{r.code}，{status}）"
    return out


def overdue_days(record: dict[str, Any], as_of: dt.date) -> int:
    """Days past the due date of an open problem (0 when closed or not yet due)."""
    if record["state"] not in OPEN_PROBLEM_STATES:
        return 0
    return max((as_of - record["due_on"]).days, 0)


def cause_text(record: dict[str, Any], labels: dict[str, str]) -> str:
    parts = [labels.get(ref, ref) for ref in record.get("causes") or []]
    if record.get("cause_note"):
        parts.append(str(record["cause_note"]))
    return "；".join(parts)


LEDGER_COLUMNS = ("lg_col_id", "col_code", "col_head", "col_township", "col_village", "lg_col_kind",
                  "lg_col_cause", "lg_col_measure", "col_helper", "lg_col_unit", "lg_col_found",
                  "col_deadline", "lg_col_state", "col_days_overdue", "lg_col_verified")


def ledger_frame(conn: sa.Connection, records: list[dict[str, Any]], names: Names, lang: str,
                 as_of: dt.date) -> pd.DataFrame:
    """The problems as the page and the CLI show them: one row per problem, labels in ``lang``."""
    labels = asset_labels(conn, {ref for r in records for ref in r.get("causes") or []}, lang)
    measures = ledger_rules().measures
    rows = []
    for r in records:
        verified = ""
        if r["state"] == "closed":
            verified = f"{r['verified_by']} {r['verified_on']} {VERIFY_METHOD.label(r['verify_method'], lang)}"
        rows.append((r["id"], r["household_code"], r["head_name"], names.township(r["township_code"]),
                     names.village(r["village_code"]), PROBLEM_KIND.label(r["kind"], lang),
                     cause_text(r, labels), measures.label(r["measure"], lang) if r["measure"] else "",
                     r["helper"] or "", r["helper_unit"] or "", r["found_on"].isoformat(),
                     r["due_on"].isoformat(), PROBLEM_STATE.label(r["state"], lang),
                     overdue_days(r, as_of), verified))
    return pd.DataFrame(rows, columns=[t(k, lang) for k in LEDGER_COLUMNS])


def ledger_counts(conn: sa.Connection, scope: Scope, query: LedgerQuery, lang: str,
                  as_of: dt.date) -> pd.DataFrame:
    """Open problems per township and kind, and how many are past due — no names: what a scope
    that sees households only as counts gets."""
    p, hh = PROBLEMS_TABLE, REGISTRY.get("households").table
    villages = REGISTRY.get("villages").table
    open_ = p.c.state.in_(OPEN_PROBLEM_STATES)
    statement = (sa.select(villages.c.township_code, p.c.kind,
                           sa.func.count().filter(open_).label("open"),
                           sa.func.count().filter(open_, p.c.due_on < as_of).label("overdue"),
                           sa.func.count().filter(p.c.state == "closed").label("closed"))
                 .join(hh, hh.c.id == p.c.household_id)
                 .join(villages, villages.c.code == hh.c.village_code)
                 .group_by(villages.c.township_code, p.c.kind)
                 .order_by(villages.c.township_code, p.c.kind))
    for condition in _conditions(conn, scope, query, as_of):
        statement = statement.where(condition)
    names = load_names(conn)
    rows = [(names.township(r.township_code), PROBLEM_KIND.label(r.kind, lang), r.open, r.overdue, r.closed)
            for r in conn.execute(statement)]
    return pd.DataFrame(rows, columns=[t(k, lang) for k in ("col_township", "lg_col_kind", "lg_open",
                                                            "lg_overdue", "lg_closed")])


# --- one household ---------------------------------------------------------------------------
@dataclass
class HouseholdCase:
    """Everything the page shows of one household, and what acting on its problems needs."""

    id: int
    code: str
    version: int
    township_code: str
    category: str
    monitor_kind: str | None
    facts: list[tuple[str, str]]
    problems: list[dict[str, Any]]
    problem_frame: pd.DataFrame
    assets: pd.DataFrame
    history: pd.DataFrame
    asset_choices: dict[str, str] = field(default_factory=dict)  # layer:id → label


def household_case(conn: sa.Connection, scope: Scope, code: str, lang: str,
                   as_of: dt.date) -> HouseholdCase | None:
    """One household by its code, if the scope may see it (else None, as if it did not exist)."""
    hh = REGISTRY.get("households").table
    villages = REGISTRY.get("villages").table
    row = conn.execute(sa.select(hh, villages.c.township_code)
                       .join(villages, villages.c.code == hh.c.village_code)
                       .where(hh.c.code == code.strip())).mappings().first()
    if row is None or not scope.households_in_full or not scope.sees_township(row["township_code"]):
        return None
    names = load_names(conn)
    records = problem_records(conn, scope, LedgerQuery(household=row["code"]), as_of)
    assets = _affecting(conn, dict(row), records, lang)
    return HouseholdCase(
        id=int(row["id"]), code=str(row["code"]), version=int(row["version"]),
        township_code=str(row["township_code"]), category=str(row["category"]),
        monitor_kind=row["monitor_kind"], facts=_facts(dict(row), names, lang), problems=records,
        problem_frame=ledger_frame(conn, records, names, lang, as_of),
        assets=assets[0], asset_choices=assets[1],
        history=_history(conn, int(row["id"]), [int(r["id"]) for r in records], lang))


def _facts(row: dict[str, Any], names: Names, lang: str) -> list[tuple[str, str]]:
    kind = f" · {MONITOR_KIND.label(row['monitor_kind'], lang)}" if row["monitor_kind"] else ""
    facts = [
        (t("col_code", lang), str(row["code"])),
        (t("col_head", lang), str(row["head_name"])),
        (t("col_category", lang), CATEGORY.label(row["category"], lang) + kind),
        (t("col_members", lang), str(row["members"])),
        (t("col_village", lang), f"{names.village(row['village_code'])}（{names.township(row['township_code'])}）"),
        (t("col_helper", lang), str(row["helper"] or "—")),
        (t("col_house_grade", lang), HOUSE_GRADE.label(row["house_grade"], lang) or "—"),
        (t("lg_flood_damage", lang), FLOOD_DAMAGE.label(row["flood_damage"], lang)),
    ]
    return facts


def _affecting(conn: sa.Connection, row: dict[str, Any], records: list[dict[str, Any]],
               lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Damaged assets serving the household's village (roads through it, its PV station) and
    every asset one of its problems names as its cause."""
    causes = {ref for r in records for ref in r.get("causes") or []}
    refs: set[str] = set(causes)
    for layer in REGISTRY.repairable():
        gdf = read_layer(conn, layer, villages=[row["village_code"]])
        gdf = gdf[gdf["status"].notna()]
        if layer.name == "pv_stations":
            mine = [row["code"] in list(b or []) for b in gdf["beneficiaries"]]
            gdf = gdf.loc[pd.Series(mine, index=gdf.index, dtype=bool)]
        refs |= {f"{layer.name}:{int(i)}" for i in gdf["id"]}
    labels = asset_labels(conn, refs, lang)
    rows = sorted((labels.get(ref, ref), t("lg_yes" if ref in causes else "lg_no", lang)) for ref in refs)
    frame = pd.DataFrame(rows, columns=[t("lg_col_asset", lang), t("lg_col_is_cause", lang)])
    return frame, {ref: labels.get(ref, ref) for ref in sorted(refs)}


def _history(conn: sa.Connection, household_id: int, problem_ids: list[int], lang: str) -> pd.DataFrame:
    """The household's and its problems' changes, newest first, each saying what it changed."""
    rows: list[dict[str, str]] = []
    changes = [("", c) for c in history(conn, "households", household_id)]
    for pid in problem_ids:
        changes += [(f"#{pid}", c) for c in history(conn, "problems", pid)]
    changes.sort(key=lambda item: (item[1].changed_at, item[1].id), reverse=True)
    what = t("lg_col_record", lang)
    for label, change in changes:
        shown = change_rows([change], lang)[0]
        rows.append({what: label or t("lg_household", lang), **shown})
    columns = [what] + [t(k, lang) for k in ("col_when", "col_who", "col_field", "col_old", "col_new",
                                              "col_on", "col_note")]
    return pd.DataFrame(rows, columns=columns)


def problem_photos(conn: sa.Connection, problem_id: int) -> list[dict[str, Any]]:
    """A problem's verification photos (bytes, media type, SHA-256 checked again), oldest first.
    The caller has the problem from a scoped read (``household_case``)."""
    rows = conn.execute(sa.select(PHOTOS).where(PHOTOS.c.problem_id == int(problem_id))
                        .order_by(PHOTOS.c.id)).mappings().all()
    out = []
    for row in rows:
        data = bytes(row["data"])
        out.append({**dict(row), "data": data, "intact": hashlib.sha256(data).hexdigest() == row["sha256"]})
    return out


def actions(record: dict[str, Any], actor: Actor) -> list[str]:
    """What this person may do next to a problem: measure, done, verify, unfounded, back."""
    rules = ledger_rules()
    if actor.role not in rules.act_roles:
        return []
    state = record["state"]
    out = []
    if state in ("open", "in_progress"):
        out.append("measure")
        if record.get("measure"):
            out.append("done")
    if state == "to_verify" and record.get("done_by") != actor.username:
        out.append("verify")
    if state in OPEN_PROBLEM_STATES:
        out.append("unfounded")
    if state in ("in_progress", "to_verify", "closed", "unfounded"):
        out.append("back")
    return out


# --- the Excel 台账 -------------------------------------------------------------------------
EXPORT_COLUMNS = ("问题编号", "户编码", "户主", "身份证号", "户类别", "乡镇", "行政村", "问题类型", "致因",
                  "帮扶措施", "措施说明", "帮扶责任人", "帮扶单位", "发现日期", "完成时限", "状态",
                  "逾期天数", "报告完成人", "完成日期", "核实人", "核实日期", "核实方式", "核实说明",
                  "不属实/退回原因", "鉴定等级", "鉴定日期", "纳入改造计划", "改造方式", "开工日期",
                  "竣工日期", "补助金额(元)")


def export_frame(conn: sa.Connection, records: list[dict[str, Any]], names: Names, as_of: dt.date,
                 private: bool) -> pd.DataFrame:
    """One row per problem with Chinese headers; the ID number masked unless ``private``."""
    labels = asset_labels(conn, {ref for r in records for ref in r.get("causes") or []})
    measures = ledger_rules().measures
    rows = []
    for r in records:
        id_number = r.get("id_number") or ""
        rows.append((
            r["id"], r["household_code"], r["head_name"], id_number if private else mask_id_number(id_number),
            CATEGORY.label(r["category"]), names.township(r["township_code"]), names.village(r["village_code"]),
            PROBLEM_KIND.label(r["kind"]), cause_text(r, labels),
            measures.label(r["measure"]) if r["measure"] else "", r["measure_note"] or "", r["helper"] or "",
            r["helper_unit"] or "", r["found_on"], r["due_on"], PROBLEM_STATE.label(r["state"]),
            overdue_days(r, as_of), r["done_by"] or "", r["done_on"], r["verified_by"] or "",
            r["verified_on"], VERIFY_METHOD.label(r["verify_method"]), r["verify_note"] or "",
            r["state_reason"] or "", r["appraisal_grade"] or "", r["appraised_on"],
            "是" if r["in_plan"] else "", RENOVATION.label(r["renovation"]), r["works_started_on"],
            r["works_finished_on"], float(r["subsidy_yuan"]) if r["subsidy_yuan"] is not None else None))
    # the writer (geo.io.report) guards every cell against formulas: the one guard, geo.io.cells
    return pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))


def describe_query(query: LedgerQuery, as_of: dt.date) -> str:
    parts = [f"截至 as of {as_of.isoformat()}"]
    for label, values in (("乡镇", query.townships), ("行政村", query.villages), ("问题类型", query.kinds),
                          ("状态", query.states)):
        if values:
            parts.append(f"{label}: {', '.join(values)}")
    if query.helper.strip():
        parts.append(f"帮扶责任人: {query.helper.strip()}")
    if query.overdue:
        parts.append("只看逾期 overdue only")
    return "; ".join(parts)


def export_ledger(conn: sa.Connection, actor: Actor, query: LedgerQuery, as_of: dt.date, *,
                  private: bool = False) -> tuple[str, bytes, int]:
    """(file name, Excel bytes, rows) of the 台账, logged in the caller's transaction (commit it).

    The ledger names people, so it is a personal export (县级管理员, 乡镇); full ID numbers need
    the private export (county administrators only)."""
    if not actor.scope.may_export_personal:
        raise AccessDeniedError("the ledger names households and helpers; only 县级管理员 and 乡镇 "
                                "accounts may export it. Nothing was exported.")
    if private and not actor.scope.may_export_private:
        raise AccessDeniedError("full ID numbers may be exported only by a county administrator; "
                                "nothing was exported.")
    records = problem_records(conn, actor.scope, query, as_of, with_id_number=True)
    frame = export_frame(conn, records, load_names(conn), as_of, private)
    fields = ["户主", "帮扶责任人", "身份证号（完整）" if private else "身份证号（脱敏）"]
    report = Report(
        title="舞阳县防止因灾致贫返贫问题台账",
        subtitle=f"{describe_query(query, as_of)} · 导出人 {actor.username} · {chinatime.text(chinatime.now())}",
        figures=[(PROBLEM_STATE.label(s), str(sum(r["state"] == s for r in records))) for s in PROBLEM_STATE.codes]
        + [("个人信息 Personal data", "、".join(fields))],
        sections=[Section("问题台账", frame)])
    payload = report_xlsx(report)
    name = f"问题台账-{as_of:%Y%m%d}.xlsx"
    log_export(conn, ExportEntry(
        username=actor.username, layers=["problems"], filter_text=describe_query(query, as_of),
        fmt="xlsx", crs="—", personal=True, personal_fields=fields, row_count=len(records),
        file_name=name, sha256=hashlib.sha256(payload).hexdigest()))
    return name, payload, len(records)


__all__ = ["HouseholdCase", "LedgerQuery", "actions", "export_ledger", "household_case",
           "ledger_counts", "ledger_frame", "problem_records"]

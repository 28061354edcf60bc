"""问题台账 — every household risk point from found to 销号: filter the ledger, open a household (its
problems, the assets affecting it, its helper, its history) and act on a problem in two clicks —
choose its row, then record the measure, report it done, or verify it (销号). New households found
at risk and category changes (应纳尽纳) are taken here too; the ledger exports as the Excel 台账.

UI only: reading through the cached loaders and views.ledger, changing through layers.ledger's
rules (the signed-in account, its scope, optimistic locking), one transaction per action."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from geo import chinatime
from geo.db.engine import get_engine
from geo.errors import StaleEditError, TrackerError
from layers import intake
from layers import ledger as changes
from layers.intake import NewHousehold
from layers.ledger import House, NewProblem
from layers.ledger_rules import ledger_rules
from layers.vocabularies import (
    CATEGORY,
    MONITOR_KIND,
    OPEN_PROBLEM_STATES,
    PROBLEM_KIND,
    PROBLEM_STATE,
    RENOVATION,
    VERIFY_METHOD,
)
from pages import common, sign_in
from views.ledger import HouseholdCase, LedgerQuery, actions, export_ledger, household_case, problem_photos
from views.markdown import literal

language = common.lang()
url = common.db_url()
filters = common.current_filter()
actor = sign_in.actor()
scope = actor.scope
rules = ledger_rules()
today = chinatime.today()
def act(change: Callable[[Any], object], done: str) -> None:
    """Run one change in its own transaction; refusals are one sentence, nothing is written."""
    try:
        with get_engine(url).begin() as conn:
            change(conn)
    except StaleEditError as error:
        st.error(common.tr("lg_stale", message=literal(error)))
        return
    except TrackerError as error:
        st.error(common.tr("error_friendly", message=literal(error)))
        return
    common.clear_caches()
    st.session_state["lg_flash"] = done
    # the rows move after a change (a closed problem leaves the default list): start the table
    # afresh, without a selection that would now point at another row, and keep this household open
    st.session_state["lg_round"] = int(st.session_state.get("lg_round", 0)) + 1
    st.rerun()


st.subheader(common.tr("lg_title"))
st.caption(common.tr("lg_intro"))
flash = st.session_state.pop("lg_flash", None)
if flash:
    st.success(flash)

top = st.columns([2, 2, 2, 1])
kinds = top[0].multiselect(common.tr("lg_col_kind"), PROBLEM_KIND.codes, key="lg_kinds", select_all=False,
                           placeholder=common.tr("f_all"), format_func=lambda c: PROBLEM_KIND.label(c, language))
states = top[1].multiselect(common.tr("lg_col_state"), PROBLEM_STATE.codes, key="lg_states", select_all=False,
                            default=list(OPEN_PROBLEM_STATES), placeholder=common.tr("f_all"),
                            format_func=lambda c: PROBLEM_STATE.label(c, language))
helper = top[2].text_input(common.tr("col_helper"), key="lg_helper")
overdue = top[3].checkbox(common.tr("lg_only_overdue"), key="lg_overdue")
query = LedgerQuery(townships=filters.townships, villages=filters.villages, kinds=tuple(kinds),
                    states=tuple(states), helper=helper, overdue=bool(overdue))


def counts_only() -> None:
    """A scope that sees households only as counts: the ledger per township and kind."""
    st.caption(common.tr("lg_counts_only"))
    st.dataframe(common.ledger_counts(url, scope.key(), query.key(), language, today),
                 hide_index=True, width="stretch")


def ledger_table() -> str | None:
    """The filtered problems; the chosen row opens its household. Returns the household code."""
    data = common.ledger(url, scope.key(), query.key(), language, today)
    frame: pd.DataFrame = data["frame"]
    rows: list[dict[str, Any]] = data["rows"]
    cols = st.columns(4)
    cols[0].metric(common.tr("lg_shown"), len(rows))
    cols[1].metric(common.tr("lg_to_verify"), sum(r["state"] == "to_verify" for r in rows))
    cols[2].metric(common.tr("lg_overdue"), int((frame[common.tr("col_days_overdue")] > 0).sum()))
    changes_made = int(st.session_state.get("lg_round", 0))
    table = st.dataframe(frame, hide_index=True, width="stretch", height=380,
                         key="lg_table" if not changes_made else f"lg_table_{changes_made}",
                         on_select="rerun", selection_mode="single-row")
    picked = list(table.selection.rows) if table is not None and table.selection else []
    if picked and picked[0] < len(rows):
        row = rows[picked[0]]
        st.session_state["lg_problem"] = row["id"]
        st.session_state["lg_focus"] = str(row["household"])
    typed = st.text_input(common.tr("lg_open_code"), key="lg_open_code").strip()
    if typed and typed != st.session_state.get("lg_typed") and not picked:  # a code just typed
        st.session_state["lg_focus"] = typed
    st.session_state["lg_typed"] = typed
    focus = st.session_state.get("lg_focus")
    return str(focus) if focus else None


def household_panel(case: HouseholdCase) -> None:
    st.markdown(f"#### {common.tr('lg_household_title')}")
    left, right = st.columns([1, 2])
    left.dataframe(pd.DataFrame(case.facts, columns=[common.tr("col_field"), common.tr("col_value")]),
                   hide_index=True, width="stretch")
    right.dataframe(case.problem_frame, hide_index=True, width="stretch")
    problem_actions(case)
    with st.expander(common.tr("lg_assets_title"), expanded=False):
        st.dataframe(case.assets, hide_index=True, width="stretch")
    if actor.role in rules.act_roles:
        add_problem_form(case)
        category_form(case)
    with st.expander(common.tr("lg_history_title"), expanded=False):
        st.dataframe(case.history, hide_index=True, width="stretch")


def problem_actions(case: HouseholdCase) -> None:
    """The chosen problem's next step: one button for the usual move, the rest folded away."""
    if not case.problems:
        st.caption(common.tr("lg_no_problems"))
        return
    ids = [int(p["id"]) for p in case.problems]
    wanted = st.session_state.get("lg_problem")
    index = ids.index(wanted) if wanted in ids else 0
    pid = st.selectbox(common.tr("lg_pick_problem"), ids, index=index, key=f"lg_pick_{case.code}",
                       format_func=lambda i: _problem_label(case, i))
    record = next(p for p in case.problems if p["id"] == pid)
    allowed = actions(record, actor)
    if not allowed:
        st.caption(common.tr("lg_no_action"))
    version = int(record["version"])
    if "measure" in allowed:
        measure_form(pid, version, record)
    if "done" in allowed:
        done_form(pid, version)
    if "verify" in allowed:
        verify_form(pid, version)
    elif record["state"] == "to_verify":
        st.caption(common.tr("lg_not_your_verification"))
    if record["kind"] == "housing" and actor.role in rules.act_roles:
        house_form(pid, version, record)
    if "unfounded" in allowed or "back" in allowed:
        other_moves(pid, version, record, allowed)
    if record["state"] == "closed":
        show_photos(pid)


def show_photos(pid: int) -> None:
    """The verification photo(s), with their checksum (checked again on reading)."""
    with get_engine(url).connect() as conn:
        photos = problem_photos(conn, pid)
    for photo in photos:
        key = "lg_photo_ok" if photo["intact"] else "lg_photo_damaged"
        st.image(photo["data"], width=360, caption=common.tr(key, sha=photo["sha256"][:16]))


def _problem_label(case: HouseholdCase, pid: int) -> str:
    record = next(p for p in case.problems if p["id"] == pid)
    return (f"#{pid} {PROBLEM_KIND.label(record['kind'], language)} · "
            f"{PROBLEM_STATE.label(record['state'], language)}")


def measure_form(pid: int, version: int, record: dict[str, Any]) -> None:
    codes = rules.measures.codes
    current = record.get("measure")
    cols = st.columns([2, 3, 1])
    measure = cols[0].selectbox(common.tr("lg_col_measure"), codes, key=f"lg_measure_{pid}",
                                index=codes.index(current) if current in codes else 0,
                                format_func=lambda c: rules.measures.label(c, language))
    note = cols[1].text_input(common.tr("lg_col_measure_note"), key=f"lg_measure_note_{pid}",
                              value=record.get("measure_note") or "")
    if cols[2].button(common.tr("lg_save_measure"), key="lg_save_measure"):
        act(lambda conn: changes.set_measure(conn, actor, pid, version, measure, measure_note=note),
            common.tr("lg_saved", id=pid))


def done_form(pid: int, version: int) -> None:
    cols = st.columns([3, 2, 1])
    note = cols[0].text_input(common.tr("lg_col_done_note"), key=f"lg_done_note_{pid}")
    on = cols[1].date_input(common.tr("change_on"), value=today, max_value=today, key=f"lg_done_on_{pid}")
    if cols[2].button(common.tr("lg_mark_done"), key="lg_mark_done", type="primary"):
        act(lambda conn: changes.mark_done(conn, actor, pid, version, on=on, note=note or None),
            common.tr("lg_saved", id=pid))


def verify_form(pid: int, version: int) -> None:
    """销号: who (the signed-in account), when, how, a note, optionally a photo."""
    cols = st.columns([2, 3, 2])
    method = cols[0].radio(common.tr("lg_col_method"), VERIFY_METHOD.codes, key=f"lg_method_{pid}",
                           horizontal=True, format_func=lambda c: VERIFY_METHOD.label(c, language))
    note = cols[1].text_input(common.tr("lg_col_verify_note"), key=f"lg_verify_note_{pid}")
    on = cols[2].date_input(common.tr("lg_verified_on"), value=today, max_value=today, key=f"lg_verify_on_{pid}")
    # the browser refuses a larger file at once; the server's check (layers.ledger) still decides
    photo = st.file_uploader(common.tr("lg_photo", mb=rules.photo_max_bytes / 1e6), key=f"lg_photo_{pid}",
                             type=["jpg", "jpeg", "png", "webp"],
                             max_upload_size=max(1, math.ceil(rules.photo_max_bytes / 1_048_576)))
    if st.button(common.tr("lg_verify"), key="lg_verify", type="primary"):
        data = photo.getvalue() if photo is not None else None
        act(lambda conn: changes.verify(conn, actor, pid, version, method, note=note or None, on=on,
                                        photo=data), common.tr("lg_verified", id=pid))


def house_form(pid: int, version: int, record: dict[str, Any]) -> None:
    """The C/D house's appraisal, renovation plan, works and subsidy."""
    with st.expander(common.tr("lg_house_title")):
        cols = st.columns(3)
        grade = cols[0].selectbox(common.tr("lg_col_grade"), ["C", "D"], key=f"lg_grade_{pid}",
                                  index=1 if record.get("appraisal_grade") == "D" else 0)
        appraised = cols[1].date_input(common.tr("lg_col_appraised"), value=record.get("appraised_on"),
                                       max_value=today, key=f"lg_appraised_{pid}")
        plan = cols[2].checkbox(common.tr("lg_col_in_plan"), value=bool(record.get("in_plan")),
                                key=f"lg_in_plan_{pid}")
        works = st.columns(4)
        renovation = works[0].selectbox(common.tr("lg_col_renovation"), RENOVATION.codes, key=f"lg_renov_{pid}",
                                       index=RENOVATION.codes.index(record["renovation"])
                                       if record.get("renovation") else 0,
                                       format_func=lambda c: RENOVATION.label(c, language))
        started = works[1].date_input(common.tr("lg_col_works_started"), value=record.get("works_started_on"),
                                     max_value=today, key=f"lg_started_{pid}")
        finished = works[2].date_input(common.tr("lg_col_works_finished"), value=record.get("works_finished_on"),
                                      max_value=today, key=f"lg_finished_{pid}")
        subsidy = works[3].number_input(common.tr("lg_col_subsidy"), min_value=0.0, step=1000.0,
                                       value=float(record["subsidy_yuan"] or 0), key=f"lg_subsidy_{pid}")
        if st.button(common.tr("lg_save_house"), key="lg_save_house"):
            house = House(grade, appraised, bool(plan), renovation if plan else None, started, finished,
                          subsidy or None)
            act(lambda conn: changes.set_house(conn, actor, pid, version, house), common.tr("lg_saved", id=pid))


def other_moves(pid: int, version: int, record: dict[str, Any], allowed: list[str]) -> None:
    """不属实, or back to an earlier stage — each with its reason."""
    with st.expander(common.tr("lg_other_moves")):
        reason = st.text_input(common.tr("lg_col_reason"), key=f"lg_reason_{pid}")
        cols = st.columns(2)
        if "unfounded" in allowed and cols[0].button(common.tr("lg_unfounded"), key="lg_unfounded"):
            act(lambda conn: changes.mark_unfounded(conn, actor, pid, version, reason),
                common.tr("lg_saved", id=pid))
        if "back" in allowed:
            target = "open" if record["state"] == "unfounded" else "in_progress"
            if cols[1].button(common.tr("lg_send_back", state=PROBLEM_STATE.label(target, language)),
                              key="lg_send_back"):
                act(lambda conn: changes.send_back(conn, actor, pid, version, target, reason),
                    common.tr("lg_saved", id=pid))


def add_problem_form(case: HouseholdCase) -> None:
    with st.expander(common.tr("lg_add_title")), st.form(f"lg_add_{case.code}"):
        kind = st.selectbox(common.tr("lg_col_kind"), PROBLEM_KIND.codes, key="lg_add_kind",
                            format_func=lambda c: PROBLEM_KIND.label(c, language))
        causes = st.multiselect(common.tr("lg_col_cause"), list(case.asset_choices), key="lg_add_causes",
                                select_all=False, format_func=lambda r: case.asset_choices.get(r, r))
        situation = st.text_input(common.tr("lg_situation"), key="lg_add_situation")
        measure = st.selectbox(common.tr("lg_col_measure"), ["", *rules.measures.codes], key="lg_add_measure",
                               format_func=lambda c: rules.measures.label(c, language) if c else "—")
        unit = st.text_input(common.tr("lg_col_unit"), key="lg_add_unit")
        due = st.date_input(common.tr("col_deadline"), value=None, key="lg_add_due")
        if st.form_submit_button(common.tr("lg_add")):
            new = NewProblem(case.id, kind, causes=tuple(causes), cause_note=situation or None,
                             measure=measure or None, helper_unit=unit or None, due_on=due)
            act(lambda conn: changes.add_problem(conn, actor, new), common.tr("lg_added"))


def category_form(case: HouseholdCase) -> None:
    """动态监测: the household's category changes, with the reason and the day it was decided."""
    with st.expander(common.tr("lg_category_title")), st.form(f"lg_category_{case.code}"):
        category = st.selectbox(common.tr("col_category"), CATEGORY.codes, key="lg_cat",
                                index=CATEGORY.codes.index(case.category),
                                format_func=lambda c: CATEGORY.label(c, language))
        kind = st.selectbox(common.tr("lg_monitor_kind"), ["", *MONITOR_KIND.codes], key="lg_cat_kind",
                            format_func=lambda c: MONITOR_KIND.label(c, language) if c else "—")
        reason = st.text_input(common.tr("lg_col_reason"), key="lg_cat_reason")
        on = st.date_input(common.tr("change_on"), value=today, max_value=today, key="lg_cat_on")
        if st.form_submit_button(common.tr("lg_save_category")):
            act(lambda conn: intake.change_category(conn, actor, case.id, case.version, category,
                                                    kind or None, reason, on), common.tr("lg_category_saved"))


def intake_form() -> None:
    """应纳尽纳: a household found at risk, with its risk points."""
    known = common.names(url)
    own = [c for c, town in known.village_township.items() if scope.sees_township(town)]
    where_is = {c: f"{known.village(c)}（{known.township(known.village_township[c])}）" for c in own}
    with st.expander(common.tr("lg_intake_title")), st.form("lg_intake"):
        cols = st.columns(3)
        village = cols[0].selectbox(common.tr("col_village"), own, key="lg_in_village",
                                    format_func=lambda c: where_is.get(c, c))
        head = cols[1].text_input(common.tr("col_head"), key="lg_in_head")
        members = cols[2].number_input(common.tr("col_members"), min_value=1, value=1, step=1, key="lg_in_members")
        cols = st.columns(3)
        category = cols[0].selectbox(common.tr("col_category"), CATEGORY.codes, key="lg_in_category",
                                     index=CATEGORY.codes.index("monitored"),
                                     format_func=lambda c: CATEGORY.label(c, language))
        kind = cols[1].selectbox(common.tr("lg_monitor_kind"), ["", *MONITOR_KIND.codes], key="lg_in_kind",
                                 index=1 + MONITOR_KIND.codes.index("sudden"),
                                 format_func=lambda c: MONITOR_KIND.label(c, language) if c else "—")
        helper_name = cols[2].text_input(common.tr("col_helper"), key="lg_in_helper")
        risks = st.multiselect(common.tr("lg_risks"), PROBLEM_KIND.codes, key="lg_in_risks", select_all=False,
                               format_func=lambda c: PROBLEM_KIND.label(c, language))
        situation = st.text_input(common.tr("lg_situation"), key="lg_in_situation")
        reason = st.text_input(common.tr("lg_intake_reason"), key="lg_in_reason")
        cols = st.columns(3)
        on = cols[0].date_input(common.tr("change_on"), value=today, max_value=today, key="lg_in_on")
        where = cols[1].text_input(common.tr("lg_lonlat"), key="lg_in_lonlat", help=common.tr("lg_lonlat_help"))
        gcj = cols[2].checkbox("GCJ-02", key="lg_in_gcj")
        if st.form_submit_button(common.tr("lg_intake_save")):
            try:
                lon, lat = _lonlat(where)
            except ValueError:
                st.error(common.tr("lg_lonlat_bad"))
                return
            new = NewHousehold(village=village, head_name=head, members=int(members), category=category,
                               monitor_kind=kind or None, reason=reason, risks=tuple(risks),
                               situation=situation or None, on=on, lon=lon, lat=lat, gcj02=bool(gcj),
                               helper=helper_name or None)
            act(lambda conn: intake.add_household(conn, actor, new), common.tr("lg_intake_saved"))


def _lonlat(text: str) -> tuple[float | None, float | None]:
    if not text.strip():
        return None, None
    lon, lat = (float(v) for v in text.replace("，", ",").split(","))
    return lon, lat


def export_box() -> None:
    """The Excel 台账 of the filtered ledger; logged. Full ID numbers only for the county."""
    if not scope.may_export_personal:
        return
    with st.expander(common.tr("lg_export_title")):
        st.caption(common.tr("lg_export_note"))
        private = scope.may_export_private and st.checkbox(common.tr("lg_export_private"), key="lg_private")
        if st.button(common.tr("export_prepare"), key="lg_export"):
            try:
                with get_engine(url).begin() as conn:  # logged in the same transaction
                    st.session_state["lg_file"] = export_ledger(conn, actor, query, today, private=bool(private))[:2]
            except TrackerError as error:
                st.error(common.tr("error_friendly", message=literal(error)))
        prepared = st.session_state.get("lg_file")
        if prepared:
            st.download_button(common.tr("export_download", filename=prepared[0]), prepared[1],
                               file_name=prepared[0], key="lg_download")


if not scope.households_in_full:
    counts_only()
else:
    code = ledger_table()
    if code:
        with get_engine(url).connect() as conn:
            case = household_case(conn, scope, code, language, today)
        if case is None:
            st.warning(common.tr("lg_no_household"))
        else:
            household_panel(case)
    if actor.role in rules.act_roles:
        intake_form()
    export_box()

"""进度 — counts and shares by status × layer and by township; the two deadlines, overdue items;
progress over time from the change history; the dispatch report (调度通报) as PDF or Excel."""

from __future__ import annotations

import streamlit as st

from geo import chinatime
from geo.db.engine import get_engine
from geo.errors import TrackerError
from geo.io.report import report_pdf, report_xlsx
from layers.vocabularies import STATUS
from pages import common, sign_in
from views.dispatch import dispatch_report, timeline
from views.map.geojson import STATUS_COLORS
from views.progress import data_as_of, house_deadline

language = common.lang()
url = common.db_url()
filters = common.current_filter()
scope = common.scope_key()

st.subheader(common.tr("progress_title"))
with get_engine(url).connect() as conn:
    stands_on = data_as_of(conn)  # the data's own day, not today: deadlines judged as of then
as_of = st.date_input(common.tr("as_of"), value=stands_on, max_value=chinatime.today(),
                      key="as_of")
if filters.needs_queue:  # a tier chooses queued tasks: count exactly those the list shows
    chosen = common.selection(url, scope, filters.key(), language)
    filters = filters.with_ids(chosen["ids"])
frames = common.progress(url, scope, filters.key(), language, as_of)
if int(frames["by_status"][common.tr("col_total")].sum()) == 0:
    st.text(common.tr("nothing_matches"))

st.markdown(f"#### {common.tr('by_status_layer')}")
by_status = frames["by_status"]
st.dataframe(by_status, width="stretch")
status_columns = list(by_status.columns[: len(STATUS.codes)])  # one column per status, in order
st.bar_chart(by_status[status_columns], horizontal=True, stack=True,
             color=[STATUS_COLORS[c] for c in STATUS.codes])

st.markdown(f"#### {common.tr('by_township')}")
by_town = frames["by_township"]
st.dataframe(by_town, hide_index=True, width="stretch")
if not by_town.empty:
    st.bar_chart(by_town.set_index(common.tr("col_township"))[
        [common.tr("col_done"), common.tr("col_open")]], stack=True)

st.markdown(f"#### {common.tr('deadlines')}")
houses, infra = frames["houses"], frames["overdue_infra"]
left, right = st.columns(2)
with left:
    st.markdown(f"**{common.tr('deadline_houses')}**")
    st.write(common.tr("open_houses", n=len(houses)))
    if as_of > house_deadline() and len(houses):
        st.error(common.tr("overdue_n", n=len(houses)))
    st.dataframe(houses, hide_index=True, width="stretch")
with right:
    st.markdown(f"**{common.tr('deadline_infra')}**")
    if len(infra):
        st.error(common.tr("overdue_n", n=len(infra)))
    else:
        st.success(common.tr("nothing_overdue"))
    st.dataframe(infra, hide_index=True, width="stretch")

# --- 动态清零: 三保障 and drinking water cleared to zero (the problem ledger) ----------------------
st.markdown(f"#### {common.tr('lg_clearance_title')}")
cleared = common.clearance(url, scope, filters.key(), language, as_of)
numbers = cleared["figures"]
cells = st.columns(5)
cells[0].metric(common.tr("lg_households_open"), numbers.households_open)
cells[1].metric(common.tr("lg_open"), numbers.open)
cells[2].metric(common.tr("lg_to_verify"), numbers.to_verify)
cells[3].metric(common.tr("lg_overdue"), numbers.overdue)
cells[4].metric(common.tr("lg_houses_figure"), numbers.houses_open)
st.dataframe(cleared["by_township"], hide_index=True, width="stretch")
st.markdown(f"**{common.tr('lg_houses_deadline', date=cleared['deadline'].isoformat())}**")
st.dataframe(cleared["houses"], hide_index=True, width="stretch")
st.markdown(f"**{common.tr('lg_over_time')}**")
if cleared["timeline"].empty:
    st.caption(common.tr("lg_over_time_none"))
else:
    st.line_chart(cleared["timeline"])

# --- 定期调度: progress over time, from the record of changes ---------------------------------
st.markdown(f"#### {common.tr('over_time')}")
dispatch = common.dispatch(url, scope, as_of, language)
by, freq = st.columns(2)
# plain labels as options (no format_func): the choice is per language, like the labels
groups = {common.tr("col_layer"): "layer", common.tr("col_township"): "township"}
steps = {common.tr("per_week"): "W", common.tr("per_day"): "D"}
group = by.radio(common.tr("over_time_by"), list(groups), key=f"over_time_by_{language}",
                 horizontal=True)
step = freq.radio(common.tr("over_time_step"), list(steps), key=f"over_time_step_{language}",
                  horizontal=True)
series = timeline(dispatch["completions"], groups[str(group)], dispatch["names"], language,
                  steps[str(step)])
if series.empty:
    st.caption(common.tr("over_time_none"))
else:
    st.bar_chart(series, stack=True)
    st.line_chart(series.cumsum())
st.dataframe(dispatch["pace"], hide_index=True, width="stretch")
st.markdown(f"**{common.tr('r_filing')}**")
st.caption(common.tr("r_filing_note", days=dispatch["filing_days"]))
st.dataframe(dispatch["filing_overdue"], hide_index=True, width="stretch")

# --- 调度通报 ----------------------------------------------------------------------------------
st.markdown(f"#### {common.tr('report_title')}")
report_date = st.date_input(common.tr("report_date"), value=as_of, key="report_date")
kind = st.radio(common.tr("report_format"), ["pdf", "xlsx"], key="report_format", horizontal=True,
                format_func=lambda k: "PDF" if k == "pdf" else "Excel")
if st.button(common.tr("report_make"), key="report_make"):
    try:
        with get_engine(url).connect() as conn:
            report = dispatch_report(conn, sign_in.actor().scope, report_date, language,
                                     sign_in.actor().username)
        payload = report_pdf(report) if kind == "pdf" else report_xlsx(report)
    except TrackerError as error:
        st.error(common.tr("error_friendly", message=str(error)))
    else:
        name = f"调度通报-{report_date:%Y%m%d}.{kind}"
        st.session_state["report_file"] = (name, payload)
prepared = st.session_state.get("report_file")
if prepared:
    st.download_button(common.tr("export_download", filename=prepared[0]), prepared[1],
                       file_name=prepared[0], key="report_download")

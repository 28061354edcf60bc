"""修复清单 — the priority queue of the filtered set, with its reasons, as Excel and CSV."""

from __future__ import annotations

import streamlit as st

from pages import common
from views import queue, tabular
from views.schedule import MAX_CREWS

language = common.lang()
url = common.db_url()
filters = common.current_filter()
data = common.selection(url, filters.key(), language)

st.subheader(common.tr("repairs_title"))
common.show_counts(data)

frame = queue.queue_frame(data["queue"], common.names(url), language)
query = st.text_input(common.tr("search"), key="repairs_search").strip()
if query:
    name_col, reason_col = common.tr("col_name"), common.tr("col_reason")
    hit = (frame[name_col].astype(str).str.contains(query, regex=False)
           | frame[reason_col].astype(str).str.contains(query, regex=False))
    frame = frame[hit]
st.caption(common.tr("count_tasks", n=len(frame)))
st.dataframe(frame, hide_index=True, width="stretch", height=520)

left, right = st.columns(2)
left.download_button(common.tr("download_xlsx"), tabular.xlsx_bytes(frame, "修复清单"),
                     file_name="repair_queue.xlsx", key="dl_xlsx",
                     mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
right.download_button(common.tr("download_csv"), tabular.csv_bytes(frame),
                      file_name="repair_queue.csv", mime="text/csv", key="dl_csv")

cannot = data.get("cannot_rank") or []
if cannot:
    with st.expander(common.tr("cannot_rank", n=len(cannot))):
        st.dataframe(queue.cannot_rank_frame(cannot, language), hide_index=True, width="stretch")

st.divider()
if st.toggle(common.tr("crew_title"), key="crew_on"):
    crews = st.number_input(common.tr("crew_count"), min_value=1, max_value=MAX_CREWS, value=10,
                            step=1, key="crews")
    whatif = common.crew_whatif(url, int(crews), language)
    st.text(whatif["summary"])
    curve = whatif["curve"]
    day, back, without = curve.columns[0], curve.columns[2], curve.columns[3]
    st.line_chart(curve, x=day, y=[back, without])
    st.dataframe(curve, hide_index=True, width="stretch", height=240)
    st.text(common.tr("crew_by_village"))
    st.dataframe(whatif["villages"], hide_index=True, width="stretch", height=320)

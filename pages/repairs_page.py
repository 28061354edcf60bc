"""修复清单 — the priority queue of the filtered set, with its reasons, as Excel and CSV; rows
chosen in the table can be moved to a new status together (each against its own version)."""

from __future__ import annotations

import streamlit as st

from geo import chinatime
from geo.db.engine import get_engine
from layers.vocabularies import FINISHED_STATUSES, STATUS
from pages import common, sign_in
from views import edits, queue, search, tabular
from views.i18n import t
from views.progress import data_as_of
from views.schedule import MAX_CREWS

language = common.lang()
url = common.db_url()
filters = common.current_filter()
data = common.selection(url, common.scope_key(), filters.key(), language)

st.subheader(common.tr("repairs_title"))
common.show_counts(data, empty_note=False)

rows = list(data["queue"])
text, hits, _ = common.find_box(url, "repairs_find")
if text:  # the map's search: a found asset, township or village, or the text in name/reason
    rows = search.queue_hits(rows, hits, text, common.names(url))
frame = queue.queue_frame(rows, common.names(url), language)
st.caption(common.tr("count_tasks", n=len(frame)))
if not rows:
    st.text(common.tr("nothing_matches"))
    if filters.statuses and set(filters.statuses) <= set(FINISHED_STATUSES):
        st.text(common.tr("finished_not_queued"))
# on a phone the wide grid shows 4 columns: a short table of the essentials whose text wraps
compact = st.toggle(common.tr("repairs_compact"), key="repairs_compact")
table = None
if compact:
    st.html(queue.compact_html(queue.compact_frame(frame, language)))
    if len(frame) > queue.COMPACT_ROWS:
        st.caption(common.tr("repairs_compact_shown", shown=queue.COMPACT_ROWS, total=len(frame)))
else:
    # the reason is the list's point: a wide column (the rest are short codes and numbers)
    reason_config = {common.tr("col_reason"): st.column_config.TextColumn(width="large")}
    table = st.dataframe(frame, hide_index=True, width="stretch", height=520, key="repairs_table",
                         on_select="rerun", selection_mode="multi-row", column_config=reason_config)

left, right = st.columns(2)
names = common.names(url)
words = tabular.filter_words(filters, names, language, text)


def excel() -> bytes:
    """Built when the button is clicked (on Streamlit's download thread: no st.* in here), not
    on every run of the page: it was most of the page's time. Stamped with the click's time."""
    with get_engine(url).connect() as conn:
        stands_on = data_as_of(conn)
    heading = [t("xlsx_title", language),
               t("xlsx_made", language, when=chinatime.text(chinatime.now()), as_of=stands_on,
                 n=len(frame)),
               t("xlsx_filters", language, words=words)]
    return tabular.xlsx_bytes(frame, "修复清单", heading)


left.download_button(common.tr("download_xlsx"), excel, file_name="repair_queue.xlsx",
                     key="dl_xlsx",
                     mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
right.download_button(common.tr("download_csv"), lambda: tabular.csv_bytes(frame),
                      file_name="repair_queue.csv", mime="text/csv", key="dl_csv")

# --- bulk change of the chosen rows ------------------------------------------------------------
positions = list(table.selection.rows) if table is not None and table.selection else []
chosen = [rows[p] for p in positions if p < len(rows)]
with st.expander(common.tr("bulk_title", n=len(chosen)), expanded=bool(chosen)):
    if not chosen:
        st.caption(common.tr("bulk_hint"))
    else:
        new = st.selectbox(common.tr("new_status"), STATUS.codes, key="bulk_status",
                           format_func=lambda c: STATUS.label(c, language))
        note = st.text_input(common.tr("change_note"), key="bulk_note")
        on = st.date_input(common.tr("change_on"), value=chinatime.today(),
                           max_value=chinatime.today(), key="bulk_on")
        if st.button(common.tr("bulk_apply"), key="bulk_apply", type="primary"):
            items = edits.bulk_items([{"layer": r.layer, "id": r.id, "name": r.name} for r in chosen],
                                     data["versions"])
            with get_engine(url).begin() as conn:
                result = edits.bulk_change(conn, sign_in.actor(), items, new, note=note or None, on=on)
            common.edited(url, [(item.layer, item.id) for item in result.changed])
            st.session_state["bulk_result"] = (len(result.changed),
                                               edits.bulk_refusals_frame(result, language))
            st.rerun()
result = st.session_state.pop("bulk_result", None)
if result:
    changed, refused = result
    st.success(common.tr("bulk_done", changed=changed, refused=len(refused)))
    if len(refused):
        st.dataframe(refused, hide_index=True, width="stretch")

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

"""进度 — counts and shares by status × layer and by township; the two deadlines, overdue items."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from layers.vocabularies import STATUS
from pages import common
from views.map.geojson import STATUS_COLORS
from views.progress import HOUSE_DEADLINE

language = common.lang()
url = common.db_url()
filters = common.current_filter()

st.subheader(common.tr("progress_title"))
as_of = st.date_input(common.tr("as_of"), value=dt.date.today(), key="as_of")
frames = common.progress(url, filters.key(), language, as_of)

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
    if as_of > HOUSE_DEADLINE and len(houses):
        st.error(common.tr("overdue_n", n=len(houses)))
    st.dataframe(houses, hide_index=True, width="stretch")
with right:
    st.markdown(f"**{common.tr('deadline_infra')}**")
    if len(infra):
        st.error(common.tr("overdue_n", n=len(infra)))
    else:
        st.success(common.tr("nothing_overdue"))
    st.dataframe(infra, hide_index=True, width="stretch")

"""农户 — at-risk households with their open risk items; ID numbers masked, no phone or income."""

from __future__ import annotations

import streamlit as st

from layers.vocabularies import CATEGORY
from pages import common

language = common.lang()
url = common.db_url()
filters = common.current_filter()

st.subheader(common.tr("households_title"))
st.caption(common.tr("privacy_note"))
left, right = st.columns([3, 1])
categories = left.multiselect(common.tr("f_category"), CATEGORY.codes, key="hh_category",
                              placeholder=common.tr("f_all"),
                              format_func=lambda c: CATEGORY.label(c, language))
only_risk = right.checkbox(common.tr("f_only_risk"), value=True, key="hh_only_risk")
frame = common.households(url, filters.townships, filters.villages, tuple(categories),
                          bool(only_risk), language)
st.metric(common.tr("m_households"), len(frame))
st.dataframe(frame, hide_index=True, width="stretch", height=560)

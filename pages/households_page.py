"""农户 — at-risk households with their open risk items; ID numbers masked, no phone or income.
One household's ID number and phone can be seen by a role that may, with a reason (logged). A
role that sees households only as counts gets the counts per village."""

from __future__ import annotations

import streamlit as st

from geo.db.engine import get_engine
from geo.errors import TrackerError
from layers.vocabularies import CATEGORY
from pages import common, sign_in
from views.household_list import unmask

language = common.lang()
url = common.db_url()
filters = common.current_filter()
scope = sign_in.actor().scope

st.subheader(common.tr("households_title"))
st.caption(common.tr("privacy_note" if scope.households_in_full else "privacy_counts"))
left, right = st.columns([3, 1])
categories = left.multiselect(common.tr("f_category"), CATEGORY.codes, key="hh_category", select_all=False,
                              placeholder=common.tr("f_all"),
                              format_func=lambda c: CATEGORY.label(c, language))
only_risk = right.checkbox(common.tr("f_only_risk"), value=True, key="hh_only_risk")
frame = common.households(url, scope.key(), filters.townships, filters.villages,
                          tuple(categories), bool(only_risk), language)
if scope.households_in_full:
    st.metric(common.tr("m_households"), len(frame))
else:
    st.metric(common.tr("m_households"), int(frame[common.tr("m_households")].sum()) if len(frame) else 0)
if not len(frame):
    st.text(common.tr("nothing_matches"))
st.dataframe(frame, hide_index=True, width="stretch", height=560)

if scope.role in ("admin", "township"):
    with st.expander(common.tr("unmask_title")):
        st.caption(common.tr("unmask_help"))
        code = st.text_input(common.tr("col_code"), key="unmask_code")
        reason = st.text_input(common.tr("unmask_reason"), key="unmask_reason")
        if st.button(common.tr("unmask_button"), key="unmask_button"):
            try:
                with get_engine(url).begin() as conn:  # logged in the same transaction
                    st.session_state["unmasked"] = unmask(conn, sign_in.actor(), code, reason, language)
            except TrackerError as error:
                st.error(common.tr("error_friendly", message=str(error)))
        shown = st.session_state.pop("unmasked", None)  # shown once, not kept in the session
        if shown is not None:
            st.dataframe(shown, hide_index=True, width="stretch")

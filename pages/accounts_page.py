"""账号 — the county administrator's page: accounts, their roles and scopes, disabling, new
passwords, and the logs of exports and unmasked households. Refused to every other role."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.auth.passwords import random_password
from geo.db.engine import get_engine
from geo.errors import AccessDeniedError, TrackerError
from layers import accounts, audit
from layers.roles import DEPARTMENT, ROLE
from pages import common, sign_in

language = common.lang()
url = common.db_url()
me = sign_in.actor()
if not me.scope.manages_accounts:  # the page is not offered to others; refuse a typed address too
    raise AccessDeniedError("only a county administrator (县级管理员) manages accounts.")

st.subheader(common.tr("page_accounts"))
with get_engine(url).connect() as conn:
    listed = accounts.list_accounts(conn)
    exports = audit.exports(conn, 50)
    unmasks = audit.unmasks(conn, 50)
known = common.names(url)
st.dataframe(pd.DataFrame(
    [(a.username, a.display_name or "", a.scope.describe(language),
      known.townships.get(a.township_code or "", ""),
      common.tr("state_disabled") if a.disabled else common.tr("state_active"))
     for a in listed],
    columns=[common.tr(k) for k in ("col_account", "col_display", "col_role", "col_township",
                                    "col_state")]), hide_index=True, width="stretch")

with st.expander(common.tr("account_add")):
    name = st.text_input(common.tr("col_account"), key="acc_name")
    display = st.text_input(common.tr("col_display"), key="acc_display")
    role = st.selectbox(common.tr("col_role"), ROLE.codes, key="acc_role",
                        format_func=lambda c: ROLE.label(c, language))
    department = st.selectbox(common.tr("col_department"), DEPARTMENT.codes, key="acc_department",
                              format_func=lambda c: DEPARTMENT.label(c, language),
                              disabled=role != "department")
    township = st.selectbox(common.tr("col_township"), ["", *known.townships], key="acc_township",
                            format_func=lambda c: known.townships.get(c, "—"),
                            disabled=role not in ("township", "readonly"))
    if st.button(common.tr("account_create"), key="acc_create", type="primary"):
        password = random_password()
        try:
            with get_engine(url).begin() as conn:
                made = accounts.add_account(
                    conn, name, role, password=password, by=me.username,
                    department=department if role == "department" else None,
                    township=township or None, display_name=display or None)
        except TrackerError as error:
            st.error(common.tr("error_friendly", message=str(error)))
        else:
            st.session_state["acc_password"] = (made.username, password)
            st.rerun()

with st.expander(common.tr("account_manage")):
    who = st.selectbox(common.tr("col_account"), [a.username for a in listed], key="acc_who")
    left, middle, right = st.columns(3)
    try:
        if left.button(common.tr("account_disable"), key="acc_disable"):
            if who == me.username:
                raise AccessDeniedError("you cannot disable your own account.")
            with get_engine(url).begin() as conn:
                accounts.set_disabled(conn, str(who), True, by=me.username)
            st.rerun()
        if middle.button(common.tr("account_enable"), key="acc_enable"):
            with get_engine(url).begin() as conn:
                accounts.set_disabled(conn, str(who), False, by=me.username)
            st.rerun()
        if right.button(common.tr("account_reset"), key="acc_reset"):
            password = random_password()
            with get_engine(url).begin() as conn:
                accounts.set_password(conn, str(who), password, by=me.username)
            st.session_state["acc_password"] = (who, password)
            st.rerun()
    except TrackerError as error:
        st.error(common.tr("error_friendly", message=str(error)))

shown = st.session_state.pop("acc_password", None)  # shown once, never kept
if shown:
    st.warning(common.tr("account_password_once"))
    st.dataframe(pd.DataFrame([shown], columns=[common.tr("col_account"), common.tr("col_password")]),
                 hide_index=True)

st.markdown(f"#### {common.tr('export_log')}")
st.dataframe(pd.DataFrame(exports), hide_index=True, width="stretch")
st.markdown(f"#### {common.tr('unmask_log')}")
st.dataframe(pd.DataFrame(unmasks), hide_index=True, width="stretch")

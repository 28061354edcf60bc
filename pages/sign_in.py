"""Signing in: the sign-in form, single sign-on, the account box, and the gate that re-reads the
signed-in account from the database on every rerun (``actor`` is who the page acts as).

UI only: the accounts, sessions and throttling are views.auth's and layers.accounts'.
"""

from __future__ import annotations

import streamlit as st

from geo.db.engine import get_engine
from geo.errors import SignInError
from layers.accounts import AccountInfo
from layers.roles import Actor
from views import auth
from views.i18n import t


def actor() -> Actor:
    """The signed-in account as read from the database on this rerun (set by ``gate``)."""
    account = st.session_state.get("_account")
    if not isinstance(account, AccountInfo):
        raise SignInError("sign in first.")
    return account.actor


def gate(url: str) -> AccountInfo | None:
    """The account of this browser session, re-read from the database on every rerun: None when
    nobody is signed in or the session ended (expired, disabled, password changed)."""
    st.session_state.pop("_account", None)
    session = st.session_state.get("signed_in")
    if not isinstance(session, auth.SignedIn) and sso_configured() and _sso_user():
        session = _sso_session(url)
    if not isinstance(session, auth.SignedIn):
        with get_engine(url).connect():  # an unreachable database is said before any sign-in
            return None
    try:
        with get_engine(url).begin() as conn:
            account, touched = auth.current_account(conn, session)
    except SignInError as ended:
        sign_out(str(ended))
        return None
    st.session_state["signed_in"] = touched
    st.session_state["_account"] = account
    return account


def sign_out(message: str | None = None) -> None:
    for key in ("signed_in", "_account", "detail", "export_file", "unmasked"):
        st.session_state.pop(key, None)
    if message:
        st.session_state["sign_in_message"] = message


def sign_in_form(url: str, language: str) -> None:
    """The sign-in form (account and password; single sign-on when configured)."""
    st.subheader(t("login_title", language))
    message = st.session_state.pop("sign_in_message", None)
    if message:
        st.warning(t("error_friendly", language, message=message))
    # one submit with both values (Enter submits too); cleared after it, so no password stays
    with st.form("sign_in_form", clear_on_submit=True):
        st.text_input(t("login_user", language), key="login_user")
        st.text_input(t("login_password", language), type="password", key="login_password")
        submitted = st.form_submit_button(t("login_submit", language), key="login_submit",
                                          type="primary")
    if submitted:
        name = str(st.session_state.get("login_user") or "")
        password = str(st.session_state.get("login_password") or "")
        try:
            with get_engine(url).begin() as conn:  # the attempt is recorded even when refused
                _, session = auth.sign_in(conn, name, password)
        except SignInError as refused:
            st.error(t("error_friendly", language, message=str(refused)))
        else:
            st.session_state["signed_in"] = session
            st.rerun()
    if sso_configured():
        st.divider()
        if st.button(t("login_sso", language), key="login_sso"):
            st.login()
    st.caption(t("login_help", language))


def sso_configured() -> bool:
    """Single sign-on (st.login, OIDC) is on when .streamlit/secrets.toml has an [auth] section."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _sso_user() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:
        return False


def _sso_session(url: str) -> auth.SignedIn | None:
    identity = str(st.user.get("email") or "")
    try:
        with get_engine(url).connect() as conn:
            _, session = auth.sign_in_sso(conn, identity)
    except SignInError as refused:
        st.session_state["sign_in_message"] = str(refused)
        return None
    st.session_state["signed_in"] = session
    return session


def account_box(account: AccountInfo, language: str) -> None:
    """Who is signed in, with a sign-out button, at the top of the sidebar."""
    box = st.sidebar.container(border=True)
    box.text(t("signed_in_as", language, name=account.display_name or account.username,
               role=account.scope.describe(language)))
    if box.button(t("sign_out", language), key="sign_out"):
        sign_out()
        if sso_configured() and _sso_user():
            st.logout()
        st.rerun()

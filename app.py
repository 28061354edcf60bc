"""舞阳县水毁修复与防返贫跟踪 — the Streamlit app: `tracker serve` (cli/serve.py: `streamlit run
app.py` with Streamlit's old pages/ convention off, so a bookmarked page opens on a fresh server).

This entry script runs on every page: page config, the language switch, the sign-in gate and
the shared sidebar filters live here, then st.navigation runs the chosen page from pages/.
Nothing but the sign-in form runs until an account is signed in, and that account is read from
the database again on every rerun (a disabled account loses access on its next action). Users
see one friendly sentence for any error; TRACKER_DEV=1 shows full details (development only).
"""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from geo.db.engine import unreachable
from geo.errors import TrackerError
from geo.settings import get_settings
from pages import common, sign_in
from views.i18n import LANGS, t
from views.markdown import literal

log = logging.getLogger("tracker.app")


def _log_to_stderr() -> None:
    """The tracker's own log lines (errors; how often the costly shared data is computed) go to
    the server's stderr beside Streamlit's; set up once per process."""
    tracker = logging.getLogger("tracker")
    if not tracker.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        tracker.addHandler(handler)
        tracker.setLevel(logging.INFO)
        tracker.propagate = False


_log_to_stderr()

st.set_page_config(page_title="舞阳县水毁修复跟踪", page_icon="static/favicon.png", layout="wide")


def _pages(language: str, admin: bool) -> list[st.Page]:
    # File names differ from the URL paths on purpose: Streamlit's older pages/ convention would
    # otherwise run pages/<url>.py directly (without this script) on a server's first run.
    return [
        st.Page("pages/map_page.py", title=t("page_map", language), icon=":material/map:", url_path="map",
                default=True),
        st.Page("pages/repairs_page.py", title=t("page_repairs", language), icon=":material/construction:",
                url_path="repairs"),
        st.Page("pages/progress_page.py", title=t("page_progress", language), icon=":material/bar_chart:",
                url_path="progress"),
        st.Page("pages/households_page.py", title=t("page_households", language), icon=":material/home:",
                url_path="households"),
        st.Page("pages/ledger_page.py", title=t("page_ledger", language), icon=":material/checklist:",
                url_path="ledger"),
        st.Page("pages/export_page.py", title=t("page_export", language), icon=":material/download:",
                url_path="export"),
        st.Page("pages/import_page.py", title=t("page_import", language), icon=":material/upload:",
                url_path="import"),
        *([st.Page("pages/accounts_page.py", title=t("page_accounts", language),
                   icon=":material/manage_accounts:", url_path="accounts")] if admin else []),
    ]


def main() -> None:
    settings = get_settings()
    if settings.dev:
        st.set_option("client.showErrorDetails", "full")
    common.page_style()
    st.sidebar.radio(t("language", "zh"), LANGS, key="lang", horizontal=True,
                     format_func=lambda c: "中文" if c == "zh" else "English")
    language = common.lang()
    url = common.db_url()
    failure: Exception | None = None
    try:
        account = sign_in.gate(url)
    except Exception as error:  # shown below like any page's error, once navigation is set up
        account, failure = None, error
    # every page is registered either way, so the address asked for (e.g. /repairs) is kept
    # through the sign-in; only the form runs until someone is signed in
    page = st.navigation(_pages(language, bool(account and account.scope.manages_accounts)),
                         position="sidebar" if account else "hidden")
    st.title(t("app_title", language))
    try:
        if failure is not None:
            raise failure
        if account is None:
            sign_in.sign_in_form(url, language)
            return
        sign_in.account_box(account, language)
        common.sidebar_filters(url, page.url_path)
        page.run()
    except TrackerError as error:
        st.error(t("error_friendly", language, message=literal(error)))
    except sa_exc.OperationalError as error:
        where = make_url(url)
        log.warning("%s", unreachable(where, error))  # the driver's reason, for the operator
        st.error(t("error_database", language, database=literal(where.database or ""),
                   host=literal(where.query.get("host") or where.host or "localhost")))
    except Exception:
        if settings.dev:
            raise
        log.exception("the page failed")
        st.error(t("error_unexpected", language))


try:
    main()
except TrackerError as startup_error:  # e.g. a bad TRACKER_BASEMAP or TRACKER_DATABASE_URL
    st.error(t("error_friendly", common.lang(), message=literal(startup_error)))

"""舞阳县水毁修复与防返贫跟踪 — the Streamlit app: `streamlit run app.py`.

This entry script runs on every page: page config, the language switch and the shared sidebar
filters live here, then st.navigation runs the chosen page from pages/. Users see one friendly
sentence for any error; TRACKER_DEV=1 shows full details (development only).
"""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from geo.db.engine import unreachable
from geo.errors import TrackerError
from geo.settings import get_settings
from pages import common
from views.i18n import LANGS, t

log = logging.getLogger("tracker.app")

st.set_page_config(page_title="舞阳县水毁修复跟踪", page_icon="static/favicon.png", layout="wide")


def _pages(language: str) -> list[st.Page]:
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
        st.Page("pages/export_page.py", title=t("page_export", language), icon=":material/download:",
                url_path="export"),
        st.Page("pages/import_page.py", title=t("page_import", language), icon=":material/upload:", url_path="import"),
    ]


def main() -> None:
    settings = get_settings()
    if settings.dev:
        st.set_option("client.showErrorDetails", "full")
    st.sidebar.radio(t("language", "zh"), LANGS, key="lang", horizontal=True,
                     format_func=lambda c: "中文" if c == "zh" else "English")
    language = common.lang()
    page = st.navigation(_pages(language))
    st.title(t("app_title", language))
    url = common.db_url()
    try:
        common.sidebar_filters(url)
        page.run()
    except TrackerError as error:
        st.error(t("error_friendly", language, message=str(error)))
    except sa_exc.OperationalError as error:
        st.error(t("error_database", language, message=str(unreachable(make_url(url), error))))
    except Exception:
        if settings.dev:
            raise
        log.exception("page %s failed", page.title)
        st.error(t("error_unexpected", language))


try:
    main()
except TrackerError as startup_error:  # e.g. a bad TRACKER_BASEMAP or TRACKER_DATABASE_URL
    st.error(t("error_friendly", common.lang(), message=str(startup_error)))

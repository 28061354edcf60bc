"""What every page shares: language, the sidebar filters, cached data loaders (signing in is
pages/sign_in.py; the detail panel under the map is pages/detail_panel.py).

Caching happens here, at the edge: loaders take the database URL, the signed-in account's scope
(so one scope's results never reach another), the filter values as a plain tuple and the
language — never a GeoDataFrame or a folium object — and return plain data. The scope narrows
every query inside the loader; the account is re-read from the database on every rerun. The
costly data every session shares (the ranked queue of the whole county, the map frames) lives in
the tracker's own ``SHARED``/``FRAMES`` caches, which a browser's "clear cache" message cannot
empty; only ``clear_caches`` (after an edit) and time do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from geo.db.engine import database_url, get_engine
from geo.settings import get_settings
from layers import REGISTRY
from layers.filter import IMPORTANCE, URGENCY, Filter
from layers.roles import Scope
from layers.vocabularies import STATUS
from pages.sign_in import actor
from views import ledger as views_ledger
from views.clearance import clearance_data
from views.household_list import household_counts, household_frame
from views.i18n import DEFAULT_LANG, t
from views.layout import PAGE_CSS
from views.ledger import LedgerQuery, ledger_frame, problem_records
from views.map import data as map_data
from views.map.viewport import view_tolerance
from views.names import Names, load_names, township_seats
from views.progress import progress_frames
from views.queue import LiveRanking, after_edit, live_ranking
from views.schedule import crew_schedule, curve_frame, key_village_frame, summary
from views.search import Hit, hit_label, search
from views.selection import Queue, select
from views.selection_view import SelectionView, build_view, next_token, patch_view
from views.shared_cache import SharedCache
from views.shared_cache import log as cache_log

TTL = 60  # seconds: edits made elsewhere (CLI, other users) show up within a minute
SHARED = SharedCache(ttl=TTL)  # the ranked queue (TTL: TRACKER_CACHE_SECONDS)
FRAMES = SharedCache(ttl=3600)  # boundaries and flood extent change only with a new data load
# Each filter's selection view, shared by every session of a scope (one object, not a pickled copy
# per run as st.cache_data gives, and no client can empty it); an edit patches it (edited). Views
# of a whole province-scale county are large: few kept, least recently used dropped first.
VIEWS = SharedCache(ttl=TTL, max_entries=16)
# viewport mode's sets (the map's layers inside a box): rebuilt after an edit, not patched
VIEWPORTS = SharedCache(ttl=TTL, max_entries=16)
# The map component's arguments (pages/map_component.py), keyed by the token of the selection
# they were drawn from: a recomputed or patched selection (an edit, the TTL) has a new token, so a
# map drawn from an older one is never served again, whichever thread drew it when.
MAPS = SharedCache(ttl=TTL, max_entries=32)
_IMP_KEYS = {"重点": "imp_key", "一般": "imp_general", "应急": "urg_emergency", "长远": "urg_long"}


def page_style() -> None:
    """The page's own CSS (views.layout): compact title and counts, usable at phone width."""
    st.markdown(PAGE_CSS, unsafe_allow_html=True)  # our fixed markup, no data


def lang() -> str:
    value = st.session_state.get("lang", DEFAULT_LANG)
    return value if value in ("zh", "en") else DEFAULT_LANG


def tr(key: str, **values: object) -> str:
    return t(key, lang(), **values)


def db_url() -> str:
    return database_url()


def current_filter() -> Filter:
    value = st.session_state.get("filters")
    return value if isinstance(value, Filter) else Filter()


# --- cached loaders -----------------------------------------------------------------------
@st.cache_data(ttl=TTL, show_spinner=False)
def names(url: str) -> Names:
    cache_log.info("computed names")  # Streamlit's cache missed (a client may empty it)
    with get_engine(url).connect() as conn:
        return load_names(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def seats(url: str) -> dict[str, tuple[float, float]]:
    with get_engine(url).connect() as conn:
        return township_seats(conn)


def frames(url: str, language: str, townships: tuple[str, ...] = (),
           villages: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """Boundaries and flood extent: the same for every filter on small data; on large data
    drawn for the place filter (simplified to its view, villages only around it). Shared and
    read-only."""
    def compute() -> dict[str, dict[str, Any]]:
        with get_engine(url).connect() as conn:
            return map_data.frame_collections(conn, load_names(conn), language,
                                              townships, villages)

    return FRAMES.get("frames", (url, language, townships, villages), compute)


def queue(url: str) -> Queue:
    """The whole ranked queue: filter-independent, so it is ranked once per data change (an
    edit in the app patches it: :func:`edited`). Shared and read-only."""
    def compute() -> LiveRanking:
        with get_engine(url).connect() as conn:
            return live_ranking(conn)

    live = SHARED.get("queue", url, compute, ttl=get_settings().cache_seconds)
    return live.result.rows, live.result.cannot_rank


def edited(url: str, edits: list[tuple[str, int]]) -> None:
    """After an edit of some assets (layer, id): re-read those assets into the kept ranking inputs and schedule
    again from memory (households, boundaries and the other assets did not change), then drop
    the per-scope views built on the old queue. Map frames stay."""
    def patch(live: LiveRanking) -> LiveRanking:
        with get_engine(url).connect() as conn:
            return after_edit(conn, live, edits)

    SHARED.update("queue", url, patch)
    patch_views(url, edits)
    clear_views(household_layer=False)


def patch_views(url: str, edits: list[tuple[str, int]]) -> None:
    """Each kept selection view of this database, patched for the edited assets (only their rows
    are read again; households and the untouched layers' drawings are kept)."""
    def patch(view: SelectionView) -> SelectionView:
        with get_engine(url).connect() as conn:
            return patch_view(conn, view, queue(url), load_names(conn), edits)

    for key in VIEWS.keys("selection"):
        if isinstance(key, tuple) and key[0] == url:
            VIEWS.update("selection", key, patch)


@st.cache_data(ttl=TTL, show_spinner=False)
def crew_whatif(url: str, crews: int, language: str) -> dict[str, Any]:
    """The crew what-if of the whole county: summary text, curve and per-village table."""
    with get_engine(url).connect() as conn:
        crew = crew_schedule(conn, crews)
    return {"summary": summary(crew, language), "curve": curve_frame(crew, language),
            "villages": key_village_frame(crew, language)}


@st.cache_data(ttl=TTL, show_spinner=False)
def household_map(url: str, townships: tuple[str, ...], villages: tuple[str, ...],
                  language: str, counts_only: bool = False) -> dict[str, Any]:
    """Households depend on the place filters only: a status filter change reuses them.
    (Called by ``selection`` with the places already narrowed to the scope.)"""
    with get_engine(url).connect() as conn:
        return map_data.household_map(conn, townships, villages, load_names(conn), language,
                                      counts_only=counts_only)


def scope_key() -> tuple[str, str, str]:
    """The signed-in account's scope, for the cached loaders' keys."""
    return actor().scope.key()


def scoped(key: tuple[str, ...], filter_key: tuple[Any, ...]) -> tuple[Scope, Filter]:
    scope = Scope.from_key(key)
    return scope, scope.restrict(Filter.from_key(filter_key))


def selection(url: str, scope: tuple[str, ...], filter_key: tuple[Any, ...],
              language: str) -> dict[str, Any]:
    """The filtered set within the scope, once, for the map and the repair list alike; shared
    by every session of the scope (read-only), kept in ``VIEWS`` so that an edit patches it
    (:func:`edited`). Its ``token`` names what the map drawn from it is cached under."""
    scope_, filters = scoped(scope, filter_key)

    def compute() -> SelectionView:
        ranked = queue(url)
        tolerance = frames(url, language, filters.townships, filters.villages)["plan"]["tolerance"]
        homes = (household_map(url, filters.townships, filters.villages, language,
                               not scope_.households_in_full)
                 if filters.shows_households else None)
        with get_engine(url).connect() as conn:
            return build_view(conn, filters, ranked, load_names(conn), language, tolerance, homes)

    return VIEWS.get("selection", (url, scope, filter_key, language), compute).data


def viewport_selection(url: str, scope: tuple[str, ...], filter_key: tuple[Any, ...],
                       bbox: tuple[float, ...], language: str) -> dict[str, Any]:
    """The map's layers inside ``bbox`` only (viewport mode): the same filters and budget, and
    the village outlines of the box (``collections``; ``token`` as for ``selection``). The list
    and the counts stay those of ``selection``."""
    return VIEWPORTS.get("viewport", (url, scope, filter_key, bbox, language),
                         lambda: {"collections": _in_view(url, scope, filter_key, bbox, language),
                                  "token": next_token()})


def _in_view(url: str, scope: tuple[str, ...], filter_key: tuple[Any, ...],
             bbox: tuple[float, ...], language: str) -> dict[str, dict[str, Any]]:
    scope_, filters = scoped(scope, filter_key)
    box = (bbox[0], bbox[1], bbox[2], bbox[3])
    tolerance = view_tolerance(box)
    with get_engine(url).connect() as conn:
        sel = select(conn, filters, queue(url), with_households=False, bbox=box)
        names_ = load_names(conn)
        collections = map_data.map_collections(sel, names_, language, tolerance)
        if filters.shows_households:
            collections["households"] = map_data.household_map(
                conn, filters.townships, filters.villages, names_, language, box,
                counts_only=not scope_.households_in_full)
        outlines = map_data.village_outlines(conn, box, names_, language, tolerance)
    if outlines is not None:
        collections["villages"] = outlines
    return collections


@st.cache_data(ttl=TTL, show_spinner=False)
def progress(url: str, scope: tuple[str, ...], filter_key: tuple[Any, ...], language: str,
             as_of: dt.date) -> dict[str, pd.DataFrame]:
    scope_, filters = scoped(scope, filter_key)
    with get_engine(url).connect() as conn:
        return progress_frames(conn, filters, language, as_of,
                               households_in_full=scope_.households_in_full)


@st.cache_data(ttl=TTL, show_spinner=False)
def households(url: str, scope: tuple[str, ...], townships: tuple[str, ...],
               villages: tuple[str, ...], categories: tuple[str, ...], only_risk: bool,
               language: str) -> pd.DataFrame:
    """The household list of the scope; a scope that sees households only as counts gets the
    counts per village instead."""
    scope_, filters = scoped(scope, Filter(townships=townships, villages=villages).key())
    with get_engine(url).connect() as conn:
        if not scope_.households_in_full:
            return household_counts(conn, townships=filters.townships, villages=filters.villages,
                                    categories=categories, only_risk=only_risk, lang=language)
        return household_frame(conn, townships=filters.townships, villages=filters.villages,
                               categories=categories, only_risk=only_risk, lang=language)


@st.cache_data(ttl=TTL, show_spinner=False)
def dispatch(url: str, scope: tuple[str, ...], as_of: dt.date, language: str) -> dict[str, Any]:
    """Progress over time and the dispatch tables of the scope (views.dispatch)."""
    from layers.workflow import workflow
    from views.dispatch import dispatch_data

    with get_engine(url).connect() as conn:
        data = dispatch_data(conn, Scope.from_key(scope), as_of, language)
    data.pop("rows")
    data["filing_days"] = workflow().filing_due_days
    return data


def clear_caches() -> None:
    """After a bulk change (an import, a ledger change that moves households' flags) every cached
    view of the data is stale (for every user). The tracker's own action: a browser's "clear
    cache" message empties Streamlit's caches only."""
    SHARED.clear()
    VIEWS.clear()
    clear_views()


def clear_views(household_layer: bool = True) -> None:
    """Drop the per-scope views (selection, map layers, progress, lists, the ledger) of every
    user: a status change moves problems too (the repair loop). ``household_layer=False``: keep
    the households' map layer (a status edit does not change a household). The selection views
    are not dropped here: an edit patches them (:func:`patch_views`), a bulk change clears them
    (:func:`clear_caches`)."""
    VIEWPORTS.clear()
    MAPS.clear()  # (new tokens already keep old maps out; this frees their memory)
    for loader in (progress, households, dispatch, ledger, ledger_counts, clearance):
        loader.clear()
    if household_layer:
        household_map.clear()


# --- sidebar ------------------------------------------------------------------------------
FILTER_KEYS = ("f_status", "f_layer", "f_township", "f_village", "f_importance", "f_urgency",
               "f_monitored")
# the filters each page honours (others: all of them); a filter a page ignores is not shown there
PAGE_FILTERS: dict[str, tuple[str, ...]] = {
    "households": ("f_township", "f_village"),
    "import": (),
    "accounts": (),
}


def sidebar_filters(url: str, page: str = "") -> Filter:
    """The filters shared by map, repair list, progress and export; kept in session_state (also
    while a page that does not use them is open). Returns only what ``page`` honours."""
    for key in FILTER_KEYS:  # Streamlit forgets an unshown widget's value: bring it back
        widget = filter_widget(key)
        if widget not in st.session_state and f"_kept_{key}" in st.session_state:
            st.session_state[widget] = st.session_state[f"_kept_{key}"]
    shown = PAGE_FILTERS.get(page, FILTER_KEYS)
    if not shown:
        st.session_state["filters"] = Filter()
        return Filter()
    st.sidebar.subheader(t("filters", lang()))
    assets = "f_status" in shown
    statuses, layers = _status_layer_filters() if assets else ((), ())
    townships, villages = _place_filters(url, shown)
    filters = Filter(layers=layers, statuses=statuses, townships=townships, villages=villages)
    if assets:
        filters = _tier_filters(filters)
    for key in shown:
        st.session_state[f"_kept_{key}"] = st.session_state.get(filter_widget(key))
    st.session_state["filters"] = filters
    return filters


def filter_widget(key: str) -> str:
    """The widget key of a filter in the current language: the browser keeps the labels a
    widget was drawn with (chosen values, "All"), so each language has its own widgets, both
    filled from the one kept choice. Chinese, the default, keeps the plain key."""
    language = lang()
    return key if language == DEFAULT_LANG else f"{key}_{language}"


def _place_filters(url: str, shown: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    language = lang()
    known = names(url)
    all_ = t("f_all", language)
    scope = actor().scope
    own = [c for c in known.townships if scope.sees_township(c)]
    townships = st.sidebar.multiselect(t("f_township", language), own, key=filter_widget("f_township"),
                                       placeholder=all_, select_all=False,
                                       format_func=lambda c: known.townships.get(c, c))
    village_codes = [c for c, town in known.village_township.items()
                     if (not townships or town in townships) and scope.sees_township(town)]
    # a village left over from another township is dropped rather than raising in the widget
    village_key = filter_widget("f_village")
    if village_key in st.session_state:
        st.session_state[village_key] = [v for v in st.session_state[village_key]
                                         if v in village_codes]
    villages = st.sidebar.multiselect(t("f_village", language), village_codes, key=village_key,
                                      placeholder=all_, select_all=False,
                                      format_func=lambda c: known.villages.get(c, c))
    return tuple(townships), tuple(villages)


def _status_layer_filters() -> tuple[tuple[str, ...], tuple[str, ...]]:
    language = lang()
    all_ = t("f_all", language)
    statuses = st.sidebar.multiselect(t("f_status", language), STATUS.codes,
                                      key=filter_widget("f_status"), placeholder=all_, select_all=False,
                                      format_func=lambda c: STATUS.label(c, language))
    layer_names = [la.name for la in REGISTRY.repairable()] + ["households"]
    layers = st.sidebar.multiselect(t("f_layer", language), layer_names,
                                    key=filter_widget("f_layer"), placeholder=all_, select_all=False,
                                    format_func=lambda n: REGISTRY.get(n).label(language))
    return tuple(statuses), tuple(layers)


def _tier_filters(chosen: Filter) -> Filter:
    language = lang()
    sb = st.sidebar
    all_ = t("f_all", language)
    importance = sb.multiselect(t("f_importance", language), IMPORTANCE,
                                key=filter_widget("f_importance"), placeholder=all_, select_all=False,
                                format_func=lambda v: t(_IMP_KEYS[v], language))
    urgency = sb.multiselect(t("f_urgency", language), URGENCY, key=filter_widget("f_urgency"),
                             placeholder=all_, select_all=False, format_func=lambda v: t(_IMP_KEYS[v], language))
    monitored = sb.checkbox(t("f_monitored", language), key=filter_widget("f_monitored"))
    return Filter(layers=chosen.layers, statuses=chosen.statuses, townships=chosen.townships,
                  villages=chosen.villages, importance=tuple(importance), urgency=tuple(urgency),
                  monitored_only=bool(monitored))


def show_counts(data: dict[str, Any], empty_note: bool = True) -> None:
    """Counts of the filtered set per layer: the same numbers on the map and the list pages;
    ``empty_note``: say "nothing matches" when the filters leave nothing (not zeros alone)."""
    language = lang()
    counts: dict[str, int] = data["counts"]
    assets = sum(n for name, n in counts.items() if name != "households")
    if empty_note and not any(counts.values()):
        st.text(t("nothing_matches", language))
    cols = st.columns(3)
    cols[0].metric(t("m_assets", language), assets)
    cols[1].metric(t("m_tasks", language), len(data["queue"]))
    if "households" in counts:
        cols[2].metric(t("m_households", language), counts["households"])
    st.caption(t("count_assets", language, n=assets) + " · " + " · ".join(
        f"{REGISTRY.get(name).label(language)} {n}" for name, n in counts.items()))


# --- problem ledger (问题台账, issue 13) -------------------------------------------------------
@st.cache_data(ttl=TTL, show_spinner=False)
def ledger(url: str, scope: tuple[str, ...], query_key: tuple[Any, ...], language: str,
           as_of: dt.date) -> dict[str, Any]:
    """The filtered ledger of the scope: the table, and which problem and household each row is."""
    with get_engine(url).connect() as conn:
        records = problem_records(conn, Scope.from_key(scope), LedgerQuery.from_key(query_key), as_of)
        frame = ledger_frame(conn, records, load_names(conn), language, as_of)
    rows = [{"id": r["id"], "household": r["household_code"], "state": r["state"]} for r in records]
    return {"frame": frame, "rows": rows}


@st.cache_data(ttl=TTL, show_spinner=False)
def ledger_counts(url: str, scope: tuple[str, ...], query_key: tuple[Any, ...], language: str,
                  as_of: dt.date) -> pd.DataFrame:
    """The ledger as counts per township and kind (a scope that sees no names)."""
    with get_engine(url).connect() as conn:
        return views_ledger.ledger_counts(conn, Scope.from_key(scope), LedgerQuery.from_key(query_key), language, as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def clearance(url: str, scope: tuple[str, ...], filter_key: tuple[Any, ...], language: str,
              as_of: dt.date) -> dict[str, Any]:
    """动态清零 on the progress page (views.clearance)."""
    with get_engine(url).connect() as conn:
        return clearance_data(conn, Scope.from_key(scope), Filter.from_key(filter_key), as_of, language)
# --- search ------------------------------------------------------------------------------------
def find_box(url: str, key: str) -> tuple[str, list[Hit], Hit | None]:
    """The search field: what was typed, its hits within the account's scope (a township account
    finds only its township), and the chosen one (the best by default, so typing and Enter
    suffice). Says so when nothing matches."""
    language = lang()
    text = st.text_input(t("find", language), key=f"{key}_text",
                         placeholder=t("find_placeholder", language)).strip()
    if not text:
        return "", [], None
    own = actor().scope.township
    with get_engine(url).connect() as conn:
        hits = search(conn, text, limit=20, townships=(own,) if own else ())
    if not hits:
        st.text(t("find_none", language, text=text))
        return text, [], None
    labels = {hit.fid: hit_label(hit, names(url), language) for hit in hits}
    if st.session_state.get(f"{key}_pick") not in labels:
        st.session_state.pop(f"{key}_pick", None)  # a new search starts at its best hit
    chosen = st.selectbox(t("find_pick", language, n=len(hits)), list(labels), key=f"{key}_pick",
                          format_func=lambda fid: labels.get(fid, fid))
    return text, hits, next((h for h in hits if h.fid == chosen), hits[0])

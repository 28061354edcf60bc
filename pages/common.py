"""What every page shares: language, the sidebar filters, cached data loaders, the detail panel.

Caching happens here, at the edge: loaders take the database URL, the filter values as a plain
tuple and the language — never a GeoDataFrame or a folium object — and return plain data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from geo.db.engine import database_url, get_engine
from geo.errors import StaleEditError, TrackerError
from geo.settings import get_settings
from layers import REGISTRY
from layers.filter import IMPORTANCE, URGENCY, Filter
from layers.store import set_status
from layers.vocabularies import STATUS
from views.detail import feature_record, record_facts
from views.household_list import household_frame
from views.i18n import DEFAULT_LANG, t
from views.map import data as map_data
from views.map.geojson import parse_fid
from views.map.viewport import view_tolerance
from views.names import Names, load_names, township_seats
from views.progress import progress_frames
from views.schedule import crew_schedule, curve_frame, key_village_frame, summary
from views.selection import Queue, queue_rows, select

TTL = 60  # seconds: edits made elsewhere (CLI, other users) show up within a minute
_IMP_KEYS = {"重点": "imp_key", "一般": "imp_general", "应急": "urg_emergency", "长远": "urg_long"}


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
    with get_engine(url).connect() as conn:
        return load_names(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def seats(url: str) -> dict[str, tuple[float, float]]:
    with get_engine(url).connect() as conn:
        return township_seats(conn)


@st.cache_data(ttl=3600, show_spinner=False)
def frames(url: str, language: str, townships: tuple[str, ...] = (),
           villages: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """Boundaries and flood extent: the same for every filter on small data; on large data
    drawn for the place filter (simplified to its view, villages only around it)."""
    with get_engine(url).connect() as conn:
        return map_data.frame_collections(conn, load_names(conn), language,
                                        townships, villages)


@st.cache_data(ttl=TTL, show_spinner=False)
def queue(url: str) -> Queue:
    """The whole ranked queue: filter-independent, so it is ranked once per data change."""
    with get_engine(url).connect() as conn:
        return queue_rows(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def crew_whatif(url: str, crews: int, language: str) -> dict[str, Any]:
    """The crew what-if of the whole county: summary text, curve and per-village table."""
    with get_engine(url).connect() as conn:
        crew = crew_schedule(conn, crews)
    return {"summary": summary(crew, language), "curve": curve_frame(crew, language),
            "villages": key_village_frame(crew, language)}


@st.cache_data(ttl=TTL, show_spinner=False)
def household_map(url: str, townships: tuple[str, ...], villages: tuple[str, ...],
                  language: str) -> dict[str, Any]:
    """Households depend on the place filters only: a status filter change reuses them."""
    with get_engine(url).connect() as conn:
        return map_data.household_map(conn, townships, villages, load_names(conn), language)


@st.cache_data(ttl=TTL, show_spinner=False)
def selection(url: str, filter_key: tuple[Any, ...], language: str) -> dict[str, Any]:
    """The filtered set, once, for the map and the repair list alike."""
    filters = Filter.from_key(filter_key)
    ranked = queue(url)
    tolerance = frames(url, language, filters.townships, filters.villages)["plan"]["tolerance"]
    with get_engine(url).connect() as conn:
        sel = select(conn, filters, ranked, with_households=False)
        names_ = load_names(conn)
    collections = map_data.map_collections(sel, names_, language, tolerance)
    counts = sel.counts()
    if filters.shows_households:
        collections["households"] = household_map(url, filters.townships, filters.villages,
                                                  language)
        counts["households"] = collections["households"]["total"]
    return {
        "collections": collections,
        "counts": counts,
        "ids": sel.ids(),
        "queue": sel.queue,
        "cannot_rank": sel.cannot_rank,
    }


@st.cache_data(ttl=TTL, show_spinner=False)
def viewport_selection(url: str, filter_key: tuple[Any, ...], bbox: tuple[float, ...],
                       language: str) -> dict[str, dict[str, Any]]:
    """The map's layers inside ``bbox`` only (viewport mode): the same filters and budget, and
    the village outlines of the box. The list and the counts stay those of ``selection``."""
    filters = Filter.from_key(filter_key)
    box = (bbox[0], bbox[1], bbox[2], bbox[3])
    tolerance = view_tolerance(box)
    with get_engine(url).connect() as conn:
        sel = select(conn, filters, queue(url), with_households=False, bbox=box)
        names_ = load_names(conn)
        collections = map_data.map_collections(sel, names_, language, tolerance)
        if filters.shows_households:
            collections["households"] = map_data.household_map(
                conn, filters.townships, filters.villages, names_, language, box)
        outlines = map_data.village_outlines(conn, box, names_, language, tolerance)
    if outlines is not None:
        collections["villages"] = outlines
    return collections


@st.cache_data(ttl=TTL, show_spinner=False)
def progress(url: str, filter_key: tuple[Any, ...], language: str,
             as_of: dt.date) -> dict[str, pd.DataFrame]:
    with get_engine(url).connect() as conn:
        return progress_frames(conn, Filter.from_key(filter_key), language, as_of)


@st.cache_data(ttl=TTL, show_spinner=False)
def households(url: str, townships: tuple[str, ...], villages: tuple[str, ...],
               categories: tuple[str, ...], only_risk: bool, language: str) -> pd.DataFrame:
    with get_engine(url).connect() as conn:
        return household_frame(conn, townships=townships, villages=villages,
                                      categories=categories, only_risk=only_risk, lang=language)


def clear_caches() -> None:
    """After an edit every cached view of the data is stale (for every user)."""
    for loader in (queue, selection, viewport_selection, progress, households):
        loader.clear()


# --- sidebar ------------------------------------------------------------------------------
def sidebar_filters(url: str) -> Filter:
    """The filters shared by map, repair list, progress and export; kept in session_state."""
    language = lang()
    known = names(url)
    sb = st.sidebar
    sb.subheader(t("filters", language))
    all_ = t("f_all", language)
    statuses = sb.multiselect(t("f_status", language), STATUS.codes, key="f_status", placeholder=all_,
                              format_func=lambda c: STATUS.label(c, language))
    layer_names = [la.name for la in REGISTRY.repairable()] + ["households"]
    layers = sb.multiselect(t("f_layer", language), layer_names, key="f_layer", placeholder=all_,
                            format_func=lambda n: REGISTRY.get(n).label(language))
    townships = sb.multiselect(t("f_township", language), list(known.townships), key="f_township",
                               placeholder=all_,
                               format_func=lambda c: known.townships.get(c, c))
    village_codes = [c for c, town in known.village_township.items()
                     if not townships or town in townships]
    # a village left over from another township is dropped rather than raising in the widget
    if "f_village" in st.session_state:
        st.session_state["f_village"] = [v for v in st.session_state["f_village"]
                                         if v in village_codes]
    villages = sb.multiselect(t("f_village", language), village_codes, key="f_village", placeholder=all_,
                              format_func=lambda c: known.villages.get(c, c))
    importance = sb.multiselect(t("f_importance", language), IMPORTANCE, key="f_importance",
                                placeholder=all_,
                                format_func=lambda v: t(_IMP_KEYS[v], language))
    urgency = sb.multiselect(t("f_urgency", language), URGENCY, key="f_urgency", placeholder=all_,
                             format_func=lambda v: t(_IMP_KEYS[v], language))
    monitored = sb.checkbox(t("f_monitored", language), key="f_monitored")
    filters = Filter(layers=tuple(layers), statuses=tuple(statuses), townships=tuple(townships),
                     villages=tuple(villages), importance=tuple(importance), urgency=tuple(urgency),
                     monitored_only=bool(monitored))
    st.session_state["filters"] = filters
    return filters


def show_counts(data: dict[str, Any]) -> None:
    """Counts of the filtered set per layer: the same numbers on the map and the list pages."""
    language = lang()
    counts: dict[str, int] = data["counts"]
    assets = sum(n for name, n in counts.items() if name != "households")
    cols = st.columns(3)
    cols[0].metric(t("m_assets", language), assets)
    cols[1].metric(t("m_tasks", language), len(data["queue"]))
    if "households" in counts:
        cols[2].metric(t("m_households", language), counts["households"])
    st.caption(t("count_assets", language, n=assets) + " · " + " · ".join(
        f"{REGISTRY.get(name).label(language)} {n}" for name, n in counts.items()))


# --- detail panel -------------------------------------------------------------------------
def read_record(url: str, layer: str, feature_id: int) -> dict[str, Any] | None:
    with get_engine(url).connect() as conn:
        return feature_record(conn, layer, feature_id)


def save_status(url: str, layer: str, feature_id: int, status: str, version: int) -> int:
    with get_engine(url).begin() as conn:
        return set_status(conn, layer, feature_id, status, version, get_settings().user)


def _snapshot(url: str, selected: str, layer: str, feature_id: int) -> dict[str, Any] | None:
    """The record as this user read it; its version is what a later save must still match."""
    snap = st.session_state.get("detail")
    if isinstance(snap, dict) and snap.get("fid") == selected:
        return snap
    record = read_record(url, layer, feature_id)
    if record is None:
        return None
    snap = {"fid": selected, "version": record.get("version"), "record": record}
    st.session_state["detail"] = snap
    return snap


def detail_panel(url: str) -> None:
    """Facts of the selected feature and, for repairable layers, a validated status change."""
    language = lang()
    st.subheader(t("detail", language))
    selected = st.session_state.get("selected")
    ref = parse_fid(selected)
    if ref is None:
        st.info(t("detail_none", language))
        return
    layer_name, feature_id = ref
    spec = REGISTRY.get(layer_name)
    if st.button(t("reload", language), key="detail_reload"):
        st.session_state.pop("detail", None)
    snap = _snapshot(url, str(selected), layer_name, feature_id)
    if snap is None:
        st.warning(t("detail_missing", language))
        return
    record = snap["record"]
    st.markdown(f"**{spec.label(language)}** · #{feature_id}")
    facts = record_facts(spec, record, names(url), language)
    st.dataframe(pd.DataFrame(facts, columns=[t("col_field", language), t("col_value", language)]),
                 hide_index=True,
                 width="stretch")
    if not spec.repairable:
        st.caption(t("no_status_layer", language))
        return
    _status_editor(url, spec.name, feature_id, snap)


def _status_editor(url: str, layer: str, feature_id: int, snap: dict[str, Any]) -> None:
    language = lang()
    current = snap["record"].get("status")
    codes = STATUS.codes
    new = st.selectbox(t("new_status", language), codes, key=f"new_status_{snap['fid']}",
                       index=codes.index(current) if current in codes else 0,
                       format_func=lambda c: STATUS.label(c, language))
    if not st.button(t("save_status", language), key="save_status", type="primary"):
        _show_flash()
        return
    if new not in STATUS:  # the selectbox offers only the vocabulary; refuse anything else
        st.error(t("error_friendly", language, message=f"{new!r}"))
        return
    if new == current:
        st.info(t("same_status", language))
        return
    try:
        version = save_status(url, layer, feature_id, new, int(snap["version"]))
    except StaleEditError as error:
        st.error(t("stale", language, version=snap["version"]))
        st.caption(str(error))
        return
    except TrackerError as error:
        st.error(t("error_friendly", language, message=str(error)))
        return
    clear_caches()
    st.session_state.pop("detail", None)
    st.session_state["flash"] = t("saved", language, name=snap["record"].get("name", ""),
                                  status=STATUS.label(new, language), version=version)
    st.rerun()


def _show_flash() -> None:
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message)


def pick_feature(collections: dict[str, dict[str, Any]]) -> None:
    """A selectbox of the shown repairable features: the keyboard way to open the detail panel."""
    language = lang()
    options: list[str] = [""]
    labels: dict[str, str] = {"": "—"}
    for name, data in collections.items():
        if name == "households" or data.get("aggregated"):
            continue
        for feat in data["features"]:
            key = feat["properties"]["fid"]
            options.append(key)
            tip = _plain_tip(feat["properties"].get("tip", key))
            labels[key] = f"{REGISTRY.get(name).label(language)}：{tip}"
    current = st.session_state.get("selected")
    if current in labels:  # a map click moves the list to the clicked feature
        st.session_state["pick"] = current
    elif st.session_state.get("pick") not in labels:
        st.session_state["pick"] = ""
    st.selectbox(t("detail_pick", language), options, key="pick", on_change=_on_pick,
                 format_func=lambda k: labels.get(k, k))


def _on_pick() -> None:
    st.session_state["selected"] = st.session_state.get("pick") or None


def _plain_tip(tip: str) -> str:
    """Tooltips are stored HTML-escaped; widgets show plain text, so undo the escaping."""
    import html

    return html.unescape(tip)

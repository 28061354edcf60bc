"""The detail panel under the map: one feature's facts, its timeline, and the editors of its
status, fields and filing (optimistic locking: a stale edit is refused with a message); and the
pick box that opens a feature without clicking the map."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from geo import chinatime
from geo.db.engine import get_engine
from geo.errors import StaleEditError, TrackerError
from layers import REGISTRY
from layers.vocabularies import FILING, PASSABLE, STATUS
from layers.workflow import EDITABLE_FIELDS, change_filing, change_status, edit_fields
from pages.common import clear_caches, db_url, edited, lang, names
from pages.sign_in import actor
from views.detail import feature_record, record_facts
from views.edits import status_choices, timeline_frame
from views.i18n import t
from views.map.geojson import parse_fid
from views.markdown import literal


def read_record(url: str, layer: str, feature_id: int) -> dict[str, Any] | None:
    """The feature, if the signed-in account's scope may see it (else None, as if missing)."""
    with get_engine(url).connect() as conn:
        return feature_record(conn, layer, feature_id, scope=actor().scope)


def save_status(url: str, layer: str, feature_id: int, status: str, version: int,
                note: str | None = None, on: dt.date | None = None) -> int:
    """The app's save path: the signed-in actor, the workflow and its rights, one transaction."""
    with get_engine(url).begin() as conn:
        return change_status(conn, actor(), layer, feature_id, status, version, note=note, on=on)


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
    if actor().scope.can_edit(spec.name, record.get("township_code")):
        _status_editor(url, spec.name, feature_id, snap)
        _field_editor(url, spec.name, feature_id, snap)
        if spec.name == "power_lines":
            _filing_editor(url, feature_id, snap)
    else:
        st.caption(t("read_only_here", language))
    with st.expander(t("timeline", language), expanded=False), get_engine(url).connect() as conn:
        st.dataframe(timeline_frame(conn, spec.name, feature_id, language), hide_index=True,
                     width="stretch")


def _status_editor(url: str, layer: str, feature_id: int, snap: dict[str, Any]) -> None:
    language = lang()
    current = snap["record"].get("status")
    current_passable = snap["record"].get("passable")
    codes = status_choices(layer, current)
    new = st.selectbox(t("new_status", language), codes, key=f"new_status_{snap['fid']}",
                       format_func=lambda c: STATUS.label(c, language))
    left, right = st.columns([3, 1])
    note = left.text_input(t("change_note", language), key=f"status_note_{snap['fid']}")
    on = right.date_input(t("change_on", language), value=chinatime.today(),
                          max_value=chinatime.today(), key=f"status_on_{snap['fid']}")
    if not st.button(t("save_status", language), key="save_status", type="primary"):
        _show_flash()
        return
    if new not in STATUS:  # the selectbox offers only the vocabulary; refuse anything else
        st.error(t("error_friendly", language, message=literal(repr(new))))
        return
    if new == current:
        st.info(t("same_status", language))
        return
    try:
        version = save_status(url, layer, feature_id, new, int(snap["version"]), note or None, on)
    except StaleEditError:
        st.error(t("stale", language, version=snap["version"]))
        now = read_record(url, layer, feature_id) or {}
        # who changed it and to what, in the page's language; database values kept literal
        st.caption(literal(t("stale_now", language, name=now.get("name", ""), user=now.get("updated_by") or "—",
                  status=STATUS.label(now.get("status"), language) if now.get("status") else "—",
                  version=now.get("version", "?"))))
        return
    except TrackerError as error:
        st.error(t("error_friendly", language, message=literal(error)))
        return
    message = t("saved", language, name=literal(snap["record"].get("name", "")),
                status=STATUS.label(new, language), version=version)
    after = (read_record(url, layer, feature_id) or {}).get("passable")
    if after and after != current_passable:  # a road's passable state follows its status: say so
        message += " " + t("passable_follows", language, passable=PASSABLE.label(after, language))
    _saved(snap, message)


def _saved(snap: dict[str, Any], message: str) -> None:
    """``message`` is shown as Markdown: database text in it must have gone through ``literal``."""
    ref = parse_fid(snap["fid"])
    if ref is None:
        clear_caches()
    else:
        edited(db_url(), [ref])
    st.session_state.pop("detail", None)
    st.session_state["flash"] = message
    st.rerun()


def _field_editor(url: str, layer: str, feature_id: int, snap: dict[str, Any]) -> None:
    """Cost, deadline and responsible unit (one history row per changed field)."""
    language = lang()
    record, fid = snap["record"], snap["fid"]
    with st.expander(t("edit_fields", language)):
        cost = st.number_input(t("col_cost", language), min_value=0.0, step=0.5, key=f"cost_{fid}",
                               value=float(record["cost_wan"]) if record.get("cost_wan") is not None else 0.0)
        deadline = st.date_input(t("col_deadline", language), value=record.get("deadline"),
                                 key=f"deadline_{fid}")
        unit = st.text_input(t("col_resp_unit", language), value=record.get("resp_unit") or "",
                             key=f"unit_{fid}")
        if not st.button(t("save_fields", language), key="save_fields"):
            return
        wanted = {"cost_wan": round(cost, 2), "deadline": deadline, "resp_unit": unit.strip() or None}
        changed = {k: v for k, v in wanted.items() if k in EDITABLE_FIELDS and _differs(record.get(k), v)}
        if not changed:
            st.info(t("nothing_changed", language))
            return
        try:
            with get_engine(url).begin() as conn:
                version = edit_fields(conn, actor(), layer, feature_id, changed, int(snap["version"]))
        except TrackerError as error:
            st.error(t("error_friendly", language, message=str(error)))
            return
        _saved(snap, t("saved_fields", language, name=literal(record.get("name", "")),
                       version=version))


def _differs(old: object, new: object) -> bool:
    if old is None or new is None:
        return (old is None) != (new is None)
    if isinstance(new, float):
        return abs(float(old) - new) > 0.004  # type: ignore[arg-type]
    return bool(old != new)


def _filing_editor(url: str, feature_id: int, snap: dict[str, Any]) -> None:
    """先实施后备案: the power line's filing state, date and document number."""
    language = lang()
    record, fid = snap["record"], snap["fid"]
    with st.expander(t("filing_title", language)):
        new = st.selectbox(t("col_filing", language), FILING.codes, key=f"filing_{fid}",
                           index=FILING.codes.index(record["filing"]) if record.get("filing") else 0,
                           format_func=lambda c: FILING.label(c, language))
        filed_on = st.date_input(t("filed_on", language), value=chinatime.today(),
                                 max_value=chinatime.today(), key=f"filed_on_{fid}")
        doc = st.text_input(t("filing_doc", language), key=f"filing_doc_{fid}")
        if not st.button(t("save_filing", language), key="save_filing"):
            return
        try:
            with get_engine(url).begin() as conn:
                version = change_filing(conn, actor(), feature_id, new, int(snap["version"]),
                                        filed_on=filed_on, document=doc)
        except TrackerError as error:
            st.error(t("error_friendly", language, message=str(error)))
            return
        _saved(snap, t("saved_filing", language, name=literal(record.get("name", "")),
                       filing=FILING.label(new, language), version=version))


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
            sep = "：" if language == "zh" else ": "
            labels[key] = f"{REGISTRY.get(name).label(language)}{sep}{tip}"
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

"""导入 — another bureau's file into a layer: check first (nothing written), then import.

Widgets only: reading, mapping, checking and writing are views.imports' (the same path as
``tracker import``); the report tables come from views.import_report. Format functions use the
language of this run (``t(key, language)``), not the session's at formatting time. Every value that comes
from the file is shown as text or in a dataframe, never as Markdown.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import streamlit as st

from geo.crs import EXPORT_EPSGS, gk6_epsg
from geo.db.engine import get_engine
from geo.errors import TrackerError
from geo.io.encoding import AmbiguousEncodingError
from layers import REGISTRY
from layers.imports.columns import IGNORE, layer_roles, target_label
from pages import common, sign_in
from views import import_report
from views.i18n import crs_name, t
from views.imports import ImportReport, ImportRequest, import_upload, recent_imports_frame, upload_tables

language = common.lang()
url = common.db_url()
AUTO = ""
CRS_CHOICES = [AUTO, *EXPORT_EPSGS, gk6_epsg()]

st.subheader(common.tr("im_title"))
scope = sign_in.actor().scope
allowed = [name for name in REGISTRY.names if scope.may_import(name)]
if not allowed:  # the server refuses too (views.imports.authorize); this only spares the form
    st.info(common.tr("im_not_allowed"))
    st.stop()
st.caption(common.tr("im_help"))
upload = st.file_uploader(common.tr("im_file"), key="im_file",
                          type=["zip", "gpkg", "geojson", "json", "csv", "txt", "xlsx"])
layer = st.selectbox(common.tr("im_layer"), ["all", *allowed] if scope.role == "admin" else allowed,
                     key="im_layer",
                     format_func=lambda n: t("im_layer_all", language) if n == "all"
                     else REGISTRY.get(n).label(language))
left, right = st.columns(2)
encoding = left.radio(common.tr("im_encoding_choice"), [AUTO, "GBK", "UTF-8"], key="im_encoding",
                      horizontal=True, format_func=lambda e: e or t("im_encoding_auto", language))
epsg = right.selectbox(common.tr("im_crs_choice"), CRS_CHOICES, key="im_crs",
                       format_func=lambda c: crs_name(int(c), language) if c else t("im_crs_auto", language))
gcj02 = left.checkbox(common.tr("im_gcj02"), key="im_gcj02")
make_valid = right.checkbox(common.tr("im_make_valid"), key="im_make_valid")
bureau = left.text_input(common.tr("im_bureau"), key="im_bureau").strip()
save_mapping = right.checkbox(common.tr("im_save_mapping"), key="im_save", disabled=not bureau)


def tables() -> list[str]:
    """The upload's sheets or tables (cached per upload in the session)."""
    if upload is None:
        return []
    key = (upload.name, upload.size)
    if st.session_state.get("im_tables_of") != key:
        st.session_state["im_tables"] = upload_tables(upload.getvalue(), upload.name)
        st.session_state["im_tables_of"] = key
    return list(st.session_state["im_tables"])


def column_choices(report: ImportReport | None) -> dict[str, str]:
    """The user's changes to the column mapping, from the editor shown after a check."""
    chosen: dict[str, str] = {}
    if report is None or len(report.layers) != 1 or report.layers[0].staged is None:
        return chosen
    spec = report.layers[0].layer
    targets = [*(f.column for f in spec.fields), *layer_roles(spec)]
    for choice in report.layers[0].staged.choices:
        picked = st.session_state.get(f"im_map_{choice.source}")
        if picked is not None and picked != (choice.target or IGNORE):
            chosen[choice.source] = picked if picked in targets else IGNORE
    return chosen


def request(commit: bool, table: str | None) -> ImportRequest:
    assert upload is not None
    previous = st.session_state.get("im_report")
    overwrite = frozenset(st.session_state.get("im_overwrite", []))
    return ImportRequest(
        Path(upload.name), upload.name, layer=layer,
        table=table, encoding=encoding or None, crs=str(epsg) if epsg else None, from_gcj02=gcj02,
        make_valid=make_valid, columns=column_choices(previous), values=value_choices(previous),
        bureau=bureau or None, save_mapping=save_mapping, commit=commit,
        user=sign_in.actor().username,
        overwrite=True if st.session_state.get("im_overwrite_all") else overwrite)


def value_choices(report: ImportReport | None) -> dict[str, dict[str, str]]:
    chosen: dict[str, dict[str, str]] = {}
    for layer_report in report.layers if report else []:
        for column, values in (layer_report.staged.unknown_values.items()
                               if layer_report.staged else []):
            for raw in values:
                picked = st.session_state.get(f"im_value_{column}_{raw}")
                if picked:
                    chosen.setdefault(column, {})[raw] = picked
    return chosen


def run(commit: bool, table: str | None) -> None:
    assert upload is not None
    bar = st.progress(0.0, text=common.tr("im_progress", text=""))

    def progress(fraction: float, text: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=common.tr("im_progress", text=text))

    try:
        report = import_upload(get_engine(url), upload.getvalue(), request(commit, table), progress)
    except AmbiguousEncodingError as error:
        st.session_state["im_readings"] = error.readings
        st.session_state.pop("im_report", None)
        return
    except TrackerError as error:
        st.session_state["im_refused"] = str(error)
        st.session_state.pop("im_report", None)
        return
    finally:
        bar.empty()
    st.session_state["im_report"] = report
    if report.committed:
        common.clear_caches()


def show_refusal() -> None:
    readings = st.session_state.get("im_readings")
    if readings:
        st.warning(common.tr("im_encoding_ask"))
        for name, texts in readings.items():
            st.text(common.tr("im_readings", encoding=name, text=" / ".join(texts[:3])))
    refused = st.session_state.get("im_refused")
    if refused:
        refuse(refused)


def show_report(report: ImportReport) -> None:
    st.text("\n".join(import_report.summary_lines(report, language)))
    for layer_report in report.layers:
        if layer_report.staged is None:
            continue
        with st.expander(f"{common.tr('im_mapping_title')} · {layer_report.layer.label(language)}",
                         expanded=bool(layer_report.errors)):
            st.dataframe(import_report.mapping_frame(layer_report, language), hide_index=True)
            if len(report.layers) == 1:
                mapping_editor(layer_report)
        show_values(layer_report)
        show_conflicts(layer_report)
        repairs = import_report.repairs_frame(layer_report, language)
        if len(repairs):
            st.caption(common.tr("im_repairs_title"))
            st.dataframe(repairs, hide_index=True)
    problems = import_report.problems_frame(report, language)
    if len(problems):
        st.caption(common.tr("im_problems_title", n=len(problems)))
        st.dataframe(problems, hide_index=True, width="stretch")
        st.download_button(common.tr("im_download_report"),
                           import_report.report_csv(report, language),
                           file_name=f"import-report-{report.sha256[:8]}.csv", key="im_report_csv")


def mapping_editor(layer_report: Any) -> None:
    spec = layer_report.layer
    options = [IGNORE, *(f.column for f in spec.fields), *(r for r in layer_roles(spec) if r != IGNORE)]
    st.caption(common.tr("im_mapping_edit"))
    for choice in layer_report.staged.choices:
        current = choice.target or choice.proposal or IGNORE
        st.selectbox(choice.source, options, index=options.index(current) if current in options else 0,
                     key=f"im_map_{choice.source}",
                     format_func=partial(target_label, spec, lang=language))


def show_values(layer_report: Any) -> None:
    unknown = layer_report.staged.unknown_values
    if not unknown:
        return
    st.caption(common.tr("im_values_title"))
    for column, values in unknown.items():
        field = next(f for f in layer_report.layer.fields if f.column == column)
        codes = ["", *field.vocab.codes]
        for raw, proposal in list(values.items())[:30]:
            st.selectbox(f"{field.label(language)}: {raw}", codes, key=f"im_value_{column}_{raw}",
                         index=codes.index(proposal) if proposal in codes else 0,
                         format_func=partial(_term, field.vocab))


def _term(vocab: Any, code: str) -> str:
    return str(vocab.label(code, language)) if code else "—"


def show_conflicts(layer_report: Any) -> None:
    conflicts = import_report.conflicts_frame(layer_report, language)
    if not len(conflicts):
        return
    st.caption(common.tr("im_conflicts_title"))
    st.dataframe(conflicts, hide_index=True)
    codes = sorted({c.code for c in layer_report.outcome.conflicts})
    st.multiselect(common.tr("im_overwrite_codes"), codes, key="im_overwrite", select_all=False)
    st.checkbox(common.tr("im_overwrite_all"), key="im_overwrite_all")


def refuse(message: str) -> None:
    st.error(common.tr("im_failed"))
    st.text(message)  # the sentence may quote the file: text, never Markdown


def actions(found: list[str]) -> None:
    table = st.selectbox(common.tr("im_table"), [AUTO, *found], key="im_table",
                         format_func=lambda name: name or t("im_table_auto", language)) if len(found) > 1 else None
    check, write = st.columns(2)
    if check.button(common.tr("im_check"), key="im_check"):
        st.session_state.pop("im_refused", None)
        st.session_state.pop("im_readings", None)
        run(False, table or None)
    last = st.session_state.get("im_report")
    if write.button(common.tr("im_commit"), key="im_commit", type="primary",
                    disabled=last is None or bool(last.errors) or last.committed):
        run(True, table or None)
    show_refusal()
    if st.session_state.get("im_report") is not None:
        show_report(st.session_state["im_report"])


if upload is None:
    st.info(common.tr("im_no_file"))
else:
    try:
        listed = tables()
    except TrackerError as error:  # refused on arrival: unsafe, broken or not a known format
        refuse(str(error))
    else:
        actions(listed)

with get_engine(url).connect() as conn:
    recent = recent_imports_frame(conn, language)
if len(recent):
    st.caption(common.tr("im_recent"))
    st.dataframe(recent, hide_index=True)

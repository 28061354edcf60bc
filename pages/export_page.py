"""导出 — files for engineers (shapefile zip, GeoPackage, GeoJSON, Excel) via layers.export."""

from __future__ import annotations

import streamlit as st

from geo.crs import EXPORT_EPSGS, METRIC_EPSG
from geo.db import get_engine
from geo.export import ENCODINGS, FORMAT_LABELS
from layers import REGISTRY
from layers.export import ExportRequest, export_bytes
from pages import common

language = common.lang()
url = common.db_url()
filters = common.current_filter()

st.subheader(common.tr("export_title"))
layer_names = ["all", *REGISTRY.names]
layer = st.selectbox(common.tr("export_layer"), layer_names, key="ex_layer",
                     format_func=lambda n: common.tr("f_all") if n == "all"
                     else REGISTRY.get(n).label(language))
fmt = st.selectbox(common.tr("export_format"), list(FORMAT_LABELS), key="ex_format",
                   format_func=lambda f: FORMAT_LABELS[f])
crs_codes = list(EXPORT_EPSGS)
epsg = st.selectbox(common.tr("export_crs"), crs_codes, key="ex_crs",
                    index=crs_codes.index(METRIC_EPSG), disabled=fmt == "geojson",
                    format_func=lambda c: f"EPSG:{c} — {EXPORT_EPSGS[c]}")
encoding = st.selectbox(common.tr("export_encoding"), list(ENCODINGS), key="ex_encoding",
                        disabled=fmt != "shp")
current = st.checkbox(common.tr("export_current"), key="ex_current")


def shown_request() -> ExportRequest:
    """What the map shows now: every sidebar filter, including those the ranking computes."""
    layers = list(filters.layers) or [la.name for la in REGISTRY.repairable()] + ["households"]
    if layer != "all":
        layers = [layer]
    # 重点/一般, 应急/长远 and "monitored only" are no column to filter on: they come from the
    # ranked queue, so take the ids of the same cached selection the map and the list show
    # (a repairable layer the map does not show gets no id, hence no feature)
    shown: dict[str, list[int]] = common.selection(url, filters.key(), language)["ids"]
    ids = {name: shown.get(name, []) for name in layers if REGISTRY.get(name).repairable}
    return ExportRequest(layers=layers, statuses=list(filters.statuses) or None,
                         townships=list(filters.townships) or None,
                         villages=list(filters.villages) or None, fmt=fmt,
                         crs=None if fmt == "geojson" else epsg, encoding=encoding, ids=ids)


if st.button(common.tr("export_prepare"), key="ex_prepare", type="primary"):
    request = shown_request() if current else ExportRequest(
        layers=None if layer == "all" else [layer], fmt=fmt,
        crs=None if fmt == "geojson" else epsg, encoding=encoding)
    with get_engine(url).connect() as conn:
        filename, payload, summary = export_bytes(conn, request)
    st.session_state["export_file"] = (filename, payload, summary.total)

prepared = st.session_state.get("export_file")
if prepared:
    filename, payload, total = prepared
    st.write(common.tr("export_summary", n=total))
    st.download_button(common.tr("export_download", filename=filename), payload,
                       file_name=filename, key="ex_download")

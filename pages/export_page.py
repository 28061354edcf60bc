"""导出 — files for engineers (shapefile zip, GeoPackage, GeoJSON, Excel) via views.downloads.

Households' names, helpers and locations go out only as their own choice, for a role that may,
after a confirmation; every export is logged in the database."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from geo.crs import EXPORT_EPSGS, METRIC_EPSG
from geo.db.engine import get_engine
from geo.io.export import ENCODINGS, FORMAT_LABELS
from layers import REGISTRY
from layers.filter import Filter
from pages import common, sign_in
from views.downloads import ExportRequest, export_bytes
from views.i18n import crs_name

language = common.lang()
url = common.db_url()
filters = common.current_filter()
actor = sign_in.actor()

st.subheader(common.tr("export_title"))
layer_names = ["all", *actor.scope.exportable_layers(REGISTRY.names)]
layer = st.selectbox(common.tr("export_layer"), layer_names, key="ex_layer",
                     format_func=lambda n: common.tr("f_all") if n == "all"
                     else REGISTRY.get(n).label(language))
fmt = st.selectbox(common.tr("export_format"), list(FORMAT_LABELS), key="ex_format",
                   format_func=lambda f: FORMAT_LABELS[f])
crs_codes = list(EXPORT_EPSGS)
epsg = st.selectbox(common.tr("export_crs"), crs_codes, key="ex_crs",
                    index=crs_codes.index(METRIC_EPSG), disabled=fmt == "geojson",
                    format_func=lambda c: crs_name(c, language))
encoding = st.selectbox(common.tr("export_encoding"), list(ENCODINGS), key="ex_encoding",
                        disabled=fmt != "shp")
current = st.checkbox(common.tr("export_current"), key="ex_current")
personal = confirmed = False
if actor.scope.may_export_personal:
    personal = st.checkbox(common.tr("export_personal"), key="ex_personal",
                           help=common.tr("export_personal_help"))
    if personal:
        st.warning(common.tr("export_personal_warning"))
        confirmed = st.checkbox(common.tr("export_personal_confirm"), key="ex_personal_confirm")
else:
    st.caption(common.tr("export_no_personal"))


def chosen_filter() -> Filter:
    """The layer chosen here; with "what the map shows", every sidebar filter too, including the
    tiers the ranking computes (as the ids of the same cached selection the map and list show)."""
    only = () if layer == "all" else (layer,)
    if not current:
        return Filter(layers=only)
    layers = only or filters.layers or (*(la.name for la in REGISTRY.repairable()), "households")
    shown: dict[str, list[int]] = common.selection(url, common.scope_key(), filters.key(),
                                                   language)["ids"]
    # a repairable layer the map does not show gets no id, hence no feature
    ids = {name: shown.get(name, []) for name in layers if REGISTRY.get(name).repairable}
    return replace(filters, layers=tuple(layers)).with_ids(ids)


if st.button(common.tr("export_prepare"), key="ex_prepare", type="primary"):
    if personal and not confirmed:
        st.error(common.tr("export_personal_unconfirmed"))
    else:
        request = ExportRequest(chosen_filter(), fmt=fmt, crs=None if fmt == "geojson" else epsg,
                                encoding=encoding, personal=personal, actor=actor,
                                layers_named=not current or layer != "all")
        with get_engine(url).begin() as conn:  # the export is logged in this transaction
            filename, payload, summary = export_bytes(conn, request)
        st.session_state["export_file"] = (filename, payload, summary.total)

prepared = st.session_state.get("export_file")
if prepared:
    filename, payload, total = prepared
    st.write(common.tr("export_summary", n=total))
    st.download_button(common.tr("export_download", filename=filename), payload,
                       file_name=filename, key="ex_download")

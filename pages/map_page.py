"""地图 — every layer over the at-risk households; a click opens the feature's detail panel."""

from __future__ import annotations

import folium
import streamlit as st
from streamlit_folium import st_folium

from geo.settings import get_settings
from layers import REGISTRY, map_features, map_view, mapview
from pages import common

language = common.lang()
url = common.db_url()
filters = common.current_filter()
data = common.selection(url, filters.key(), language)
collections = data["collections"]
common.show_counts(data)

households = collections.get("households")
if households and households.get("aggregated"):
    st.info(common.tr("map_aggregated", n=households["total"]))
for name, shown in collections.items():
    if name != "households" and shown.get("total", 0) > len(shown["features"]):
        st.warning(common.tr("map_capped", layer=REGISTRY.get(name).label(language),
                             shown=len(shown["features"]), total=shown["total"]))

left, right = st.columns([4, 1])
with left:
    # the base map (background, boundaries, flood) stays constant; filtered layers are added
    # as feature groups, so a filter change neither rebuilds the component nor loses the view
    frames = common.frames(url, language)
    base = mapview.base_map(frames, get_settings(), language)
    # fitted to the chosen villages/townships (else the county); a status change keeps the view
    center, zoom = map_view.view_for(filters, common.names(url), common.seats(url), frames)
    result = st_folium(
        base,
        key="map",
        height=620,
        use_container_width=True,
        feature_group_to_add=mapview.feature_groups(collections, language),
        layer_control=folium.LayerControl(collapsed=True),
        center=center,
        zoom=zoom,
        returned_objects=["last_object_clicked", "last_active_drawing"],
    )
    clicked = map_view.resolve_click(result, collections)
    if clicked is not None:
        ref = map_features.fid(*clicked)
        if ref != st.session_state.get("_last_click"):
            st.session_state["_last_click"] = ref
            st.session_state["selected"] = ref
    st.caption(common.tr("map_click_hint"))
with right:
    st.markdown(f"**{common.tr('map_legend')}**")
    st.markdown(mapview.legend_html(language, mapview.households_mode(collections)),
                unsafe_allow_html=True)  # our labels only

common.pick_feature(collections)
common.detail_panel(url)

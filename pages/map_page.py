"""地图 — every layer over the at-risk households; a click opens the feature's detail panel."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import folium
import streamlit as st

from geo.settings import get_settings
from layers import REGISTRY
from pages import common, detail_panel, map_component
from views import queue
from views.map import geojson, legend, render, viewport
from views.markdown import literal

language = common.lang()
url = common.db_url()
filters = common.current_filter()
scope = common.scope_key()
data = common.selection(url, scope, filters.key(), language)
collections = data["collections"]

# the filtered set exceeds the map's budget: offer to load what is in view instead
offered = viewport.viewport_offered(collections)
in_view = offered and st.toggle(common.tr("map_viewport"), key="viewport_mode",
                                 help=common.tr("map_viewport_help"))
place = (filters.townships, filters.villages)
frames = common.frames(url, language, *place)
# fitted to the chosen villages/townships (else the county); a status change keeps the view
center, zoom = viewport.view_for(filters, common.names(url), common.seats(url), frames)
# a found place or asset: the map zooms there, outlines it and opens its detail (once per
# choice, so a later click on the map still opens what was clicked)
found = common.find_box(url, "map_find")[2]
if found is not None:
    if found.fid != st.session_state.get("_last_found"):
        st.session_state["_last_found"] = found.fid
        st.session_state["selected"] = found.fid
    if found.bounds is not None:
        center, zoom = viewport.fit_view(found.bounds)
# the chosen villages (sidebar) and a found place are outlined with their own borders
outline = render.chosen_outline(frames, filters.villages, found)
# The notes below may come and go as the view loads other features; they sit under the map so
# its place on the page never shifts (a shifted component is remounted: the view is lost).
map_area = st.container()
village_area = st.container()
counts = st.container()
notes = st.container()
if found is not None and found.layer not in ("townships", "villages") and found.fid not in {
        f["properties"]["fid"] for layer in collections.values() for f in layer["features"]}:
    notes.caption(common.tr("find_outside"))
bbox = None
shown = collections
outlines: dict[str, dict[str, Any]] = {}
drawn_from = data["token"]  # the data the map is drawn from (its cache key, with the view)
if in_view:
    bbox = viewport.viewport_start(st.session_state.get("viewport_box"), place, (center, zoom))
    st.session_state["viewport_box"] = (place, bbox)
    in_box = common.viewport_selection(url, scope, filters.key(), bbox, language)
    loaded, drawn_from = in_box["collections"], in_box["token"]
    outlines = {k: v for k, v in loaded.items() if k == "villages"}
    shown = {k: v for k, v in loaded.items() if k != "villages"}
    n_shown, n_total = viewport.shown_of_total(shown, data["counts"])
    notes.caption(common.tr("map_viewport_shown", shown=n_shown, total=n_total))

households = shown.get("households")
if households and households.get("aggregated"):
    notes.info(common.tr("map_aggregated", n=households["total"]))
capped = [common.tr("map_capped", layer=REGISTRY.get(name).label(language),
                    shown=len(layer_data["features"]), total=layer_data["total"])
          for name, layer_data in shown.items()
          if name != "households" and layer_data.get("total", 0) > len(layer_data["features"])]
if capped:  # one box, not one per layer: the map stays in sight
    notes.warning("  \n".join(capped))
if offered and not in_view:
    notes.caption(common.tr("map_viewport_offer"))

left, right = map_area.columns([5, 1])
with left:
    # the base map (background, boundaries, flood) stays constant for small data; filtered
    # layers are added as feature groups, so a filter change neither rebuilds the component
    # nor loses the view
    # (frames drawn per place, on large data, open on the fitted view when rebuilt)
    per_place = frames["plan"]["villages"] != "all"
    opens_on = (center, zoom) if per_place else None
    # the chosen villages (sidebar) or a found place, outlined by their own borders
    highlight = outline if outline["features"] else None

    def draw() -> map_component.Drawing:
        base = render.base_map(frames, get_settings(), language, opens_on)
        groups = render.feature_groups({**shown, **outlines}, language)
        if highlight is not None:
            groups.append(render.found_group(highlight, common.tr("find")))
        return base, groups, folium.LayerControl(collapsed=True)

    returned = ["last_object_clicked", "last_active_drawing"]
    if in_view:  # only then does a pan or zoom rerun the page
        returned += ["bounds", "zoom"]
    # every input of draw(): the data (its token), the frames and the view they open on, the
    # language, the basemap and the highlight; drawn once for every session that shows it
    inputs = (drawn_from, url, language, place, opens_on, get_settings().basemap,
              get_settings().tianditu_key, json.dumps(highlight, sort_keys=True))
    result = map_component.show(
        common.MAPS, inputs, draw,
        # the component reads returned_objects only when created: its own key per mode
        key="map_viewport" if in_view else "map",
        height=render.MAP_SIZE_PX[1], returned=returned, center=center, zoom=zoom,
    )
    if in_view:
        following = viewport.next_viewport(viewport.returned_bounds(result), bbox)
        if following is not None and following != bbox:
            st.session_state["viewport_box"] = (place, following)
            st.rerun()
    clicked = viewport.resolve_click(result, shown)
    if clicked is not None:
        ref = geojson.fid(*clicked)
        if ref != st.session_state.get("_last_click"):
            st.session_state["_last_click"] = ref
            st.session_state["selected"] = ref
    st.caption(common.tr("map_click_hint"))
# the legend scrolls beside the map, no taller than it: what follows starts right under the map
with right.container(height=render.MAP_SIZE_PX[1], border=False):
    st.markdown(f"**{common.tr('map_legend')}**")
    st.markdown(legend.legend_html(language, legend.households_mode(shown)),
                unsafe_allow_html=True)  # our labels only

if found is not None and found.layer == "villages":  # the found village's repairs, listed
    local = common.selection(url, scope, replace(filters, townships=(), villages=(found.code,)).key(), language)
    tasks = queue.queue_frame(list(local["queue"]), common.names(url), language)
    village_area.markdown("**" + common.tr("village_tasks", name=literal(found.name),
                                            n=len(tasks)) + "**")
    if len(tasks):
        village_area.html(queue.compact_html(queue.compact_frame(tasks, language, len(tasks))))
with counts:  # the counts under the map: the map comes first
    common.show_counts(data)
detail_panel.pick_feature(shown)
detail_panel.detail_panel(url)

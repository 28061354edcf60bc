"""The page's own CSS: the map first and large, the title and metrics compact, and a layout
that stays usable at phone width (390 px), where township cadres open the tracker.

Our own fixed markup, no data; pages/common.page_style puts it on every page.
"""

from __future__ import annotations

PHONE_MAX_PX = 640  # Streamlit stacks columns below this width too

PAGE_CSS = f"""<style>
/* the title and the counts take one short band, so the map starts high on the page */
[data-testid="stMainBlockContainer"] {{padding-top: 2.2rem; padding-left: 2rem;
  padding-right: 2rem; max-width: none}}
h1 {{font-size: 1.7rem !important; padding: 0 0 0.4rem 0 !important}}
[data-testid="stMetricValue"] {{font-size: 1.4rem}}
[data-testid="stMetricLabel"] {{min-height: 0}}
/* the phone-width list: a plain table whose cells wrap instead of a wide grid */
table.tracker-compact {{width: 100%; border-collapse: collapse; font-size: 0.9rem}}
table.tracker-compact th, table.tracker-compact td {{border-bottom: 1px solid #ddd;
  padding: 0.3rem 0.25rem; text-align: left; vertical-align: top; white-space: normal;
  overflow-wrap: anywhere}}
/* position, task and status are one or two words: kept whole, the place and reason wrap */
table.tracker-compact td:nth-child(-n+2), table.tracker-compact td:nth-child(4),
table.tracker-compact th {{white-space: nowrap}}
@media (max-width: {PHONE_MAX_PX}px) {{
  [data-testid="stMainBlockContainer"] {{padding: 2.6rem 0.4rem 1rem 0.4rem}}
  h1 {{font-size: 1.2rem !important}}
  [data-testid="stMetricValue"] {{font-size: 1.1rem}}
  iframe[title="streamlit_folium.st_folium"] {{width: 100% !important}}
  table.tracker-compact {{font-size: 0.8rem}}
}}
</style>"""

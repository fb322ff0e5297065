"""Screen fixes every page gets (issue 12): phone layout, no cut-off text, Indonesian widget text.

dashboard.py calls `apply()` once per run, before the page. What it sends:
- CSS: metric labels and values wrap instead of ending in "…"; on narrow screens
  (max-width 640 px, where Streamlit stacks columns) the map page shows the map first,
  its figures two to a row.
- A script, installed once per browser tab: closes the sidebar after a tap on a menu
  item on narrow screens (it would otherwise cover the new page), and rewrites the few
  English strings Streamlit 1.67 draws itself and offers no parameter for (the file
  uploader's "Drag and drop…", "Upload", "… per file"; a select box's "No results").
  The limits shown stay Streamlit's own figures, set per uploader with max_upload_size.
"""

from __future__ import annotations

import streamlit as st

from kondusif.web.page_scripts import SCREEN_SCRIPT_HTML

NARROW_PX = 640  # Streamlit stacks st.columns at and below this width
CSS = f"""
<style>
/* Issue 12.11: figures and their labels wrap instead of being cut ("01/12 20…"). */
[data-testid="stMetricLabel"] p, [data-testid="stMetricLabel"] div {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }}
[data-testid="stMetricValue"] > div {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }}
[data-testid="stMetricValue"] {{ font-size: clamp(1.35rem, 2.1vw, 2.25rem); line-height: 1.2; }}
@media (max-width: {NARROW_PX}px) {{
  /* Issue 12.8: on a phone the map comes first, the figures follow two to a row. */
  /* (the keyed block, or the wrapper Streamlit puts around it, is the flex item) */
  .st-key-sk_peta_map, div:has(> .st-key-sk_peta_map) {{ order: 1; }}
  .st-key-sk_peta_head, div:has(> .st-key-sk_peta_head) {{ order: 2; }}
  .st-key-sk_peta_notices, div:has(> .st-key-sk_peta_notices) {{ order: 3; }}
  .st-key-sk_peta_rest, div:has(> .st-key-sk_peta_rest) {{ order: 4; }}
  .st-key-sk_peta_head [data-testid="stHorizontalBlock"] {{ flex-direction: row !important; flex-wrap: wrap !important;
    gap: .25rem .75rem !important; }}
  .st-key-sk_peta_head [data-testid="stColumn"] {{ flex: 1 1 calc(50% - .75rem) !important;
    min-width: calc(50% - .75rem) !important; width: calc(50% - .75rem) !important; }}
  .st-key-sk_peta_head [data-testid="stMetricValue"] {{ font-size: 1.3rem; }}
  .st-key-sk_peta_head [data-testid="stMetric"] {{ padding: 0; }}
}}
</style>
"""


def apply() -> None:
    """Send the CSS and the once-per-tab script (see the module docstring)."""
    st.html(CSS)
    st.html(SCREEN_SCRIPT_HTML, unsafe_allow_javascript=True, width="content")

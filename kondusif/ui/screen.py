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

import json

import streamlit as st

NARROW_PX = 640  # Streamlit stacks st.columns at and below this width
SIDEBAR_OVERLAY_PX = 767  # below Streamlit's md breakpoint the sidebar lies over the page

# Exact English text drawn by Streamlit -> Indonesian. Patterns: (regex, replacement).
TEXTS = {
    "Drag and drop a file here": "Seret berkas ke sini",
    "Drag and drop files here": "Seret berkas ke sini",
    "Upload": "Pilih berkas",
    "Browse files": "Pilih berkas",
    "No results": "Tidak ada yang cocok",
    "Select all": "Pilih semua",
    "Clear all": "Hapus semua",
}
PATTERNS = [
    (r"^(\d+(?:[.,]\d+)?)\s?([KMG]B) per file(.*)$", "Maks. $1 $2 per berkas$3"),
    (r"^(.+) files are not allowed\.$", "Berkas $1 tidak diterima."),
]

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


def _script() -> str:
    texts = json.dumps(TEXTS)
    patterns = json.dumps(PATTERNS)
    return f"""<script>(function () {{
  var w = window.parent && window.parent.document && window.parent !== window ? window.parent : window;
  if (w.__skScreen) return;
  w.__skScreen = true;
  var doc = w.document, TEXTS = {texts}, PATTERNS = {patterns}.map(function (p) {{
    return [new RegExp(p[0]), p[1]];
  }});
  // Issue 12.7: a tap on a menu item closes the sidebar on narrow screens.
  doc.addEventListener("click", function (e) {{
    var link = e.target && e.target.closest && e.target.closest('[data-testid="stSidebarNavLink"]');
    if (!link || w.innerWidth > {SIDEBAR_OVERLAY_PX}) return;
    // Close once the new page is under way (closing at once can swallow the navigation).
    var from = w.location.pathname, tries = 0;
    var timer = w.setInterval(function () {{
      if (w.location.pathname === from && ++tries < 40) return;
      w.clearInterval(timer);
      var btn = doc.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (btn && w.innerWidth <= {SIDEBAR_OVERLAY_PX}) btn.click();
    }}, 100);
  }}, true);
  // Issue 12.10: Streamlit's own English strings, in Indonesian.
  function translate(node) {{
    var walker = doc.createTreeWalker(node, NodeFilter.SHOW_TEXT), t, todo = [];
    while ((t = walker.nextNode())) todo.push(t);
    todo.forEach(function (n) {{
      var raw = n.nodeValue, s = raw.trim();
      if (!s) return;
      if (Object.prototype.hasOwnProperty.call(TEXTS, s)) {{ n.nodeValue = raw.replace(s, TEXTS[s]); return; }}
      for (var i = 0; i < PATTERNS.length; i++) {{
        if (PATTERNS[i][0].test(s)) {{ n.nodeValue = raw.replace(s, s.replace(PATTERNS[i][0], PATTERNS[i][1])); return; }}
      }}
    }});
  }}
  var pending = false;
  new w.MutationObserver(function () {{
    if (pending) return;
    pending = true;
    w.requestAnimationFrame(function () {{ pending = false; translate(doc.body); }});
  }}).observe(doc.body, {{childList: true, subtree: true, characterData: true}});
  translate(doc.body);
}})();</script>"""


def apply() -> None:
    """Send the CSS and the once-per-tab script (see the module docstring)."""
    st.html(CSS)
    st.html(_script(), unsafe_allow_javascript=True, width="content")

"""Screen fixes every page gets (issue 12): phone layout, no cut-off text, Indonesian widget text.

dashboard.py calls `apply()` once per run, before the page. What it sends:
- CSS (assets/screen.css): metric labels and values wrap instead of ending in "…"; on narrow screens
  (max-width 640 px, where Streamlit stacks columns) the map page shows the map first,
  its figures two to a row.
- A script, installed once per browser tab: closes the sidebar after a tap on a menu
  item on narrow screens (it would otherwise cover the new page), and rewrites the few
  English strings Streamlit 1.67 draws itself and offers no parameter for (the file
  uploader's "Drag and drop…", "Upload", "… per file"; a select box's "No results" and
  "Choose an option"; a help icon's "Help for …" label), and sets the page's language to
  Indonesian (issue 30.9: Streamlit serves lang="en"). The limits shown stay Streamlit's own
  figures, set per uploader with max_upload_size. The CSS hides the table toolbar of
  st.dataframe (English, and its CSV download has no formula guard: the app's exports do).
  Note: st.html drops a script whose text holds an HTML start tag such as "<html …>", even
  in a comment; keep screen.js free of them.
"""

from __future__ import annotations

import streamlit as st

from kondusif.ui import static_files
from kondusif.web.page_scripts import SCREEN_SCRIPT_HTML


def apply() -> None:
    """Send the CSS and the once-per-tab script (see the module docstring)."""
    st.html(static_files.style("screen.css"))
    st.html(SCREEN_SCRIPT_HTML, unsafe_allow_javascript=True, width="content")

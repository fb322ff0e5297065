"""Inline scripts the app sends into its own page, kept byte-stable so the CSP can name them by hash.

The programs are files in kondusif/web/assets/ (screen.js, renew.js), read once at import;
kondusif.web.middleware hashes exactly these strings and kondusif.ui sends them with st.html.
Plain text only (no Streamlit), so the HTTP edge can import it.
"""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"


def _script(name: str) -> str:
    """The program in assets/`name` as one inline <script> element."""
    return "<script>" + (ASSETS / name).read_text(encoding="utf-8") + "</script>"


SCREEN_SCRIPT_HTML = _script("screen.js")  # kondusif/ui/screen.py, once per browser tab
RENEW_SCRIPT_HTML = _script("renew.js")  # submits the cookie-renewal form (kondusif/ui/session.py)

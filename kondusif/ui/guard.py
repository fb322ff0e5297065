"""Server-side role checks every page runs before it reads any data."""

from __future__ import annotations

import streamlit as st

from kondusif import access
from kondusif.model import Viewer
from kondusif.ui import session
from kondusif.ui.pages import page

VIEWER_KEY = session.VIEWER_KEY  # "viewer": set by a login only (session._store_session)
MUST_CHANGE_KEY = session.MUST_CHANGE_KEY
CHANGE_PASSWORD_PAGE = "ganti_sandi"


def current_viewer() -> Viewer | None:
    """The signed-in viewer of this session, or None (no store access)."""
    return session.viewer_in_state()


def _route_through_dashboard() -> None:
    """Leave Streamlit's pages-folder mode if this run started in it.

    With a pages/ folder beside dashboard.py, a server process's first run starts in
    Streamlit's pages-folder mode: a page URL runs the page file directly, without
    dashboard.py and with a menu of every file. dashboard.py's st.navigation ends that
    mode for the process; a page reached this way switches it off and reruns, so
    dashboard.py routes the same URL.
    """
    try:
        from streamlit import config
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # pragma: no cover - internal module moved; the guard below still holds
        return
    # AppTest starts every run in that mode; a rerun there would drop the run's button
    # clicks, so under AppTest the page goes on (still behind the checks below).
    if PagesManager.uses_pages_directory and not config.get_option("global.appTest"):
        PagesManager.uses_pages_directory = False
        st.rerun()


def require_page(key: str) -> Viewer:
    """Stop the page unless the signed-in viewer's role may open page `key`.

    Runs on the server at the top of every page, so a page opened by URL without
    the right role shows a refusal and reads nothing. The session itself is
    re-checked here too (account still active, same session epoch), because a page
    can run without dashboard.py when Streamlit serves the pages/ folder directly.
    """
    _route_through_dashboard()
    spec = page(key)
    viewer = session.current_session()
    if viewer is None:
        st.warning(session.pop_notice() or "Silakan masuk terlebih dahulu.")
        st.caption("Muat ulang halaman bila formulir masuk tidak tampil.")
        st.stop()
    if not access.allows(viewer, spec.capability):
        st.error(f"Akses ditolak: peran Anda ({viewer.role.label}) tidak berhak membuka halaman «{spec.title}».")
        st.stop()
    if session.must_change() and key != CHANGE_PASSWORD_PAGE:
        st.error("Ganti kata sandi sekali pakai Anda terlebih dahulu.")
        st.stop()
    return viewer

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


def require_page(key: str) -> Viewer:
    """Stop the page unless the signed-in viewer's role may open page `key`.

    Runs on the server at the top of every screen (screens/*.py), so a screen opened by
    URL without the right role shows a refusal and reads nothing. The session is
    re-checked here (account still active, same session epoch) so that a screen never
    relies on its caller having checked it.
    """
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

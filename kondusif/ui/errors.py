"""What a user sees when a page fails unexpectedly: an Indonesian message, never a traceback."""

from __future__ import annotations

import logging

import streamlit as st

LOG = logging.getLogger("kondusif.app")
MESSAGE = ("Maaf, terjadi kesalahan di server saat menyiapkan halaman ini. Muat ulang halaman; "
           "bila masih terjadi, hubungi operator SiKondusif. Rincian kesalahan sudah dicatat di log server.")


def on_script_error(exc: BaseException) -> bool:
    """st.App's on_script_error: the detail goes to the log, the user gets MESSAGE."""
    LOG.error("Kesalahan tak tertangani di halaman", exc_info=(type(exc), exc, exc.__traceback__))
    try:
        st.error(MESSAGE, icon=":material/error:")
    except Exception:  # noqa: BLE001 - outside a script run there is no page to write to
        pass
    return True  # Streamlit shows no exception box of its own

"""A page whose database is busy or unreachable shows one clear message, not a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from kondusif.config import ConfigError
from kondusif.db_unavailable import is_unavailable, page_message
from kondusif.safe import escape_markdown

log = logging.getLogger(__name__)


def _nothing() -> None:
    """The only page while the session cannot even be checked."""


@contextmanager
def stop_when_unavailable(before_navigation: bool = False) -> Iterator[None]:
    """Run the block; if the database is busy or unreachable, say so, offer a retry and stop the run.

    Anything else (a bug) is raised as usual. dashboard.py wraps the session check and
    the page with it, so every page gets the same answer. `before_navigation`: the run has
    not built its st.navigation yet, so an empty hidden one is built (no menu while the
    session cannot be checked).
    """
    try:
        yield
    except ConfigError as exc:  # a wrong kondusif.toml / environment: name the setting, no traceback
        log.error("Konfigurasi salah: %s", exc)
        if before_navigation:
            st.navigation([st.Page(_nothing, title="SiKondusif", default=True)], position="hidden")
        st.error(f"Konfigurasi salah: {escape_markdown(exc)}", icon=":material/settings:")
        st.stop()
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        log.warning("Basis data tidak tersedia: %s", exc)
        if before_navigation:
            st.navigation([st.Page(_nothing, title="SiKondusif", default=True)], position="hidden")
        st.error(page_message(exc), icon=":material/cloud_off:")
        st.button("Coba lagi", key="_db_unavailable_retry", icon=":material/refresh:")
        st.stop()

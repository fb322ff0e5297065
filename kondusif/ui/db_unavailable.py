"""A page whose database is busy or unreachable shows one clear message, not a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from kondusif.db_unavailable import PAGE_MESSAGE, is_unavailable

log = logging.getLogger(__name__)


@contextmanager
def stop_when_unavailable() -> Iterator[None]:
    """Run the block; if the database is busy or unreachable, say so, offer a retry and stop the run.

    Anything else (a bug) is raised as usual. dashboard.py wraps the session check and
    the page with it, so every page gets the same answer.
    """
    try:
        yield
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        log.warning("Basis data tidak tersedia: %s", exc)
        st.error(PAGE_MESSAGE, icon=":material/cloud_off:")
        st.button("Coba lagi", key="_db_unavailable_retry", icon=":material/refresh:")
        st.stop()

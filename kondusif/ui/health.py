"""Health on screen (issue 13): the admin page's figures and the app-wide low-disk warning."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from kondusif import access, health
from kondusif.model import Viewer


def render_health(engine: Engine) -> None:
    """The figures of `python -m kondusif health`, in an expander (opened when the disk runs low)."""
    h = health.check(engine)
    with st.expander("Kesehatan sistem", expanded=h.low_disk, icon=":material/monitor_heart:"):
        if h.low_disk:
            st.warning(health.low_disk_warning(engine) or "")
        st.text("\n".join(health.lines(h)))  # fixed-width lines; st.code is kept for one-time passwords


def render_low_disk_warning(engine: Engine, viewer: Viewer | None) -> None:
    """Warn operators and Panwaslu while free disk space is under the threshold, before writes fail."""
    if not access.allows(viewer, "system.health"):
        return
    try:
        text = health.low_disk_warning(engine)
    except OSError:
        return
    if text:
        st.warning(text, icon=":material/hard_drive:")

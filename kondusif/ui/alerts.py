"""The alert banner shown on every page to panwaslu and pejabat users in scope.

dashboard.py calls `render_alert_banner(viewer)` once per run, before the page
itself, so the banner sits on top of every page until the user presses
"Tandai sudah dibaca" (recorded in alert_acks for that user only).
"""

from __future__ import annotations

import logging

import streamlit as st

from kondusif import access, alerts, store
from kondusif.model import Viewer
from kondusif.safe import escape_markdown
from kondusif.timeutil import format_wib
from kondusif.ui import pages, session

log = logging.getLogger(__name__)
SHOWN = 3  # newest alerts shown one by one; the rest are counted


def _ack(viewer: Viewer, ids: list[int] | None) -> None:
    try:
        if not session.still_signed_in(viewer):  # a callback runs before the page's guard
            return
        alerts.acknowledge(store.get_engine(), viewer, ids)
    except Exception:  # noqa: BLE001 - a failed acknowledgement must not break the page
        log.exception("Gagal mencatat tanda baca peringatan")
        st.session_state["_alert_ack_failed"] = True


def render_alert_banner(viewer: Viewer) -> None:
    """Show this viewer's unacknowledged alerts (nothing for other roles); never raises."""
    if not alerts.sees_alerts(viewer):
        return
    try:
        engine = store.get_engine()
        pending = alerts.visible_alerts(engine, viewer, limit=SHOWN)
        total = alerts.count_unacknowledged(engine, viewer) if len(pending) == SHOWN else len(pending)
    except Exception:  # noqa: BLE001 - the banner must never take a page down
        log.exception("Peringatan tidak dapat dimuat")
        st.caption("Peringatan tidak dapat dimuat saat ini.")
        return
    if st.session_state.pop("_alert_ack_failed", False):
        st.warning("Tanda sudah dibaca belum tersimpan; coba lagi.")
    if not pending:
        return
    with st.container(key="alert_banner"):
        for alert in pending:
            cols = st.columns([0.82, 0.18], vertical_alignment="center")
            icon = ":material/crisis_alert:" if alert["kind"] == alerts.KIND_BERAT else ":material/warning:"
            cols[0].error(f"**{alerts.KIND_LABELS.get(alert['kind'], 'Peringatan')}** · "
                          f"{format_wib(alert['created_at'])} — {escape_markdown(alert['message'])}", icon=icon)
            cols[1].button("Tandai sudah dibaca", key=f"alert_ack_{alert['id']}", on_click=_ack,
                           args=(viewer, [alert["id"]]), width="stretch")
            report_no = alert.get("report_no")
            if report_no and access.allows(viewer, "page.insiden"):
                # Issue 30.6: the banner opens its report on the desk (the link the desk itself reads).
                cols[0].page_link(pages.page("insiden").path, label=f"Buka laporan {report_no}",
                                  icon=":material/open_in_new:", query_params={"laporan": report_no})
        rest = total - len(pending)
        if rest > 0:
            cols = st.columns([0.82, 0.18], vertical_alignment="center")
            cols[0].caption(f"… dan {rest} peringatan lain yang belum dibaca.")
            cols[1].button("Tandai semua sudah dibaca", key="alert_ack_all", on_click=_ack, args=(viewer, None),
                           width="stretch")

"""The RT page's "Lingkungan aman" button (issue 24): one check-in, confirmed, for the account's own RT.

Two taps: the button, then a confirmation naming the RT and kelurahan. The confirmation
carries a token made when the button was tapped, so a double tap or a resend records one
check-in (kondusif.checkins, channel ``form``). The time of the last check-in is shown.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from kondusif import access, checkins
from kondusif.db_unavailable import is_unavailable
from kondusif.model import Viewer, new_id
from kondusif.timeutil import format_wib
from kondusif.ui import session
from lubuklinggau_geo import gazetteer

K = "aman_"


def place_text(viewer: Viewer) -> str:
    """'RT 03 Kelurahan Air Kuti' for a linked rt account."""
    return f"RT {int(viewer.rt or 0):02d} Kelurahan {gazetteer.kelurahan_name(viewer.kelurahan)}"


def _ask() -> None:
    st.session_state[K + "token"] = new_id()
    st.session_state.pop(K + "done", None)


def _cancel() -> None:
    st.session_state.pop(K + "token", None)


def _confirm(engine: Engine, viewer: Viewer) -> None:
    token = st.session_state.get(K + "token")
    if not token or not session.still_signed_in(viewer):  # a callback runs before the page's guard
        return
    try:
        got = checkins.record_checkin(engine, viewer, kelurahan=viewer.kelurahan, rt=viewer.rt, channel="form",
                                      source_ref=token, account=viewer.username)
    except checkins.CheckinRefused as exc:
        st.session_state[K + "done"] = ("error", str(exc))
    else:
        st.session_state[K + "done"] = ("ok", f"Laporan AMAN {got.place_label} pukul {got.time_label} tercatat. "
                                              "Terima kasih.")
    st.session_state.pop(K + "token", None)


def aman_block(engine: Engine, viewer: Viewer) -> None:
    """The button block above the report form; shown to linked rt accounts only."""
    area = access.area_of(viewer)
    if area.level != access.SCOPE_RT or not area.linked or not access.allows(viewer, "checkin.file"):
        return
    with st.container(border=True, key="sk_aman"):
        try:
            last = checkins.last_checkin(engine, viewer, str(viewer.kelurahan), int(viewer.rt or 0))
            last_text = format_wib(last) if last else "belum pernah"
        except Exception as exc:  # an outage must not stop the report form below (issue 8: typed values kept)
            if not is_unavailable(exc):
                raise
            last_text = "belum dapat dibaca (basis data sibuk atau tidak dapat dihubungi)"
        st.markdown(f"**{place_text(viewer)}**  \n:small[Laporan aman terakhir: {last_text}]")
        done = st.session_state.get(K + "done")
        if done:
            (st.success if done[0] == "ok" else st.error)(done[1])
        if st.session_state.get(K + "token"):
            st.warning(f"Kirim laporan AMAN untuk {place_text(viewer)}? Artinya lingkungan Anda tenang, tidak ada "
                       "kejadian yang perlu dilaporkan.")
            c1, c2 = st.columns(2)
            c1.button("Ya, lingkungan aman", type="primary", width="stretch", key=K + "yes",
                      on_click=_confirm, args=(engine, viewer))
            c2.button("Batal", width="stretch", key=K + "no", on_click=_cancel)
        else:
            st.button("Lingkungan aman", icon=":material/verified_user:", width="stretch", key=K + "ask",
                      on_click=_ask, help="Kirim kabar bahwa lingkungan RT Anda aman. Ada kejadian? Isi "
                                          "«Kirim laporan» di bawah.")


__all__ = ["aman_block", "place_text"]

"""Gerbang SMS, the Android phones (issue 27.4): register a phone (its secret is shown once), revoke one.

Every phone has its own SMSsync secret (kondusif.sms.smssync); a lost phone is revoked
alone and the others keep working. Called by the Gerbang SMS screen inside its tab.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from kondusif.model import Viewer
from kondusif.safe import escape_markdown
from kondusif.sms import smssync
from kondusif.timeutil import format_wib

FRESH_KEY = "_gerbang_sms_ponsel_baru"  # (label, secret) of the phone just registered: shown once, then dropped


def _when(value) -> str:
    return format_wib(value) if value is not None and value == value else "-"


def render_phones(engine: Engine, viewer: Viewer) -> None:
    """The phone list, the register form and the revoke control (gateway.manage is checked by smssync)."""
    fresh = st.session_state.pop(FRESH_KEY, None)
    if fresh:
        st.success(f"Ponsel «{escape_markdown(fresh[0])}» terdaftar. Isi kolom *Secret* di SMSsync ponsel itu "
                   "dengan rahasia berikut. Rahasia ini hanya ditampilkan sekali; bila hilang, cabut ponselnya "
                   "dan daftarkan lagi.")
        st.code(fresh[1], language=None)
    with st.form("smssync_ponsel_baru", clear_on_submit=True):
        label = st.text_input("Nama ponsel baru", max_chars=smssync.MAX_LABEL, placeholder="posko-setda-1",
                              help="Nama ini tercatat pada setiap SMS dan balasan yang dibawa ponsel itu.")
        add = st.form_submit_button("Daftarkan ponsel dan buat rahasianya", icon=":material/key:")
    if add:
        try:
            phone, secret = smssync.register_phone(engine, viewer, label)
        except smssync.PhoneError as exc:
            st.error(escape_markdown(exc))
        else:
            st.session_state[FRESH_KEY] = (phone.label, secret)
            st.rerun()
    phones = smssync.list_phones(engine, viewer)
    if not phones:
        st.info("Belum ada ponsel gerbang terdaftar: SMSsync ditolak sampai satu ponsel didaftarkan di sini.")
        return
    st.dataframe(pd.DataFrame({
        "Ponsel": [p["label"] for p in phones],
        "Status": ["dicabut" if p["revoked_at"] else "aktif" for p in phones],
        "Didaftarkan": [f"{_when(p['created_at'])} oleh {p['created_by']}" for p in phones],
        "Kontak terakhir": [_when(p["last_used_at"]) for p in phones],
        "Dicabut": [f"{_when(p['revoked_at'])} oleh {p['revoked_by']}" if p["revoked_at"] else "" for p in phones],
    }), hide_index=True, width="stretch")
    active = [p["label"] for p in phones if not p["revoked_at"]]
    if not active:
        return
    chosen = st.selectbox("Cabut rahasia ponsel", active, index=None, key="smssync_cabut_pilih",
                          placeholder="Pilih ponsel yang hilang atau diganti")
    sure = st.checkbox("Saya yakin: ponsel ini ditolak mulai sekarang", key="smssync_cabut_ok")
    if st.button("Cabut", icon=":material/block:", disabled=not (chosen and sure)):
        try:
            smssync.revoke_phone(engine, viewer, chosen)
        except smssync.PhoneError as exc:
            st.error(escape_markdown(exc))
        else:
            st.session_state["_gerbang_sms_notice"] = ("success", f"Rahasia ponsel «{escape_markdown(chosen)}» "
                                                                  "dicabut.")
            st.rerun()

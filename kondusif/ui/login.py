"""The login form and the change-password form (also the forced first-login step)."""

from __future__ import annotations

import streamlit as st

from kondusif import access, store
from kondusif.accounts import auth
from kondusif.model import Viewer
from kondusif.ui import session


def render_login() -> None:
    """Sign-in page: a plain HTML form posting to the server (kondusif.web.routes.login),
    which sets the HttpOnly session cookie and returns to this address; SSO when configured.
    Reads no data."""
    st.title("Masuk ke SiKondusif")
    st.caption("Sistem Informasi Kondusivitas Wilayah Kota Lubuklinggau")
    outcome = st.query_params.get("masuk")
    if outcome == "gagal":
        st.error(auth.LOGIN_FAILED)
    elif outcome == "dibatasi":
        st.error(auth.THROTTLED)
    notice = session.pop_notice()
    if notice:
        st.info(notice)
    elif st.query_params.get("keluar") == "1":
        st.info("Anda telah keluar.")
    left, _ = st.columns([2, 3])
    with left:
        st.html(session.login_form_html(st.session_state.get(session.LOGIN_NEXT_KEY) or "/"))
        if session.sso_available():
            st.divider()
            if st.button("Masuk dengan SSO", icon=":material/key:", width="stretch"):
                st.login()
        st.caption(
            "Lupa kata sandi atau akun terkunci? Hubungi operator SiKondusif di Bagian Pemerintahan Setda. "
            f"Setelah {auth.MAX_FAILED_ATTEMPTS} kali gagal, akun dikunci {auth.LOCK_MINUTES} menit."
        )


def render_change_password(viewer: Viewer) -> None:
    """Change one's own password; the forced step after a one-time password or PIN."""
    st.title("Ganti kata sandi")
    if (st.session_state.get(session.AUTH_KEY) or {}).get("sso"):
        st.info("Anda masuk dengan SSO: kata sandi diatur di penyedia SSO, bukan di SiKondusif.")
        return
    if session.must_change():
        st.warning("Anda masuk dengan kata sandi atau PIN sekali pakai. Buat yang baru sebelum melanjutkan.")
    rule = (
        f"PIN {auth.PIN_LENGTH} angka (tidak berurutan, tidak sama semua) atau kata sandi minimal "
        f"{auth.MIN_PASSWORD_LENGTH} karakter."
        if access.role_holds(viewer.role, "account.pin")
        else f"Minimal {auth.MIN_PASSWORD_LENGTH} karakter dan sulit ditebak: bukan nama pengguna, nama Anda, "
             "nama tempat atau kata umum. Paling mudah: tiga-empat kata acak yang tidak berhubungan."
    )
    left, _ = st.columns([2, 3])
    with left:
        with st.form("ganti_sandi", clear_on_submit=True):
            current = st.text_input("Kata sandi/PIN saat ini", type="password", autocomplete="current-password")
            new = st.text_input("Kata sandi/PIN baru", type="password", autocomplete="new-password", help=rule)
            confirm = st.text_input("Ulangi yang baru", type="password", autocomplete="new-password")
            submitted = st.form_submit_button("Simpan", type="primary", width="stretch")
        st.caption(rule)
    if submitted:
        try:
            epoch = auth.change_password(store.get_engine(), viewer.username, current, new, confirm)
        except auth.AuthError as exc:
            st.error(str(exc))
            return
        session.password_changed(epoch)
        st.session_state[session.NOTICE_KEY] = "Kata sandi baru tersimpan. Sesi di perangkat lain sudah diakhiri."
        st.rerun()

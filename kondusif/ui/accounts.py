"""Kelola akun screen (screens/admin_akun.py, admin only): list, create, deactivate, reset, change role/scope.

Every change goes through kondusif.accounts, one transaction with its audit row.
New and reset passwords are generated and shown exactly once.
"""

from __future__ import annotations

from typing import cast

import pandas as pd
import streamlit as st

from kondusif import accounts, registry, store
from kondusif.accounts.auth import AuthError, generate_secret_for
from kondusif.model import ROLE_LABELS, Role, Viewer
from kondusif.safe import escape_markdown
from kondusif.timeutil import format_wib
from kondusif.ui.health import render_health
from kondusif.ui.rt_registry import render_registry_section
from lubuklinggau_geo import gazetteer

SHOWN_ONCE_KEY = "_admin_akun_secret"
ALL_CITY = ""
KEC = gazetteer.kecamatan().set_index("kode")["nama"].to_dict()
KEL = gazetteer.kelurahan().set_index("kode")
ROLES = list(Role)


def _kel_label(kode: str) -> str:
    return "-" if not kode else f"{KEL.at[kode, 'nama']} (Kec. {KEL.at[kode, 'kecamatan']})"


def _remember_secret(username: str, secret: str, what: str) -> None:
    st.session_state[SHOWN_ONCE_KEY] = {"username": username, "secret": secret, "what": what}


def render(viewer: Viewer) -> None:
    """Account administration: health figures, the account list, new accounts, changes."""
    engine = store.get_engine()
    st.title("Kelola akun")
    render_health(engine)  # issue 13: store size, free disk, last backup, WAL, queue, failing alerts

    shown = st.session_state.pop(SHOWN_ONCE_KEY, None)
    if shown:
        label = "PIN" if shown["secret"].isdigit() else "Kata sandi"
        st.success(f"{shown['what']} «{escape_markdown(shown['username'])}». {label} sekali pakai di bawah ini hanya ditampilkan "
                   "SEKARANG; catat dan serahkan kepada pemilik akun. Ia wajib menggantinya saat pertama masuk.")
        st.code(shown["secret"], language=None)

    demo_active = accounts.active_demo_accounts(engine)
    if demo_active:
        st.warning("Akun DEMO masih aktif: " + ", ".join(demo_active)
                   + ". Nonaktifkan sebelum aplikasi dipakai sungguhan.")
    rt_reg = registry.rt_registry(engine)
    if registry.registry_is_sample(rt_reg):
        st.info("Daftar RT yang dipakai masih CONTOH (522 RT, bukan data resmi Setda); akun RT mengikuti daftar itu.")

    tab_list, tab_new, tab_edit, tab_rt = st.tabs(["Daftar akun", "Buat akun", "Ubah akun", "Daftar RT resmi"])
    with tab_rt:  # issue 31: the official RT list, then RT accounts and their cards
        render_registry_section(engine, viewer)

    df = accounts.list_accounts(engine, viewer)

    with tab_list:
        c1, c2 = st.columns([1, 2])
        role_filter = c1.selectbox("Peran", [None, *ROLES], format_func=lambda r: "Semua peran" if r is None
                                   else ROLE_LABELS[r])
        text = c2.text_input("Cari nama pengguna atau nama", max_chars=64)
        view = df
        if role_filter is not None:
            view = view[view["role"] == role_filter.value]
        if text.strip():
            needle = text.strip().lower()
            view = view[view["username"].str.contains(needle, regex=False)
                        | view["display_name"].str.lower().str.contains(needle, regex=False)]
        m1, m2, m3 = st.columns(3)
        m1.metric("Akun", len(df))
        m2.metric("Aktif", int(df["active"].sum()) if len(df) else 0)
        m3.metric("Akun RT / RT terdaftar", f"{int((df['role'] == 'rt').sum()) if len(df) else 0} / {len(rt_reg)}")
        table = pd.DataFrame({
            "Nama pengguna": view["username"],
            "Nama": view["display_name"],
            "Peran": [ROLE_LABELS[Role(r)] for r in view["role"]],
            "Lingkup": view["scope"],
            "Aktif": view["active"].astype(bool),
            "Wajib ganti sandi": view["must_change"].astype(bool),
            "Terakhir masuk": [format_wib(v) if v is not None and v == v else "-" for v in view["last_login"]],
            "Terkunci sampai": [format_wib(v) if v is not None and v == v else "" for v in view["locked_until"]],
            "SSO": view["oidc_subject"].notna(),
        })
        # Issue 12.11: columns that say nothing here are left out, so "Terakhir masuk" is not cut off.
        if not (table["Terkunci sampai"] != "").any():
            table = table.drop(columns=["Terkunci sampai"])
        if not table["SSO"].any():
            table = table.drop(columns=["SSO"])
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "Aktif": st.column_config.CheckboxColumn(width="small"),
            "Wajib ganti sandi": st.column_config.CheckboxColumn("Ganti sandi", width="small",
                                                                 help="Wajib ganti kata sandi sekali pakai"),
            "Terakhir masuk": st.column_config.TextColumn(width="medium"),
        })
        st.caption("Kata sandi tidak pernah ditampilkan: yang tersimpan hanya hash argon2id.")

    with tab_new:
        with st.form("akun_baru", clear_on_submit=False):
            username = st.text_input("Nama pengguna", max_chars=64, help="huruf kecil, angka, titik, _ atau -",
                                     key="baru_username")
            name = st.text_input("Nama tampilan", max_chars=120, key="baru_nama")
            role = st.selectbox("Peran", ROLES, format_func=lambda r: ROLE_LABELS[r], key="baru_peran",
                                index=None, placeholder="Pilih peran")
            kec = st.selectbox("Kecamatan (hanya panwaslu)", [ALL_CITY, *KEC], key="baru_kecamatan",
                               format_func=lambda k: "Seluruh kota" if not k else KEC[k])
            c1, c2 = st.columns([3, 1])
            kel = c1.selectbox("Kelurahan (hanya Ketua RT)", ["", *KEL.index], format_func=_kel_label,
                               key="baru_kelurahan")
            rt = c2.number_input("RT (hanya Ketua RT)", min_value=0, max_value=999, step=1, value=0, key="baru_rt")
            ok = st.form_submit_button("Buat akun", type="primary")
        st.caption("Kata sandi (PIN 6 angka untuk Ketua RT) dibuat acak, ditampilkan sekali, dan wajib diganti "
                   "saat pertama masuk.")
        if ok and role is None:
            st.error("Akun tidak dibuat: pilih perannya dulu.")
        elif ok and role is not None:
            secret = generate_secret_for(role)
            try:
                created = accounts.create_account(
                    engine, viewer, username, role, secret, display_name=name,
                    kecamatan=kec or None, kelurahan=kel or None, rt=int(rt) or None, must_change=True)
            except AuthError as exc:
                st.error(f"Akun tidak dibuat: {escape_markdown(exc)}")
            else:
                _remember_secret(created["username"], secret, "Akun dibuat")
                st.rerun()

    with tab_edit:
        if df.empty:
            st.info("Belum ada akun.")
        else:
            labels = {r.username: f"{r.username} - {r.display_name or '-'} ({r.role})" for r in df.itertuples()}
            chosen = cast(str, st.selectbox("Akun", list(labels), format_func=lambda u: labels[u], key="akun_pilih"))
            acc = accounts.get_account(engine, viewer, chosen)
            if acc is None:
                st.error("Akun tidak ditemukan (mungkin baru saja diubah). Muat ulang halaman.")
                st.stop()
            acc_role = Role(acc["role"])
            st.markdown(
                f"**{escape_markdown(acc['display_name'] or acc['username'])}** · {ROLE_LABELS[acc_role]} · "
                f"{accounts.scope_label(acc_role, acc['kecamatan'], acc['kelurahan'], acc['rt'])} · "
                + ("aktif" if acc["active"] else "**nonaktif**")
                + (" · wajib ganti sandi" if acc["must_change"] else "")
                + (f" · terkunci sampai {format_wib(acc['locked_until'])}" if acc["locked_until"] else "")
            )
            b1, b2 = st.columns(2)
            if acc["active"]:
                if b1.button("Nonaktifkan akun", icon=":material/block:", disabled=chosen == viewer.username):
                    try:
                        accounts.set_active(engine, viewer, chosen, False)
                    except AuthError as exc:
                        st.error(str(exc))
                    else:
                        st.rerun()
            elif b1.button("Aktifkan kembali", icon=":material/check_circle:"):
                accounts.set_active(engine, viewer, chosen, True)
                st.rerun()
            confirm = b2.checkbox("Saya yakin mengganti kata sandinya", key=f"reset_ok_{chosen}")
            if b2.button("Reset kata sandi", icon=":material/lock_reset:", disabled=not confirm):
                secret = accounts.reset_password(engine, viewer, chosen)
                _remember_secret(chosen, secret, "Kata sandi direset untuk")
                st.rerun()

            st.subheader("Peran dan lingkup")
            with st.form(f"ubah_{chosen}"):
                new_name = st.text_input("Nama tampilan", value=acc["display_name"] or "", max_chars=120)
                new_role = st.selectbox("Peran", ROLES, index=ROLES.index(acc_role), format_func=lambda r: ROLE_LABELS[r])
                kec_opts = [ALL_CITY, *KEC]
                new_kec = st.selectbox("Kecamatan (hanya panwaslu)", kec_opts,
                                       index=kec_opts.index(acc["kecamatan"]) if acc["kecamatan"] in KEC else 0,
                                       format_func=lambda k: "Seluruh kota" if not k else KEC[k])
                c1, c2 = st.columns([3, 1])
                kel_opts = ["", *KEL.index]
                new_kel = c1.selectbox("Kelurahan (hanya Ketua RT)", kel_opts,
                                       index=kel_opts.index(acc["kelurahan"]) if acc["kelurahan"] in KEL.index else 0,
                                       format_func=_kel_label)
                new_rt = c2.number_input("RT (hanya Ketua RT)", min_value=0, max_value=999, step=1,
                                         value=int(acc["rt"]) if acc["rt"] is not None else 0)
                sso = st.text_input("Subjek SSO (klaim sub), kosongkan bila tidak memakai SSO",
                                    value=acc["oidc_subject"] or "", max_chars=255)
                save = st.form_submit_button("Simpan perubahan", type="primary")
            st.caption("Mengubah peran atau lingkup langsung mengakhiri semua sesi akun itu.")
            if save:
                try:
                    changed = accounts.update_account(
                        engine, viewer, chosen, new_role, display_name=new_name,
                        kecamatan=new_kec or None, kelurahan=new_kel or None, rt=int(new_rt) or None)
                    if (sso.strip() or None) != acc["oidc_subject"]:
                        accounts.link_oidc(engine, viewer, chosen, sso)
                        changed = True
                except AuthError as exc:
                    st.error(f"Tidak disimpan: {escape_markdown(exc)}")
                else:
                    if changed:
                        st.rerun()
                    st.info("Tidak ada yang berubah.")

            st.subheader("Riwayat")
            hist = accounts.history(engine, viewer, chosen)
            if hist.empty:
                st.caption("Belum ada riwayat.")
            else:
                st.dataframe(pd.DataFrame({
                    "Waktu": [format_wib(pd.Timestamp(t).to_pydatetime()) for t in hist["at"]],
                    "Oleh": hist["actor"], "Tindakan": hist["action"], "Catatan": hist["note"].fillna(""),
                }).iloc[::-1], hide_index=True, width="stretch")

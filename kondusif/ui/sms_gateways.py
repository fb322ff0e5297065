"""Gerbang SMS screen (screens/gerbang_sms.py; admin, issue 15): the gateways' state, the SMSsync phones (one credential each), the Ketua RT numbers.

Figures come from kondusif.sms.gateways (the store, shared by every process and the Gammu
reader); numbers are registered through kondusif.sms.senders on the RT account.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from kondusif import accounts, store
from kondusif.accounts.auth import AuthError
from kondusif.model import Viewer
from kondusif.safe import escape_markdown
from kondusif.sms import gateways, senders, smssync
from kondusif.timeutil import format_wib
from kondusif.ui import sms_phones
from lubuklinggau_geo import gazetteer

NOTICE_KEY = "_gerbang_sms_notice"



PICKED_ACCOUNT = "gerbang_rt_akun_pilihan"  # the account picked last, kept across a new picker key


def _account_picker(names: list[str], label, phone_of: dict) -> str:
    """The RT account select box; its labels carry each account's number.

    The browser keeps the label it showed for a keyed select box even when the server
    sends new labels, so after a number is saved the box still said "belum ada nomor"
    (issue 30.6). The key therefore changes with the numbers, and the pick is carried over.
    """
    digest = hashlib.sha1(repr(sorted(phone_of.items())).encode()).hexdigest()[:10]
    last = st.session_state.get(PICKED_ACCOUNT)
    chosen = st.selectbox("Akun Ketua RT", names, format_func=label, key=f"gerbang_rt_akun_{digest}",
                          index=names.index(last) if last in names else 0,
                          placeholder="Pilih atau ketik nama kelurahan")
    st.session_state[PICKED_ACCOUNT] = chosen
    return chosen

def _when(value) -> str:
    return format_wib(value) if value is not None and value == value else "-"


def _notice(kind: str, text: str) -> None:
    st.session_state[NOTICE_KEY] = (kind, text)


def render(viewer: Viewer) -> None:
    """Both channels' state, then tabs: Ketua RT numbers, the SMSsync phone, the latest SMS."""
    engine = store.get_engine()
    st.title("Gerbang SMS")
    st.caption("Laporan Ketua RT lewat SMS: modem USB dengan Gammu, atau ponsel Android dengan aplikasi SMSsync. "
               "Angka di halaman ini dibaca dari basis data, jadi sama untuk semua proses aplikasi.")

    shown = st.session_state.pop(NOTICE_KEY, None)
    if shown:
        getattr(st, shown[0])(shown[1])

    quiet = gateways.silence(engine, viewer)
    if quiet is not None:
        st.error(escape_markdown(quiet.message()), icon=":material/sms_failed:")

    for state, col in zip(gateways.gateway_states(engine, viewer), st.columns(2), strict=False):
        with col.container(border=True):
            st.subheader(state.label)
            a, b = st.columns(2)
            a.metric("SMS 1 jam terakhir", state.last_hour)
            b.metric("Balasan belum terkirim", "-" if state.outbox_waiting is None else state.outbox_waiting,
                     help="Gammu: baris yang menunggu di tabel outbox; SMSsync: balasan yang belum diambil ponsel "
                          "(rinciannya di tab Ponsel Android)")
            st.markdown(f"SMS terakhir: **{_when(state.last_received_at)}**  \n"
                        f"Kontak terakhir gerbang: **{_when(state.seen_at)}**")
            if state.stale:
                st.error(f"Pembaca SMS tidak memberi kabar sejak {_when(state.seen_at)}: periksa pekerja latar "
                         "(sikondusif-worker, pengaturan gammu.db_url) dan gammu-smsd.")
            recovered = state.last_error_at is not None and state.seen_at is not None \
                and state.seen_at > state.last_error_at  # a good contact came after the error
            if state.last_error and recovered:
                st.caption(f"Galat terakhir ({_when(state.last_error_at)}, sesudahnya gerbang tersambung lagi): "
                           f"{escape_markdown(state.last_error)}")
            elif state.last_error:
                st.warning(f"Galat terakhir ({_when(state.last_error_at)}): {escape_markdown(state.last_error)}")
            elif state.seen_at is None:
                st.caption("Gerbang ini belum pernah menghubungi aplikasi.")

    tab_rt, tab_phone, tab_log = st.tabs(["Nomor HP Ketua RT", "Ponsel Android (SMSsync)", "SMS terakhir"])

    with tab_rt:
        st.markdown("SMS dari nomor yang terdaftar langsung menjadi laporan untuk RT akun itu (RT yang ditulis di "
                    "SMS tidak dapat memindahkannya). SMS dari nomor lain masuk antrean tinjauan di halaman "
                    "*Antrean periksa*.")
        rt_accounts = accounts.list_accounts(engine, viewer, role="rt")
        phones = senders.registered_phones(engine, viewer)
        phone_of = dict(zip(phones["username"], phones["phone"], strict=True))
        if rt_accounts.empty:
            st.info("Belum ada akun Ketua RT. Buat dulu di halaman Kelola akun (atau `users bulk-rt`).")
        else:
            def _label(name: str) -> str:
                row = rt_accounts.set_index("username").loc[name]
                try:
                    kel = gazetteer.kelurahan_name(row["kelurahan"]) if row["kelurahan"] else "-"
                except KeyError:
                    kel = str(row["kelurahan"])
                rt = f"RT {int(row['rt']):03d}" if row["rt"] is not None and row["rt"] == row["rt"] else "RT -"
                return f"{rt} {kel} · {name} · {phone_of.get(name) or 'belum ada nomor'}"

            chosen = _account_picker(list(rt_accounts["username"]), _label, phone_of)
            with st.form(f"nomor_{chosen}"):
                number = st.text_input("Nomor HP untuk SMS", value=phone_of.get(chosen) or "", max_chars=32,
                                       help="Boleh ditulis 0812…, 62812… atau +62 812-…; disimpan sebagai +62…. "
                                            "Kosongkan untuk menghapus.")
                save = st.form_submit_button("Simpan nomor", type="primary")
            if save:
                try:
                    stored = senders.set_phone(engine, viewer, chosen, number)
                except AuthError as exc:
                    st.error(f"Nomor tidak disimpan: {escape_markdown(exc)}")
                else:
                    _notice("success", f"Nomor {stored} terdaftar untuk {chosen}." if stored
                            else f"Nomor SMS {chosen} dihapus.")
                    st.rerun()
        st.divider()
        st.markdown("**Dari daftar RT**: kolom `telepon` daftar RT resmi dipasang ke akun RT-nya sekaligus; baris yang "
                    "tidak dapat dipasang disebutkan satu per satu.")
        if st.button("Pasang nomor dari daftar RT", icon=":material/contacts:"):
            result = senders.phones_from_registry(engine, viewer)
            text = result.summary() + "."
            if result.skipped:
                text += " Dilewati: " + "; ".join(result.skipped[:20]) + (" …" if len(result.skipped) > 20 else "")
            _notice("info", escape_markdown(text))
            st.rerun()
        if len(phones):
            st.dataframe(pd.DataFrame({"Akun": phones["username"], "RT": phones["rt"],
                                       "Kelurahan": [gazetteer.kelurahan_name(k) if k else "-" for k in phones["kelurahan"]],
                                       "Nomor HP": phones["phone"], "Aktif": phones["active"].astype(bool)}),
                         hide_index=True, width="stretch")
        else:
            st.caption("Belum ada nomor terdaftar.")

    with tab_phone:
        page_url = str(getattr(st.context, "url", "") or "")
        parts = urlsplit(page_url)
        base = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "https://alamat-server-anda"
        st.markdown("Pasang aplikasi **SMSsync** (atau yang kompatibel) di ponsel Android berkartu SIM yang nomornya "
                    "dicetak di kartu LAPOR, daftarkan ponselnya di bawah, lalu di aplikasinya tambahkan *Sync URL* "
                    "berikut dan isi kolom *Secret* dengan rahasia ponsel itu. Nyalakan *Get reply from server* agar "
                    "tanda terima dikirim lewat ponsel yang sama.")
        st.text("Sync URL")
        st.code(base + smssync.SYNC_PATH, language=None)
        st.caption("Gunakan alamat publik server (https) bila aplikasi berada di belakang proksi.")
        sms_phones.render_phones(engine, viewer)
        counts = smssync.outbox_counts(engine, viewer)
        st.markdown("**Balasan lewat ponsel**: " + ", ".join(f"{label} {counts[key]}"
                                                            for key, label in smssync.STATE_LABELS.items()))
        phones_seen = smssync.devices(engine, viewer)
        if phones_seen:
            st.dataframe(pd.DataFrame({
                "Perangkat": [p["device_id"] or "(ditolak sebelum dikenali)" for p in phones_seen],
                "Kontak terakhir": [_when(p["last_seen_at"]) for p in phones_seen],
                "Alamat": [p["last_address"] or "-" for p in phones_seen],
                "Galat terakhir": [p["last_error"] or "" for p in phones_seen],
                "Waktu galat": [_when(p["last_error_at"]) if p["last_error"] else "" for p in phones_seen],
            }), hide_index=True, width="stretch")
        else:
            st.caption("Belum ada ponsel yang menghubungi aplikasi.")

    with tab_log:
        recent = gateways.recent_messages(engine, viewer, limit=50)
        if not recent:
            st.caption("Belum ada SMS masuk lewat gerbang.")
        else:
            st.dataframe(pd.DataFrame({
                "Diterima": [_when(r["stored_at"]) for r in recent],
                "Saluran": [gateways.CHANNEL_LABELS.get(r["channel"], r["channel"]) for r in recent],
                "Pengirim": [r["sender"] for r in recent],
                "Ponsel gerbang": [r["gateway_phone"] or "-" for r in recent],
                "Isi": [(r["text"] or "")[:160] for r in recent],
                "Hasil": [gateways.STATUS_LABELS.get(r["status"], r["status"]) for r in recent],
                "Nomor laporan": [r["report_no"] or "" for r in recent],
                "Balasan": [r["reply"] or "" for r in recent],
            }), hide_index=True, width="stretch")
            st.caption("SMS yang masuk antrean tinjauan diputuskan di halaman Impor laporan.")

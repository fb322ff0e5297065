"""Admin page section (issue 31): load the official RT list, then the RT accounts and their cards.

The logic is in `kondusif.registry` (read, diff, apply) and `kondusif.accounts` (bulk
RT accounts); this module only lays it out. The PINs are shown once, as two downloads.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from kondusif import accounts, registry
from kondusif.accounts import cards
from kondusif.accounts.auth import AuthError
from kondusif.errors import KondusifError
from kondusif.model import Viewer
from kondusif.safe import escape_markdown
from kondusif.timeutil import format_wib
from lubuklinggau_geo import gazetteer

_DONE_KEY = "_rt_registry_done"
_PINS_KEY = "_rt_registry_pins"


def _kel(kode: str) -> str:
    return gazetteer.kelurahan_name(kode)


def _table(rows: list[dict]) -> None:
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def render_registry_section(engine: Engine, viewer: Viewer) -> None:
    """Upload → preview (diff, row errors) → apply; list of RTs the list dropped; bulk RT accounts."""
    st.subheader("Daftar RT resmi")
    reg = registry.rt_registry(engine)
    if registry.registry_is_sample(reg):
        st.info("Yang dipakai sekarang daftar RT CONTOH (bukan data resmi Setda). Unggah daftar resmi dari "
                "Bagian Pemerintahan (CSV atau XLSX: kolom kelurahan atau kode kelurahan, RT, nama ketua, telepon).")
    else:
        st.caption(f"Daftar RT resmi dipakai: {len(reg)} RT di {reg['kode_kelurahan'].nunique()} kelurahan.")
    done = st.session_state.pop(_DONE_KEY, None)
    if done:
        st.success(done)
    upload = st.file_uploader("Berkas daftar RT (CSV ; atau , atau XLSX)", type=["csv", "xlsx"],
                              key="rt_registry_file")
    if upload is not None:
        _preview_and_apply(engine, viewer, upload.getvalue(), upload.name)
    removed = registry.removed_rts(engine, viewer)
    if len(removed):
        with st.expander(f"RT yang dihapus dari daftar resmi ({len(removed)}): disimpan dan ditandai"):
            st.caption("Laporan dan akun RT ini tetap tersimpan; RT-nya tidak lagi ditawarkan di formulir dan peta.")
            _table([{"Kelurahan": _kel(str(r.kode_kelurahan)), "RT": f"{int(r.rt):03d}",
                     "Ketua terakhir": r.nama_ketua or "-", "Dihapus": format_wib(r.removed_at)}
                    for r in removed.itertuples()])
    _render_bulk_accounts(engine, viewer)


def _preview_and_apply(engine: Engine, viewer: Viewer, data: bytes, name: str) -> None:
    try:
        parsed = registry.read_official(data, name)
    except KondusifError as exc:  # the message names the uploaded file, whose name the uploader chose
        st.error(escape_markdown(str(exc)))
        return
    st.write(f"{parsed.result.rows_read} baris dibaca, {len(parsed.frame)} RT baik.")
    if parsed.errors:
        st.error(f"{len(parsed.errors)} masalah di berkas. Daftar tidak bisa diterapkan sebelum diperbaiki "
                 "(RT yang hilang dari daftar akan dianggap dihapus).")
        _table([{"Baris": e.baris, "Kolom": e.kolom, "Masalah": e.pesan} for e in parsed.errors])
    diff = registry.preview_official(engine, viewer, parsed)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("RT baru", len(diff.added))
    c2.metric("RT dihapus", len(diff.removed))
    c3.metric("Ketua berganti", len(diff.renamed))
    c4.metric("Nomor HP baru", len(diff.new_phones))
    st.caption(escape_markdown(diff.summary()))
    if diff.added:
        with st.expander(f"RT baru ({len(diff.added)})"):
            _table([{"Kelurahan": _kel(k), "RT": f"{r:03d}"} for k, r in diff.added])
    shown_removed = ([x for x in diff.removed if x.reports or x.accounts or x.checkins] if diff.replaces_sample
                     else diff.removed)
    if shown_removed:
        with st.expander(f"RT dihapus yang punya laporan atau akun ({len(shown_removed)}): disimpan dan ditandai"):
            _table([{"Kelurahan": _kel(x.kode_kelurahan), "RT": f"{x.rt:03d}", "Laporan": x.reports,
                     "Kabar aman": x.checkins, "Akun": x.accounts} for x in shown_removed])
    if diff.renamed:
        with st.expander(f"Ketua berganti nama ({len(diff.renamed)})"):
            _table([{"Kelurahan": _kel(k), "RT": f"{r:03d}", "Lama": old or "-", "Baru": new or "-"}
                    for k, r, old, new in diff.renamed])
    if diff.new_phones:
        with st.expander(f"Nomor HP baru ({len(diff.new_phones)})"):
            _table([{"Kelurahan": _kel(k), "RT": f"{r:03d}", "Nomor": p} for k, r, p in diff.new_phones])
    blocked = bool(parsed.errors) or diff.empty
    if st.button("Terapkan daftar resmi", type="primary", disabled=blocked, key="rt_registry_apply"):
        try:
            outcome = registry.apply_official(engine, viewer, parsed)
        except KondusifError as exc:
            st.error(str(exc))
            return
        st.session_state[_DONE_KEY] = ("Daftar RT resmi diterapkan: " if outcome.applied else "") + outcome.message
        st.rerun()


def _render_bulk_accounts(engine: Engine, viewer: Viewer) -> None:
    st.subheader("Akun RT massal")
    pins = st.session_state.pop(_PINS_KEY, None)
    if pins:
        st.success(f"{pins['n']} akun RT dibuat/diberi PIN baru. Unduh kedua berkas SEKARANG: PIN tidak bisa "
                   "ditampilkan lagi. Simpan dengan aman dan hapus setelah kartu dibagikan.")
        d1, d2 = st.columns(2)
        d1.download_button("Daftar PIN (CSV)", pins["csv"], file_name="pin-rt.csv", mime="text/csv")
        d2.download_button("Kartu masuk (PDF)", pins["pdf"], file_name="kartu-rt.pdf", mime="application/pdf")
    try:
        plan = accounts.plan_rt_accounts(engine)
    except AuthError as exc:  # an RT's account name is taken by another role
        st.error(str(exc))
        return
    st.caption(f"{len(plan.credentials)} RT di daftar belum punya akun; {len(plan.skipped)} sudah punya. "
               "Akun baru mendapat PIN 6 angka sekali pakai (wajib diganti saat pertama masuk) dan kartu masuk. "
               "Kartu format SMS per RT: `python -m kondusif kartu-sms --per-rt`.")
    if st.button(f"Buat {len(plan.credentials)} akun RT", disabled=not plan.credentials, key="rt_bulk_create"):
        try:
            n = accounts.apply_rt_accounts(engine, viewer, plan)
        except (KondusifError, AuthError) as exc:
            st.error(str(exc))
            return
        st.session_state[_PINS_KEY] = {"n": n, "csv": cards.csv_bytes(plan.credentials),
                                       "pdf": cards.cards_pdf(plan.credentials, sample=plan.sample_registry)}
        st.rerun()

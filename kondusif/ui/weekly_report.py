"""Laporan mingguan screen (screens/laporan_mingguan.py): the weekly PDF snapshot: generate, preview, download, and the archive of past snapshots."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from kondusif import store
from kondusif.model import Viewer
from kondusif.report import archive, preview
from kondusif.report.week import IsoWeek, parse_week, report_weeks, week_of
from kondusif.safe import escape_markdown
from kondusif.timeutil import format_wib, now

ARCHIVE_BUTTONS = 30
PREVIEW_PAGES = 2


def _week_options(engine: Engine, viewer: Viewer) -> list[IsoWeek]:
    """Weeks that hold reports (or an archived snapshot), newest first; last week when none do."""
    archived = [parse_week(s.week) for s in archive.list_snapshots(engine)]
    return report_weeks(engine, viewer, archived) or [week_of(now()).previous()]


@st.cache_data(show_spinner=False, max_entries=16)
def _preview(sha256: str, _pdf: bytes) -> tuple[list[bytes], int]:
    return preview.page_images(_pdf, PREVIEW_PAGES), preview.page_count(_pdf)


def _loader(engine: Engine, week: str, version: int):
    def load() -> bytes:
        return archive.load_snapshot(engine, week, version)[1]
    return load


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB".replace(",", ".")


def render(viewer: Viewer) -> None:
    """Generate a week's PDF, preview and download its versions, and the archive."""
    engine = store.get_engine()
    st.title("Laporan mingguan")
    st.caption(
        "Dokumen PDF mingguan untuk Walikota dan Panwaslu Kota: tingkat kondusivitas per kelurahan, peta, "
        "tren, laporan berat, dan tindak lanjut yang lewat tenggat. Mencakup seluruh Kota Lubuklinggau, tanpa "
        "nama atau nomor telepon pelapor. Setiap pembuatan diarsipkan sebagai versi baru; unduhan dari arsip "
        "identik byte demi byte dengan dokumen yang dibuat."
    )
    if store.has_simulated(engine):
        st.warning("Basis data berisi laporan SIMULASI: laporan mingguan akan menandainya di setiap halaman.",
                   icon=":material/science:")

    options = _week_options(engine, viewer)
    week: IsoWeek = st.selectbox(
        "Minggu (Senin 00.00 – Minggu 24.00 WIB)", options, index=0,
        # issue 30.5: the week in words, not "2018-W25"; typed text matches as written, not loosely (12.9)
        format_func=lambda w: w.short_label, key="laporan_minggu", filter_mode="contains",
        help="Minggu yang memiliki laporan, terbaru di atas. Ketik misalnya «24 Jun».",
    )
    if week.end > now():
        st.info("Minggu ini belum selesai: laporan yang dibuat sekarang hanya memuat data sampai saat ini.",
                icon=":material/schedule:")

    if st.button("Buat laporan PDF", type="primary", icon=":material/picture_as_pdf:",
                 help="Membuat versi baru untuk minggu ini; versi lama tetap di arsip.", key="buat_laporan"):
        from kondusif.report import build

        with st.spinner(f"Menyusun laporan {week.short_label}…"):
            info, built = build.generate_snapshot(engine, week, viewer.username)
        seconds = sum(built.timings.values())
        st.session_state["laporan_dibuat"] = (info.week, info.version)
        st.success(f"Laporan {parse_week(info.week).short_label} versi {info.version} dibuat dan diarsipkan ({_size(info.size)}, "
                   f"{seconds:.1f} detik).", icon=":material/task_alt:")

    snaps = archive.list_snapshots(engine, week)
    st.subheader(f"Laporan {week.short_label}")
    if not snaps:
        st.info("Belum ada laporan untuk minggu ini. Tekan «Buat laporan PDF».", icon=":material/description:")
    else:
        versions = [s.version for s in snaps]
        chosen = st.selectbox("Versi", versions, index=0, key=f"versi_{week.key}",
                              format_func=lambda v: f"versi {v}" + (" (terbaru)" if v == versions[0] else ""))
        info, pdf = archive.load_snapshot(engine, week, chosen)
        st.caption(f"Versi {info.version} · dibuat {escape_markdown(format_wib(info.created_at))} oleh {escape_markdown(info.created_by)} · "
                   f"{_size(info.size)} · SHA-256 `{info.sha256}`")
        st.download_button("Unduh PDF", pdf, file_name=info.filename, mime="application/pdf",
                           type="primary", icon=":material/download:", key=f"unduh_{info.week}_{info.version}",
                           on_click="ignore")
        images, n_pages = _preview(info.sha256, pdf)
        if images:
            st.caption(f"Pratinjau {len(images)} dari {n_pages} halaman; unduh PDF untuk dokumen lengkap.")
            cols = st.columns(len(images))
            for i, (col, png) in enumerate(zip(cols, images, strict=True), start=1):
                col.image(png, caption=f"Halaman {i}", width="stretch")
        else:
            st.info("Pratinjau halaman tidak tersedia (pustaka pypdfium2 belum terpasang); unduh PDF untuk "
                    "melihatnya.")

    st.subheader("Arsip laporan")
    all_snaps = archive.list_snapshots(engine)
    if not all_snaps:
        st.info("Arsip masih kosong.")
    else:
        table = pd.DataFrame(
            {
                "Minggu": [parse_week(s.week).short_label for s in all_snaps],
                "Versi": [s.version for s in all_snaps],
                "Dibuat (WIB)": [format_wib(s.created_at) for s in all_snaps],
                "Oleh": [s.created_by for s in all_snaps],
                "Ukuran": [_size(s.size) for s in all_snaps],
                "SHA-256": [s.sha256 for s in all_snaps],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(f"{len(all_snaps)} laporan di arsip. Tombol unduh untuk {min(len(all_snaps), ARCHIVE_BUTTONS)} "
                   "yang terbaru; yang lebih lama dapat dipilih lewat daftar minggu di atas.")
        for s in all_snaps[:ARCHIVE_BUTTONS]:
            c1, c2 = st.columns([4, 1], vertical_alignment="center")
            c1.markdown(f"**{parse_week(s.week).short_label}** versi {s.version} · {escape_markdown(format_wib(s.created_at))} · {escape_markdown(s.created_by)} · "
                        f"{escape_markdown(_size(s.size))}")
            c2.download_button("Unduh", _loader(engine, s.week, s.version), file_name=s.filename, mime="application/pdf",
                               key=f"arsip_{s.week}_{s.version}", icon=":material/download:", on_click="ignore")

"""Impor laporan: spreadsheets (KoboToolbox, Ushahidi, any CSV/XLSX), WhatsApp/SMS exports, review queue.

Always preview first (good / rejected with row, field and reason / already
there), then one click stores every good row in one transaction. User text is
shown only through st.dataframe / st.text, never as HTML.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time

import pandas as pd
import streamlit as st

from kondusif import store
from kondusif.config import settings
from kondusif.intake import layouts, pipeline, review
from kondusif.intake.files import FileRefused, read_table
from kondusif.intake.validate import title_from_text
from kondusif.model import CATEGORY_LABELS, Category, Role, Severity, Viewer
from kondusif.safe import escape_markdown
from kondusif.timeutil import WIB, format_wib, now, to_wib
from kondusif.ui import guard
from lubuklinggau_geo import gazetteer

NONE = "— tidak ada —"
LAYOUTS = {"kobo": "KoboToolbox", "ushahidi": "Ushahidi", "otomatis": "dikenali dari nama kolom",
           "tersimpan": "pemetaan yang pernah disimpan", "manual": "pemetaan Anda"}

viewer = guard.require_page("impor")
engine = store.get_engine()


def _metrics(pairs: list[tuple[str, int]]) -> None:
    for col, (label, value) in zip(st.columns(len(pairs)), pairs, strict=True):
        col.metric(label, f"{value:,}".replace(",", "."))


def _kel_options(v: Viewer) -> list[str]:
    kel = gazetteer.kelurahan().sort_values("nama")
    if v.role == Role.PANWASLU and v.kecamatan:
        kel = kel[kel["kode_kecamatan"] == v.kecamatan]
    return kel["kode"].tolist()


def _kel_label(code: str) -> str:
    rec = gazetteer.kelurahan_by_code(code)
    return f"{rec['nama']} ({rec['kecamatan']})"


# --------------------------------------------------------------------------- files


def _mapping_editor(header: list[str], base: layouts.ColumnMapping, sig: str) -> layouts.ColumnMapping:
    """Selectboxes per target field, preset from the detected or remembered mapping."""
    options = [NONE, *header]
    chosen: dict[str, str] = {}
    cols = st.columns(2)
    for i, (target, label) in enumerate(layouts.TARGETS.items()):
        current = base.ref_column if target == "ref" else base.columns.get(target)
        pick = cols[i % 2].selectbox(label, options, index=options.index(current) if current in options else 0,
                                     key=f"impor_map_{sig[:10]}_{target}")
        if pick != NONE:
            chosen[target] = pick
    ref = chosen.pop("ref", None)
    changed = chosen != base.columns or ref != base.ref_column
    layout = ("manual" if base.layout in ("otomatis", "tersimpan") else base.layout) if changed else base.layout
    prefix = base.ref_prefix if layout in ("kobo", "ushahidi") and ref == base.ref_column else "ref"
    return layouts.ColumnMapping(chosen, layout, ref, prefix, base.fallback_time, list(base.utc_columns))


def _file_tab(v: Viewer) -> None:
    st.write("CSV (pemisah koma atau titik koma; UTF-8 atau Windows-1252) atau XLSX. Ekspor KoboToolbox dan "
             "Ushahidi dikenali otomatis; berkas lain cukup dipetakan kolomnya sekali.")
    up = st.file_uploader("Berkas laporan", type=["csv", "xlsx", "txt"], key="impor_file",
                          max_upload_size=max(1, settings().max_upload_bytes // (1024 * 1024)))
    done = st.session_state.get("impor_file_done")
    if done:
        st.success(f"Impor selesai: {done}")
    if up is None:
        return
    data = up.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    try:
        header = read_table(data, up.name).header
    except FileRefused as exc:
        st.error(escape_markdown(str(exc)))
        return
    base = layouts.resolve_mapping(engine, header)
    sig = layouts.signature(header)
    with st.expander(f"Pemetaan kolom — {LAYOUTS.get(base.layout, base.layout)}", expanded=not base.complete):
        mapping = _mapping_editor(header, base, sig)
        missing = mapping.missing()
        if missing:
            st.warning("Belum dipetakan: " + escape_markdown(", ".join(missing)))
    if mapping.missing():
        return
    cache_key = (sha, mapping.to_json())
    cached = st.session_state.get("impor_file_preview")
    if not cached or cached[0] != cache_key:
        with st.spinner("Memeriksa setiap baris…"):
            try:
                preview = pipeline.preview_file(engine, data, up.name, v, mapping)
            except FileRefused as exc:
                st.error(escape_markdown(str(exc)))
                return
        st.session_state["impor_file_preview"] = (cache_key, preview)
    else:
        preview = cached[1]
    st.caption(escape_markdown(f"{preview.table.describe()}. " + " ".join(preview.table.notes)))
    if preview.problems:
        st.error(escape_markdown("; ".join(preview.problems)))
        return
    _metrics([("Baris data", preview.rows_in), ("Baik", preview.good), ("Ditolak", preview.rejected),
              ("Sudah ada", preview.existing)])
    st.caption(f"{preview.rows_in} = {preview.good} baik + {preview.rejected} ditolak + {preview.existing} sudah "
               "ada (diimpor sebelumnya atau kembar di berkas ini).")
    if preview.rejected:
        st.subheader("Baris yang ditolak")
        st.dataframe(preview.rejected_frame(), hide_index=True, width="stretch")
        st.download_button("Unduh baris yang ditolak (CSV)", preview.rejects_csv(),
                           file_name=f"ditolak_{up.name.rsplit('.', 1)[0]}.csv", mime="text/csv")
    warned = [(r.row, str(w)) for r in preview.results if r.status == "baik" for w in r.warnings]
    if warned:
        with st.expander(f"Peringatan pada {len({r for r, _ in warned})} baris baik (tetap diimpor)"):
            st.dataframe(pd.DataFrame(warned[:500], columns=["baris", "peringatan"]), hide_index=True,
                         width="stretch")
    good = [r for r in preview.results if r.status == "baik"]
    if good:
        with st.expander("Contoh baris baik"):
            st.dataframe(pd.DataFrame([{
                "baris": r.row, "kelurahan": gazetteer.kelurahan_name(r.record["kode_kelurahan"]),
                "rt": r.record["rt"], "kategori": CATEGORY_LABELS[Category(r.record["category"])],
                "tingkat": r.record["severity"], "waktu": format_wib(r.record["occurred_at"]),
                "judul": r.record["title"]} for r in good[:50]]), hide_index=True, width="stretch")
    if st.button(f"Impor {preview.good} laporan", type="primary", disabled=not preview.good, key="impor_file_go"):
        if mapping.layout == "manual":
            layouts.save_mapping(engine, header, mapping, v.username)
        result = pipeline.commit_file(engine, preview, v)
        st.session_state.pop("impor_file_preview", None)
        st.session_state["impor_file_done"] = result.summary()
        st.rerun()


# --------------------------------------------------------------------------- chats


def _chat_tab(v: Viewer) -> None:
    st.write("Ekspor chat WhatsApp (.txt, Android atau iPhone, tanpa media) atau SMS satu per baris "
             "(`2018-06-20 14:32;+62812…;isi pesan`). Pesan yang tidak terbaca pasti masuk antrean tinjauan.")
    up = st.file_uploader("Berkas chat", type=["txt", "csv"], key="impor_chat",
                          max_upload_size=max(1, settings().max_upload_bytes // (1024 * 1024)))
    done = st.session_state.get("impor_chat_done")
    if done:
        st.success(f"Impor chat selesai: {done}")
    c1, c2 = st.columns(2)
    channel = c1.radio("Jenis", ["otomatis", "whatsapp", "sms"], horizontal=True, key="impor_chat_channel",
                       format_func={"otomatis": "Otomatis", "whatsapp": "WhatsApp", "sms": "SMS"}.get)
    kel = c2.selectbox("Kelurahan grup (bila pesan tidak menyebut)", _kel_options(v), index=None,
                       format_func=_kel_label, placeholder="tidak ada", key="impor_chat_kel")
    if up is None:
        return
    data = up.getvalue()
    cache_key = (hashlib.sha256(data).hexdigest(), channel, kel)
    cached = st.session_state.get("impor_chat_preview")
    if not cached or cached[0] != cache_key:
        try:
            with st.spinner("Membaca pesan…"):
                preview = pipeline.preview_chat(engine, data, up.name, v, None if channel == "otomatis" else channel,
                                                default_kelurahan=kel)
        except FileRefused as exc:
            st.error(escape_markdown(str(exc)))
            return
        st.session_state["impor_chat_preview"] = (cache_key, preview)
    else:
        preview = cached[1]
    st.caption(preview.chat.describe())
    _metrics([("Pesan", preview.rows_in), ("Laporan terbaca", preview.good), ("Perlu ditinjau", preview.queued),
              ("Ditolak", preview.rejected), ("Sudah ada", preview.existing)])
    st.caption(f"{preview.rows_in} = {preview.good} laporan + {preview.queued} antrean tinjauan + "
               f"{preview.rejected} ditolak + {preview.existing} sudah ada.")
    for status, title in (("baik", "Laporan terbaca"), ("antri", "Masuk antrean tinjauan"),
                          ("ditolak", "Ditolak (bukan laporan)"), ("sudah_ada", "Sudah ada")):
        frame = preview.frame(status)
        if len(frame):
            with st.expander(f"{title} ({len(frame)})"):
                st.dataframe(frame, hide_index=True, width="stretch")
    if preview.rejected:
        st.download_button("Unduh pesan yang ditolak (CSV)", preview.rejects_csv(),
                           file_name=f"ditolak_{up.name.rsplit('.', 1)[0]}.csv", mime="text/csv")
    n = preview.good + preview.queued
    if st.button(f"Simpan {preview.good} laporan dan {preview.queued} pesan antrean", type="primary",
                 disabled=not n, key="impor_chat_go"):
        result = pipeline.commit_chat(engine, preview, v)
        st.session_state.pop("impor_chat_preview", None)
        st.session_state["impor_chat_done"] = result.summary()
        st.rerun()


# --------------------------------------------------------------------------- review queue


def _queue_tab(v: Viewer) -> None:
    counts = review.queue_counts(engine)
    st.write(f"Menunggu: **{counts['antri']}** · dijadikan laporan: {counts['diklasifikasi']} · "
             f"dibuang: {counts['dibuang']}")
    note = st.session_state.pop("impor_queue_note", None)
    if note:
        st.success(note)
    items = review.queue_frame(engine, "antri", limit=200)
    if items.empty:
        st.info("Antrean kosong.")
        return
    labels = {int(r.id): f"#{r.id} · {format_wib(r.sent_at) if r.sent_at else '-'} · {(r.sender or '')[:30]} · "
                         f"{' '.join(str(r.text).split())[:60]}" for r in items.itertuples()}
    pick = st.selectbox("Pesan", list(labels), format_func=labels.get, key="impor_queue_pick")
    item = items[items["id"] == pick].iloc[0]
    st.caption("Alasan masuk antrean: " + escape_markdown(item["reason"]))
    st.text(str(item["text"]))  # as typed, never rendered as markdown/HTML
    guess = item["guess"] or {}
    _classify_form(v, item, guess)
    with st.form(f"impor_discard_{pick}", border=True):
        reason = st.text_input("Alasan membuang (wajib)", key=f"impor_discard_reason_{pick}")
        if st.form_submit_button("Buang pesan"):
            try:
                review.discard(engine, int(pick), reason, v)
            except review.ReviewError as exc:
                st.error(escape_markdown(str(exc)))
            else:
                st.session_state["impor_queue_note"] = f"Pesan #{pick} dibuang."
                st.rerun()


def _classify_form(v: Viewer, item: pd.Series, guess: dict) -> None:
    pick = int(item["id"])
    kel_opts = _kel_options(v)
    kel_guess = guess.get("kelurahan")
    cats = guess.get("kategori") or []
    sent = to_wib(item["sent_at"]) if item["sent_at"] is not None and not pd.isna(item["sent_at"]) else to_wib(now())
    cal = settings().calendar
    with st.form(f"impor_classify_{pick}", border=True):
        st.markdown("**Jadikan laporan**")
        kel = st.selectbox("Kelurahan", kel_opts, format_func=_kel_label,
                           index=kel_opts.index(kel_guess) if kel_guess in kel_opts else None,
                           placeholder="Pilih kelurahan")
        rt = st.number_input("RT", min_value=1, max_value=999, step=1, value=guess.get("rt") or None,
                             placeholder="nomor RT")
        cat_opts = [c.value for c in Category]
        cat = st.selectbox("Kategori", cat_opts, format_func=lambda c: CATEGORY_LABELS[Category(c)],
                           index=cat_opts.index(cats[0]) if len(cats) == 1 else None, placeholder="Pilih kategori")
        sev_opts = [s.value for s in Severity]
        sev = st.radio("Tingkat", sev_opts, format_func=lambda s: Severity(s).label, horizontal=True,
                       index=sev_opts.index(guess.get("tingkat") or "sedang"))
        c1, c2 = st.columns(2)
        day = c1.date_input("Tanggal", value=max(sent.date(), cal.season_start), min_value=cal.season_start,
                            max_value=max(to_wib(now()).date(), cal.season_start), format="DD/MM/YYYY")
        at = c2.time_input("Jam (WIB)", value=time(sent.hour, sent.minute), step=60)
        title = st.text_input("Judul", value=title_from_text(str(item["text"])), max_chars=200)
        desc = st.text_area("Uraian", value=str(item["text"]), height=100)
        if st.form_submit_button("Simpan sebagai laporan", type="primary"):
            values = {"kelurahan": kel, "rt": rt, "category": cat, "severity": sev, "title": title,
                      "description": desc, "occurred_at": datetime.combine(day, at).replace(tzinfo=WIB)}
            try:
                out = review.classify(engine, pick, values, v)
            except review.ReviewError as exc:
                st.error(escape_markdown(str(exc)))
                return
            if out.ok:
                st.session_state["impor_queue_note"] = f"Pesan #{pick} disimpan sebagai laporan {out.report_no}."
                st.rerun()
            for e in out.checked.errors:
                st.error(escape_markdown(str(e)))


st.title("Impor laporan")
queued = review.queue_counts(engine)["antri"]
tab_file, tab_chat, tab_queue = st.tabs(["Berkas CSV/XLSX", "Chat WhatsApp/SMS", f"Antrean tinjauan ({queued})"])
with tab_file:
    _file_tab(viewer)
with tab_chat:
    _chat_tab(viewer)
with tab_queue:
    _queue_tab(viewer)

"""Impor laporan screen (screens/impor.py): spreadsheets (KoboToolbox, Ushahidi, any CSV/XLSX), WhatsApp/SMS exports, review queue.

Always preview first (good / rejected with row, field and reason / already
there), then one click stores every good row in one transaction. User text is
shown only through st.dataframe / st.text, never as HTML.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time
from typing import cast

import pandas as pd
import streamlit as st

from kondusif import overview, store
from kondusif.config import settings
from kondusif.errors import NotPermitted
from kondusif.intake import layouts, pipeline, review, worker
from kondusif.intake.validate import title_from_text
from kondusif.model import CATEGORY_LABELS, Category, Severity, Viewer
from kondusif.safe import escape_markdown
from kondusif.sms.gateways import CHANNEL_LABELS as GATEWAY_LABELS
from kondusif.timeutil import WIB, format_wib, now, to_wib
from kondusif.ui import jobs, pages
from lubuklinggau_geo import gazetteer

NONE = "— tidak ada —"
LAYOUTS = layouts.LAYOUT_NAMES


def _metrics(pairs: list[tuple[str, int]]) -> None:
    for col, (label, value) in zip(st.columns(len(pairs)), pairs, strict=True):
        col.metric(label, f"{value:,}".replace(",", "."))


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
                                     key=f"impor_map_{sig[:10]}_{target}_{len(base.columns)}")
        if pick != NONE:
            chosen[target] = pick
    ref = chosen.pop("ref", None)
    return layouts.edited_mapping(base, chosen, ref)


def _detected(header: list[str], base: layouts.ColumnMapping, sig: str) -> layouts.ColumnMapping:
    """Say which layout was recognised and what maps to what, and offer the proposed free-text column.

    Nothing is written here: the preview below counts the rows first (issue 17).
    """
    st.markdown(f"**Tata letak terdeteksi: {escape_markdown(LAYOUTS.get(base.layout, base.layout))}**")
    accepted_key = f"impor_proposal_ok_{sig[:16]}"
    if base.proposed:
        target, col = next(iter(base.proposed.items()))
        if st.session_state.get(accepted_key):
            base = base.with_proposals()
            st.caption(escape_markdown(f"Usulan diterima: kolom «{col}» dipakai sebagai "
                                       f"{layouts.TARGETS[target]}."))
        else:
            with st.container(border=True):
                st.markdown(escape_markdown(
                    f"Usulan: kolom «{col}» (isian teks terpanjang) sebagai {layouts.TARGETS[target]}; "
                    "judul dibuat dari kalimat pertamanya."))
                if st.button("Terima usulan", key=f"impor_proposal_{sig[:16]}", type="primary"):
                    st.session_state[accepted_key] = True
                    st.rerun()
    st.dataframe(pd.DataFrame(base.describe(), columns=["Isian", "Kolom di berkas"]), hide_index=True,
                 width="stretch", column_config={  # both columns readable at 360 px without scrolling sideways
                     "Isian": st.column_config.TextColumn(width=150),
                     "Kolom di berkas": st.column_config.TextColumn(width=160)})
    return base


def _file_tab(v: Viewer) -> None:
    engine = store.get_engine()
    st.write("CSV (pemisah koma atau titik koma; UTF-8 atau Windows-1252) atau XLSX. Ekspor KoboToolbox, "
             "Ushahidi (2.x dan baru), dan Google Forms dikenali otomatis; berkas lain cukup dipetakan kolomnya "
             "sekali. Tata letak dan pemetaannya ditampilkan dulu; tidak ada yang disimpan sebelum tombol Impor.")
    up = st.file_uploader("Berkas laporan", type=["csv", "xlsx", "txt"], key="impor_file",
                          max_upload_size=max(1, settings().max_upload_bytes // (1024 * 1024)))
    done = st.session_state.get("impor_file_done")
    if done:
        st.success(f"Impor selesai: {done}")
    if up is None:
        jobs.forget("impor_file")
        return
    data = up.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    known = st.session_state.get("impor_file_header")
    if not known or known[0] != sha:
        # First pass: the worker reads the file and applies the detected (or remembered) mapping.
        first = jobs.job_result("impor_file", (sha, None), data,
                            lambda: worker.enqueue(engine, "file", data, up.name, v))
        if first is None:
            return
        st.session_state["impor_file_header"] = (sha, first.table.header, first.detected or first.mapping)
        st.session_state["impor_file_preview"] = ((sha, first.mapping.to_json()), first)
    _, header, detected = st.session_state["impor_file_header"]
    sig = layouts.signature(header)
    base = _detected(header, detected, sig)
    with st.expander(f"Ubah pemetaan kolom — {LAYOUTS.get(base.layout, base.layout)}", expanded=not base.complete):
        mapping = _mapping_editor(header, base, sig)
        missing = mapping.missing()
        if missing:
            st.warning("Belum dipetakan: " + escape_markdown(", ".join(missing)))
    if mapping.missing():
        return
    preview = jobs.job_result("impor_file", (sha, mapping.to_json()), data,
                          lambda: worker.enqueue(engine, "file", data, up.name, v, mapping=mapping))
    if preview is None:
        return
    st.caption(escape_markdown(f"{preview.table.describe()}. " + " ".join(preview.table.notes)))
    if preview.problems:
        st.error(escape_markdown("; ".join(preview.problems)))
        return
    counts = [("Baris data", preview.rows_in), ("Baik", preview.good), ("Ditolak", preview.rejected),
              ("Sudah ada", preview.existing)]
    if preview.queued:
        counts.insert(3, ("Ke antrean", preview.queued))
    _metrics(counts)
    queued = f" + {preview.queued} ke antrean tinjauan" if preview.queued else ""
    st.caption(f"{preview.rows_in} = {preview.good} baik + {preview.rejected} ditolak{queued} + {preview.existing} "
               "sudah ada (diimpor sebelumnya atau kembar di berkas ini).")
    if preview.unlisted_rt:
        st.warning(f"{preview.unlisted_rt} baris baik memakai nomor RT yang tidak ada di daftar RT contoh; tetap "
                   "diimpor dan ditandai (daftar RT resmi belum dimuat operator).")
    if preview.queued:
        st.info(f"{preview.queued} baris memakai RT yang tidak ada di daftar RT resmi: masuk antrean tinjauan "
                "dengan alasannya, untuk diputuskan Panwaslu.")
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
                "status": r.record.get("status", "baru"), "judul": r.record["title"]} for r in good[:50]]),
                hide_index=True, width="stretch")
    if st.button(f"Impor {preview.good} laporan" + (f" dan {preview.queued} ke antrean" if preview.queued else ""),
                 type="primary", disabled=not (preview.good or preview.queued), key="impor_file_go"):
        if mapping.layout == "manual":
            layouts.save_mapping(engine, header, mapping, v.username)
        result = pipeline.commit_file(engine, preview, v)
        st.session_state.pop("impor_file_preview", None)
        st.session_state.pop("impor_file_header", None)
        st.session_state["impor_file_done"] = result.summary()
        st.rerun()


# --------------------------------------------------------------------------- chats


def _chat_tab(v: Viewer) -> None:
    engine = store.get_engine()
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
    kel = c2.selectbox("Kelurahan grup (bila pesan tidak menyebut)", overview.kelurahan_choices(v), index=None,
                       format_func=_kel_label, placeholder="dari nama grup, bila ada", key="impor_chat_kel")
    if up is None:
        jobs.forget("impor_chat")
        return
    data = up.getvalue()
    cache_key = (hashlib.sha256(data).hexdigest(), channel, kel)
    preview = jobs.job_result("impor_chat", cache_key, data, lambda: worker.enqueue(
        engine, "chat", data, up.name, v, channel=None if channel == "otomatis" else channel, default_kelurahan=kel))
    if preview is None:
        return
    st.caption(escape_markdown(preview.chat.describe()))
    st.caption(escape_markdown(preview.describe_group()))
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
    engine = store.get_engine()
    counts = review.queue_counts(engine, v)
    st.write(f"Menunggu: **{counts['antri']}** · dijadikan laporan: {counts['diklasifikasi']} · "
             f"dicatat aman: {counts['dicatat_aman']} · dibuang: {counts['dibuang']}")
    note = st.session_state.pop("impor_queue_note", None)
    if note:
        st.success(note)
    items = review.queue_frame(engine, v, "antri", limit=200)
    if items.empty:
        st.info("Antrean kosong.")
        return
    labels = {int(r.id): f"#{r.id} · {format_wib(r.sent_at) if r.sent_at else '-'} · {(r.sender or '')[:30]} · "
                         f"{' '.join(str(r.text).split())[:60]}" for r in items.itertuples()}
    pick = cast(int, st.selectbox("Pesan", list(labels), format_func=lambda k: labels[k], key="impor_queue_pick"))
    item = items[items["id"] == pick].iloc[0]
    guess = item["guess"] or {}
    via = GATEWAY_LABELS.get(str(guess.get("gateway") or ""))  # issue 15: an SMS a gateway received live
    origin = origin_text(guess)
    st.caption(("Diterima lewat " + via + " · " if via else "") + (escape_markdown(origin) + " · " if origin else "")
               + "Alasan masuk antrean: " + escape_markdown(item["reason"]))
    st.text(str(item["text"]))  # as typed, never rendered as markdown/HTML
    if review.is_checkin_candidate(guess, item["reason"]):
        _checkin_form(v, item, guess)
    _classify_form(v, item, guess)
    with st.form(f"impor_discard_{pick}", border=True):
        reason = st.text_input("Alasan membuang (wajib)", key=f"impor_discard_reason_{pick}")
        if st.form_submit_button("Buang pesan"):
            try:
                review.discard(engine, int(pick), reason, v)
            except (review.ReviewError, NotPermitted) as exc:
                st.error(escape_markdown(str(exc)))
            else:
                st.session_state["impor_queue_note"] = f"Pesan #{pick} dibuang."
                st.rerun()


def origin_text(guess: dict) -> str:
    """Where a queued message came from (issue 30.1): the file (and row) or the chat file and its group."""
    parts = []
    if guess.get("berkas"):
        row = f", baris {guess['baris']}" if guess.get("baris") else ""
        parts.append(f"Dari berkas «{guess['berkas']}»{row}")
    if guess.get("grup"):
        parts.append(f"grup «{guess['grup']}»")
    return " · ".join(parts)


def _checkin_form(v: Viewer, item: pd.Series, guess: dict) -> None:
    """Issue 24: a queued calm message becomes a check-in for the RT chosen here (never an incident)."""
    from kondusif.checkins import CheckinRefused

    engine = store.get_engine()
    pick = int(item["id"])
    kel_opts = overview.kelurahan_choices(v)
    kel_guess = guess.get("kelurahan")
    with st.form(f"impor_checkin_{pick}", border=True):
        st.markdown("**Catat sebagai laporan aman** (bukan kejadian)")
        kel = st.selectbox("Kelurahan", kel_opts, format_func=_kel_label, key=f"impor_checkin_kel_{pick}",
                           index=kel_opts.index(kel_guess) if kel_guess in kel_opts else None,
                           placeholder="Pilih kelurahan")
        rt = st.number_input("RT", min_value=1, max_value=999, step=1, value=guess.get("rt") or None,
                             placeholder="nomor RT", key=f"impor_checkin_rt_{pick}")
        if st.form_submit_button("Catat laporan aman", type="primary"):
            if kel is None or rt is None:
                st.error("Pilih kelurahan dan isi nomor RT untuk mencatat laporan aman ini.")
                return
            try:
                got = review.accept_checkin(engine, pick, v, kelurahan=kel, rt=int(rt))
            except (review.ReviewError, CheckinRefused, NotPermitted) as exc:
                st.error(escape_markdown(str(exc)))
                return
            st.session_state["impor_queue_note"] = (f"Pesan #{pick} dicatat sebagai laporan aman RT {got.rt:02d} "
                                                     f"Kelurahan {_kel_label(got.kode_kelurahan)}.")
            st.rerun()


def _classify_form(v: Viewer, item: pd.Series, guess: dict) -> None:
    engine = store.get_engine()
    pick = int(item["id"])
    kel_opts = overview.kelurahan_choices(v)
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
            except (review.ReviewError, NotPermitted) as exc:
                st.error(escape_markdown(str(exc)))
                return
            if out.ok:
                st.session_state["impor_queue_note"] = f"Pesan #{pick} disimpan sebagai laporan {out.report_no}."
                st.rerun()
            for e in out.checked.errors:
                st.error(escape_markdown(str(e)))


def render(viewer: Viewer) -> None:
    """The import screen: files, chats and the review queue, each in a tab."""
    engine = store.get_engine()
    st.title("Impor laporan")
    queued = review.queue_counts(engine, viewer)["antri"]
    tab_file, tab_chat, tab_queue = st.tabs(["Berkas CSV/XLSX", "Chat WhatsApp/SMS", f"Antrean tinjauan ({queued})"])
    with tab_file:
        _file_tab(viewer)
    with tab_chat:
        _chat_tab(viewer)
    with tab_queue:
        st.markdown("Pesan dan baris yang belum terbaca pasti menunggu di layar tersendiri, agar tetap di sana "
                    "setelah setiap pesan disimpan atau dibuang.")
        st.page_link(pages.page("antrean").path, label=f"Buka Antrean periksa ({queued} menunggu)",
                     icon=":material/inbox:")


def render_queue(viewer: Viewer) -> None:
    """The review queue screen (issue 30.1): after "Simpan sebagai laporan" or "Buang pesan" the user stays
    here and reads which report number the message became."""
    st.title("Antrean periksa")
    st.caption("Pesan chat/SMS dan baris berkas yang tidak terbaca pasti: jadikan laporan atau buang dengan alasan.")
    _queue_tab(viewer)

"""Insiden screen (screens/insiden.py): the Panwaslu workbench — filter, check, verify, follow up, merge, export.

`render` draws the sections top to bottom; each section is a function of the engine,
the viewer and what the sections above it chose (query, rows, the opened report).
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from streamlit_folium import st_folium

from kondusif import exports, filters, maps, registry, simulated, store, workbench, workflow
from kondusif.model import Viewer
from kondusif.safe import escape_markdown
from kondusif.timeutil import format_wib, now, to_wib
from kondusif.ui import filters as ui_filters
from kondusif.ui import session
from kondusif.workflow import FOLLOWUP_TARGETS, Action, ActionInput

PAGE_SIZES = [25, 50, 100]
md = escape_markdown  # the one Markdown escaper (kondusif.safe)


def flash(kind: str, message: str) -> None:
    st.session_state.setdefault("wb_flash", []).append((kind, message))


def show_flash() -> None:
    for kind, message in st.session_state.pop("wb_flash", []):
        getattr(st, kind)(message)


# --------------------------------------------------------------------------- header and filter


def _header(engine: Engine, viewer: Viewer) -> tuple[store.IncidentQuery, datetime]:
    """Title, filter and search; the query of the view and the moment follow-ups are due against."""
    st.title("Insiden: meja kerja Panwaslu")
    if registry.registry_is_sample(registry.rt_registry(engine)):
        st.caption("Daftar RT yang dipakai adalah CONTOH, bukan data resmi Setda; RT tetangga dihitung dari nomornya.")
    filt, period, filter_notices = ui_filters.filter_sidebar(viewer, engine)
    for notice in filter_notices:
        st.info(notice)
    ui_filters.moment_switch(viewer, engine, filt)
    st.caption(md(filt.describe()))
    search = st.text_input("Cari judul, uraian atau no. laporan", key="wb_search", max_chars=100).strip()
    q = filt.query_between(period.start, period.end)
    # Follow-ups are overdue against now, or against the end of the replayed day when replaying a season.
    moment = filters.as_of_moment(filt.as_of)
    if search:
        q = store.IncidentQuery(**{**q.__dict__, "text": search})
    show_flash()
    return q, moment


# --------------------------------------------------------------------------- headline


def _headline(engine: Engine, viewer: Viewer, q: store.IncidentQuery, moment: datetime) -> Any:
    head = workbench.headline(engine, q, viewer, as_of=moment)
    sim_notice = simulated.notice(head.total, simulated.count_in_view(engine, q, viewer))  # only when in view
    if sim_notice:
        st.warning(sim_notice, icon=":material/science:")
    cols = st.columns(5)
    cols[0].metric("Laporan dalam filter", f"{head.total:,}".replace(",", "."))
    cols[1].metric("Belum diverifikasi", head.unverified)
    cols[2].metric("Lewat tenggat", head.overdue,
                   help=f"Tindak lanjut yang tenggatnya sudah lewat per {format_wib(moment)}. "
                        "Selalu di urutan teratas.")
    cols[3].metric("Berat, masih terbuka", head.berat_open)
    cols[4].metric("Kemungkinan duplikat", head.possible_duplicates)
    if head.overdue:
        st.error(f"{head.overdue} tindak lanjut sudah lewat tenggat: tampil paling atas di tabel.",
                 icon=":material/alarm:")
    return head


# --------------------------------------------------------------------------- table


def _table(engine: Engine, viewer: Viewer, q: store.IncidentQuery, moment: datetime,
           total: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """One page of the table; its rows, the ticked rows and the table's key."""
    c1, c2, c3 = st.columns([0.5, 0.2, 0.3])
    sort = c1.selectbox("Urutkan", list(workbench.SORTS), format_func=lambda k: workbench.SORTS[k][0],
                        key="wb_sort")
    size = c2.selectbox("Baris per halaman", PAGE_SIZES, index=1, key="wb_page_size")
    pages = max(1, math.ceil(total / size))
    page_no = int(c3.number_input(f"Halaman (dari {pages})", min_value=1, max_value=pages, value=1, step=1,
                                  key="wb_page"))
    rows = workbench.page_rows(engine, q, viewer, sort=sort, limit=size, offset=(page_no - 1) * size, as_of=moment)
    first = (page_no - 1) * size + 1 if len(rows) else 0
    st.caption(f"Menampilkan {first}–{first + len(rows) - 1 if len(rows) else 0} dari {total} laporan · "
               "tindak lanjut lewat tenggat selalu di atas · centang baris untuk aksi massal, satu baris untuk "
               "membuka.")
    # The selection belongs to exactly these rows at these versions: a new page, sort, filter or any
    # saved change gives a new key, so a ticked box can never move onto another report.
    table_key = "wb_table_" + hashlib.sha1(
        "|".join(f"{i}:{v}" for i, v in zip(rows["id"], rows["version"], strict=True)).encode()).hexdigest()[:12]
    with st.container(key="sk_wb_table_wide"):  # screen.css shows one of the two by the screen's width
        event = st.dataframe(
            workbench.table_view(rows), key=table_key, on_select="rerun", selection_mode="multi-row",
            hide_index=True, width="stretch",
            column_config={
                "Terlambat": st.column_config.TextColumn(width="small",  # issue 30.5: not a bare "Lewat"
                                                         help="Tindak lanjut sudah lewat tenggatnya"),
                "RT": st.column_config.TextColumn(width="small"),
                "Tingkat": st.column_config.TextColumn(width="small"),
                "Judul": st.column_config.TextColumn(width="medium"),
            },
        )
    with st.container(key="sk_wb_table_narrow"):  # issue 30.7: a phone gets one wrapped cell per report
        narrow = st.dataframe(workbench.compact_view(rows), key=table_key + "_hp", on_select="rerun",
                              selection_mode="multi-row", hide_index=True, width="stretch", row_height=78,
                              column_config={"Laporan": st.column_config.TextColumn(width=270)})  # fits 360 px
    selected_pos = _picked(event) or _picked(narrow)
    selected = rows.iloc[[p for p in selected_pos if p < len(rows)]]
    return rows, selected, table_key


def _picked(event: Any) -> list[int]:
    """The row positions ticked in one of the two tables (only one is on screen)."""
    return list(event.selection.rows) if event is not None and hasattr(event, "selection") else []


# --------------------------------------------------------------------------- exports


def _export_bytes(engine: Engine, q: store.IncidentQuery, viewer: Viewer, fmt: str) -> bytes:
    """The file, made only when its download button is clicked."""
    return exports.export(engine, q, viewer, fmt)[1]


def _exports(engine: Engine, viewer: Viewer, q: store.IncidentQuery, total: int) -> None:
    with st.expander("Ekspor tampilan ini (CSV, CSV untuk Excel, XLSX, GeoJSON)", icon=":material/download:"):
        st.caption(f"{total} baris sesuai filter; waktu dalam WIB; identitas pelapor "
                   f"{'disertakan' if viewer.sees_identity else 'tidak disertakan'}; sel berawalan =, +, -, @ "
                   "dinetralkan.")
        st.caption(exports.formats_note())
        fmts = ("csv-excel", "csv", "xlsx", "geojson")  # issue 12: a ";" CSV for Indonesian Excel, each file named
        for col, fmt in zip(st.columns(len(fmts)), fmts, strict=True):
            col.download_button(
                exports.FORMAT_BUTTONS[fmt], data=partial(_export_bytes, engine, q, viewer, fmt),
                file_name=exports.export_filename(q, viewer, fmt), mime=exports.MIME[fmt], key=f"wb_export_{fmt}",
                icon=":material/download:", width="stretch", help=exports.FORMAT_LABELS[fmt],
            )


# --------------------------------------------------------------------------- bulk actions


def _bulk_actions(engine: Engine, viewer: Viewer, rows: pd.DataFrame, selected: pd.DataFrame,
                  table_key: str) -> None:
    with st.container(border=True):
        st.markdown(f"**Aksi massal untuk {len(selected)} laporan terpilih**")
        numbers = [str(n) for n in selected["report_no"]]
        # Keyed to this selection of these rows at these versions: nothing carries over after a save.
        bulk_slot = table_key + "_" + hashlib.sha1("|".join(numbers).encode()).hexdigest()[:8]
        bulk_action = st.selectbox("Tindakan", workflow.BULK_ACTIONS, format_func=lambda a: a.label,
                                   key=f"wb_bulk_action_{bulk_slot}", index=None, placeholder="Pilih tindakan")
        original = None
        if bulk_action == Action.MARK_DUPLICATE:  # the same picker as for one report (issue 30.4)
            others = rows[~rows["id"].isin(selected["id"])].assign(twin=False)
            original = pick_original(others, f"wb_bulk_original_{bulk_slot}")
        with st.form(f"wb_bulk_form_{bulk_slot}"):
            note = st.text_area("Alasan / catatan (sama untuk semua)", key=f"wb_bulk_note_{bulk_slot}",
                                max_chars=2000, disabled=bulk_action is None)
            to = due = outcome = None
            bulk_confirmed = True
            if bulk_action == Action.FOLLOW_UP:
                to = st.selectbox("Diserahkan kepada", FOLLOWUP_TARGETS, key=f"wb_bulk_to_{bulk_slot}",
                                  accept_new_options=True, index=None, placeholder="Pilih atau ketik penerima")
                due = st.date_input("Tenggat", value=to_wib(now()).date() + timedelta(days=3),
                                    key=f"wb_bulk_due_{bulk_slot}", format="DD/MM/YYYY")
            if bulk_action == Action.CLOSE:
                outcome = st.text_area("Hasil penanganan", key=f"wb_bulk_outcome_{bulk_slot}", max_chars=2000)
            bulk_tick = confirm_text(bulk_action, numbers, original)
            if bulk_action is not None and bulk_action.destructive:
                bulk_confirmed = st.checkbox(md(bulk_tick), key=f"wb_bulk_confirm_{bulk_slot}_{_short_key(original)}",
                                             value=False)
            go = st.form_submit_button(f"{bulk_action.label}: {len(selected)} laporan" if bulk_action else "Simpan",
                                       type="primary" if bulk_action else "secondary",
                                       key=f"wb_bulk_submit_{bulk_slot}", disabled=bulk_action is None)
        if go and bulk_action is not None and not bulk_confirmed:
            st.error(f"Belum dikonfirmasi: centang «{md(bulk_tick)}» untuk menyimpan.")
        elif go and bulk_action is not None:
            items = list(zip(selected["id"], selected["version"].astype(int), strict=True))
            data = ActionInput(note=note, duplicate_of=original, followup_to=to, followup_due=due, outcome=outcome)
            try:
                result = workflow.bulk_change_status(engine, viewer, items, bulk_action.target, data)
            except workflow.WorkflowError as exc:
                st.error(md(exc))
            else:
                if result.done:
                    asli = f" sebagai duplikat dari {md(original)}" if bulk_action == Action.MARK_DUPLICATE else ""
                    flash("success", f"{bulk_action.label}: {len(result.done)} laporan tersimpan{asli}, masing-masing "
                                     "tercatat di riwayatnya.")
                for label, message in result.refused:
                    flash("warning", f"{md(label)} tidak diubah: {md(message)}")
                st.rerun()


# --------------------------------------------------------------------------- detail


def _open_report(engine: Engine, viewer: Viewer, rows: pd.DataFrame,
                 selected: pd.DataFrame) -> tuple[dict, dict] | None:
    """The report to open (ticked, picked or from ?laporan=) and its row as first opened; None: nothing open."""
    options = rows["report_no"].tolist()
    chosen_no = selected["report_no"].iloc[0] if len(selected) == 1 else None
    url_no = st.query_params.get("laporan")
    pick = st.selectbox("Buka laporan", options, index=None, key="wb_open",
                        placeholder="Pilih nomor laporan dari halaman ini (atau centang satu baris)")
    target = chosen_no or pick or url_no
    if target is None:
        st.info("Pilih satu laporan untuk melihat rinciannya, riwayatnya, dan tindakan yang boleh dilakukan.")
        return None
    row = store.get_incident(engine, target, viewer)
    if row is None:
        st.warning(f"Laporan {md(target)} tidak ditemukan di wilayah Anda.")
        return None
    opened = st.session_state.get("wb_opened")
    if not opened or opened["id"] != row["id"]:
        opened = {"id": row["id"], "row": dict(row)}
        st.session_state["wb_opened"] = opened
        st.session_state.pop("wb_stale", None)
    return row, opened["row"]


def fmt_value(engine: Engine, field: str, value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if field == "status":
        return workbench.status_label(value)
    if field == "duplicate_of":
        return workbench.report_numbers(engine, [str(value)]).get(str(value), str(value))
    if hasattr(value, "tzinfo"):
        return format_wib(value)  # type: ignore[arg-type]
    return str(value)


def changes_table(engine: Engine, changes: list[workflow.Change]) -> pd.DataFrame:
    return pd.DataFrame({
        "Isian": [c.label for c in changes],
        "Saat Anda membuka": [fmt_value(engine, c.field, c.before) for c in changes],
        "Sekarang": [fmt_value(engine, c.field, c.after) for c in changes],
    })


def history_table(history: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({
        "Waktu (WIB)": [format_wib(h["at"]) for h in history],
        "Oleh": [h["actor"] for h in history],
        "Tindakan": [workbench.ACTION_LABELS_ID.get(h["action"], h["action"]) for h in history],
        "Menjadi": [workbench.status_label(h["to_status"]) if h["to_status"] else "" for h in history],
        "Catatan": [h["note"] or "" for h in history],
    })


def reload_opened(engine: Engine, viewer: Viewer) -> None:
    fresh = store.get_incident(engine, st.session_state["wb_opened"]["id"], viewer)
    if fresh is not None:
        st.session_state["wb_opened"] = {"id": fresh["id"], "row": dict(fresh)}
    st.session_state.pop("wb_stale", None)


def _detail(engine: Engine, viewer: Viewer, row: dict, opened_row: dict) -> None:
    """Title, text, a stale-edit warning, the fields, the map and the attachments."""
    st.subheader(f"{row['report_no']} · {workbench.status_label(row['status'])}")
    st.markdown(f"**{md(row['title'])}**")
    if row.get("description"):
        st.markdown(md(row["description"]))
    if row["source"] == "simulasi":
        st.caption("Laporan SIMULASI (dibuat program untuk demo).")

    stale = st.session_state.get("wb_stale")
    if stale:
        st.error(md(stale["message"]), icon=":material/sync_problem:")
        if stale["changes"]:
            st.dataframe(changes_table(engine, stale["changes"]), hide_index=True, width="stretch")
        if stale["history"]:
            st.caption("Yang terjadi sejak Anda membuka laporan ini:")
            st.dataframe(history_table(stale["history"]), hide_index=True, width="stretch")
        st.button("Muat ulang laporan ini", key="wb_reload_stale", on_click=reload_opened, args=(engine, viewer),
                  icon=":material/refresh:")
    elif int(row["version"]) != int(opened_row["version"]):
        st.warning(f"Laporan ini telah diubah orang lain sejak Anda membukanya (versi {opened_row['version']} → "
                   f"{row['version']}). Muat ulang sebelum bertindak.", icon=":material/sync_problem:")
        st.button("Muat ulang laporan ini", key="wb_reload", on_click=reload_opened, args=(engine, viewer),
                  icon=":material/refresh:")

    left, right = st.columns([0.55, 0.45])
    with left:
        dup_no = workbench.report_numbers(engine, [row["duplicate_of"]]).get(row["duplicate_of"]) \
            if row.get("duplicate_of") else None
        fields = workbench.detail_fields(row, viewer, dup_no, workbench.source_text(engine, viewer, row["id"]))
        st.dataframe(pd.DataFrame(fields, columns=["Isian", "Nilai"]), hide_index=True, width="stretch",
                     height=35 * (len(fields) + 1) + 3)
    with right:
        _map_and_files(engine, viewer, row)


def _map_and_files(engine: Engine, viewer: Viewer, row: dict) -> None:
    missing = maps.missing_vendor_files()
    if missing:
        st.info(maps.MISSING_VENDOR_MESSAGE)
    else:
        st_folium(workbench.detail_map(row, st.get_option("server.baseUrlPath") or ""), height=300,
                  use_container_width=True, returned_objects=[], key=f"wb_map_{row['id']}")
    note = workbench.location_note(row)
    if note:
        st.caption(note)
    files = workbench.attachments_for(engine, viewer, row["id"])
    if files:
        st.markdown("**Lampiran**")
        for f in files:
            if str(f["mime"]).startswith("image/"):
                st.image(f["data"], caption=f["filename"], width="stretch")
            else:
                st.download_button(f"Unduh {f['filename']}", f["data"], file_name=f["filename"], mime=f["mime"],
                                   key=f"wb_att_{f['id']}")
    else:
        st.caption("Tidak ada lampiran.")


# --------------------------------------------------------------------------- actions


def save(engine: Engine, viewer: Viewer, action: Action, data: ActionInput, incident_id: str, version: int,
         opened_snapshot: dict | None, done: str | None = None) -> bool:
    try:
        workflow.apply_action(engine, viewer, incident_id, version, action, data, opened=opened_snapshot)
    except workflow.StaleEdit as exc:
        if workflow.is_own_repeat(exc, viewer, action):
            saved_here("info", f"{action.label} untuk laporan {md(exc.report_no)} sudah tersimpan sebelumnya; "
                               "klik kedua tidak mengubah apa pun.")
            return True
        st.session_state["wb_stale"] = {"message": str(exc), "changes": exc.changes, "history": exc.history}
        return False
    except workflow.WorkflowError as exc:
        st.error(md(exc))
        return False
    saved_here("success", f"{action.label}: {md(done or 'laporan tersimpan dan tercatat di riwayat.')}")
    return True


def saved_here(kind: str, message: str) -> None:
    """A saved action is confirmed where the user clicked (above the actions), not only at the top."""
    st.session_state["wb_saved"] = (kind, message)


def _actions(engine: Engine, viewer: Viewer, row: dict, opened_row: dict, slot: str,
             twins: pd.DataFrame) -> None:
    st.markdown("#### Tindakan")
    if "wb_saved" in st.session_state:
        saved_kind, saved_message = st.session_state.pop("wb_saved")
        getattr(st, saved_kind)(saved_message, icon=":material/check_circle:")
    actions = workflow.allowed_actions(opened_row["status"], viewer)
    if not actions:
        st.info(f"Status «{workbench.status_label(opened_row['status'])}» adalah status akhir: tidak ada tindakan "
                "lagi.")
        return
    if workflow.reopen_target(opened_row["status"]) is not None:
        back = workbench.status_label(workflow.reopen_target(opened_row["status"]))
        st.caption(f"Status «{workbench.status_label(opened_row['status'])}» adalah status akhir. Bila keliru, "
                   f"laporan dapat dibuka kembali menjadi «{back}» dengan alasan yang tercatat di riwayat.")
    action = st.radio("Tindakan", actions, format_func=lambda a: a.label, key=f"wb_action_{slot}", horizontal=True,
                      index=None, label_visibility="collapsed")
    original = None
    if action == Action.MARK_DUPLICATE:
        # Outside the form, so the tick below names the original picked (issue 30.4).
        original = pick_original(workbench.original_choices(engine, viewer, row, twins), f"wb_original_{slot}")
    with st.form(f"wb_form_{slot}", clear_on_submit=False):
        to = due = outcome = None
        confirmed = True
        if action is None:
            st.caption("Pilih tindakan di atas terlebih dahulu.")
        if action == Action.FOLLOW_UP:
            to = st.selectbox("Diserahkan kepada", FOLLOWUP_TARGETS, key=f"wb_to_{slot}", accept_new_options=True,
                              index=None, placeholder="Pilih atau ketik penerima")
            default_due = max(to_wib(now()).date(), to_wib(row["occurred_at"]).date()) + timedelta(days=3)
            due = st.date_input("Tenggat", value=default_due, key=f"wb_due_{slot}", format="DD/MM/YYYY")
        if action == Action.CLOSE:
            outcome = st.text_area("Hasil penanganan (wajib)", key=f"wb_outcome_{slot}", max_chars=2000)
        required = action in (Action.REJECT, Action.MARK_DUPLICATE, Action.FOLLOW_UP, Action.REOPEN)
        note = st.text_area("Alasan / catatan" + (" (wajib)" if required else ""), key=f"wb_note_{slot}",
                            max_chars=2000, disabled=action is None)
        tick = confirm_text(action, [opened_row["report_no"]], original)
        if action is not None and action.destructive:
            # keyed to the original too: a tick given for one original never carries over to another
            confirmed = st.checkbox(md(tick), key=f"wb_confirm_{slot}_{_short_key(original)}", value=False)
        submitted = st.form_submit_button(f"Simpan: {action.label}" if action else "Simpan",
                                          type="primary" if action else "secondary", key=f"wb_submit_{slot}",
                                          disabled=action is None)
    if submitted and action is not None:
        if not confirmed:
            st.error(f"Belum dikonfirmasi: centang «{md(tick)}» untuk menyimpan.")
        else:
            data = ActionInput(note=note, duplicate_of=original, followup_to=to, followup_due=due, outcome=outcome)
            done = (f"laporan {opened_row['report_no']} kini duplikat dari {original}; keduanya dan riwayatnya "
                    "tetap tersimpan." if action == Action.MARK_DUPLICATE else None)
            if save(engine, viewer, action, data, opened_row["id"], int(opened_row["version"]), opened_row, done):
                reload_opened(engine, viewer)
                st.rerun()
            elif st.session_state.get("wb_stale"):
                st.rerun()


# --------------------------------------------------------------------------- duplicates


def _short_key(value: object) -> str:
    return hashlib.sha1(str(value or "").encode()).hexdigest()[:8]


def confirm_text(action: Action | None, numbers: list[str], original: str | None) -> str:
    """The tick's words for a destructive action (empty for the others)."""
    return workflow.confirm_label(action, numbers, original) if action is not None and action.destructive else ""


def pick_original(choices: pd.DataFrame, key: str) -> str | None:
    """The one way to name an original: a picker, suspected twins first, any number may be typed.

    `choices` holds only reports the viewer may see (workbench.original_choices, or the page's
    rows); a typed number is checked by the workflow (scope, not itself, no loop) when saving."""
    labels = {str(r["report_no"]): workbench.choice_label(r) for r in choices.to_dict("records")}
    if choices["twin"].any() if len(choices) else False:
        st.caption("Laporan bertanda «kembar?» mirip laporan ini (RT sama/tetangga, kategori sama, waktu "
                   "berdekatan); yang lain dari kelurahan yang sama, terdekat waktunya.")
    picked = st.selectbox("Laporan asli (yang dipertahankan)", list(labels), format_func=lambda n: labels.get(n, n),
                          key=key, index=None, accept_new_options=True,
                          placeholder="Pilih laporan asli, atau ketik nomornya (LLG-2018-000123)")
    return str(picked).strip().upper() if picked else None


def _duplicates(engine: Engine, viewer: Viewer, row: dict) -> pd.DataFrame:
    """The similar reports of the opened one (shown, and offered first when marking a duplicate)."""
    st.markdown("#### Kemungkinan duplikat")
    window = st.selectbox("Jarak waktu", [6, 24, 72], index=1, key="wb_dup_window", format_func=lambda h: f"{h} jam")
    cands = workbench.duplicate_candidates(engine, row, viewer, window_hours=float(window))
    already = workbench.duplicates_of(engine, viewer, row["id"])
    if len(already):
        st.caption("Sudah ditandai sebagai duplikat dari laporan ini: " + ", ".join(already["report_no"]))
    if cands.empty:
        st.caption("Tidak ada laporan serupa (RT sama/tetangga, kategori sama, waktu berdekatan).")
        return cands
    view = pd.DataFrame({
        "No. laporan": cands["report_no"],
        "Waktu (WIB)": cands["occurred_at"].map(lambda v: format_wib(v.to_pydatetime())),
        "RT": cands["rt"].map(lambda v: "-" if pd.isna(v) else f"{int(v):02d}"),
        "Status": cands["status"].map(workbench.status_label),
        "Selisih (jam)": cands["hours_apart"].round(1),
        "Kemiripan teks": (cands["similarity"] * 100).round().astype(int).astype(str) + "%",
        "Judul": cands["title"],
    })
    st.dataframe(view, hide_index=True, width="stretch")
    st.caption("Laporan ini duplikat? Pilih «Tandai duplikat» di Tindakan: laporan serupa di atas ditawarkan "
               "paling atas sebagai laporan asli. Bila laporan serupa itu yang duplikat, buka laporan itu dan "
               "tandai dari sana.")
    return cands


def render(viewer: Viewer) -> None:
    """The workbench, top to bottom; the detail sections only once a report is open."""
    engine = store.get_engine()
    q, moment = _header(engine, viewer)
    head = _headline(engine, viewer, q, moment)
    rows, selected, table_key = _table(engine, viewer, q, moment, head.total)
    _exports(engine, viewer, q, head.total)
    if len(selected) > 1:
        _bulk_actions(engine, viewer, rows, selected, table_key)
    st.divider()
    report_panel(viewer, rows, selected)


@st.fragment
def report_panel(viewer: Viewer, rows: pd.DataFrame, selected: pd.DataFrame) -> None:
    """The opened report: picker, detail, actions, duplicates, history. Issue 29.2: a fragment, so
    opening a report with the picker or choosing an action reruns only this part; a saved action
    still reruns the whole page (st.rerun), whose table and counts changed with it. A fragment run
    skips the screen's guard: the session is re-checked here, and one that ended or changed
    (account deactivated, signed out elsewhere, role changed) reruns the page, whose guard decides."""
    if not session.still_signed_in(viewer):
        st.rerun(scope="app")
    engine = store.get_engine()
    opened = _open_report(engine, viewer, rows, selected)
    if opened is None:
        return
    row, opened_row = opened
    _detail(engine, viewer, row, opened_row)
    # Every widget of the action area is keyed to this report at this version: after any saved
    # change (a new version) the page offers nothing pre-selected and an empty note, so a second
    # click on the same spot can never apply another action (the verify -> reject trap).
    slot = f"{opened_row['id']}_{int(opened_row['version'])}"
    actions_box = st.container()  # drawn first on screen, filled once the twins are known
    twins = _duplicates(engine, viewer, row)
    with actions_box:
        _actions(engine, viewer, row, opened_row, slot, twins)
    st.markdown("#### Riwayat")
    st.dataframe(workbench.history(engine, viewer, row["id"]), hide_index=True, width="stretch")

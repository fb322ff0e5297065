"""Kirim laporan screen (screens/lapor.py): the report form for Ketua RT (phone first), and Panwaslu/operator filing for an RT.

An rt account's kelurahan and RT come from the account and are not even shown
as inputs; the server ignores any other values. Each showing of the form
carries a submission token, so a double tap or a resend files one report.
"""

from __future__ import annotations

from datetime import date, datetime, time

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from kondusif import access, maps, overview, store
from kondusif.accounts import auth_tokens
from kondusif.config import settings
from kondusif.db_unavailable import form_message, is_unavailable
from kondusif.duplicates import window_hours
from kondusif.intake import form, pipeline
from kondusif.intake.validate import MAX_DESCRIPTION, MAX_TITLE
from kondusif.model import (
    CATEGORY_LABELS,
    STATUS_LABELS,
    Category,
    Severity,
    Source,
    Status,
    Viewer,
    new_id,
)
from kondusif.registry import registry_is_sample, rt_registry
from kondusif.safe import escape_markdown
from kondusif.timeutil import WIB, format_wib, now, to_wib
from kondusif.ui import checkin as checkin_ui
from kondusif.ui import session, static_files, taps
from kondusif.ui.db_unavailable import stop_when_unavailable
from lubuklinggau_geo import gazetteer
from lubuklinggau_geo import rt as geo_rt
from lubuklinggau_geo.boundaries import boundaries, geo_dir

K = "lapor_"  # session_state prefix of this page
FIELDS = ("kel", "rt", "cat", "sev", "date", "time", "title", "desc", "photo", "name", "phone")

def _key(name: str) -> str:
    return K + name


def _new_form() -> None:
    """Forget the last report and start a blank form with a fresh submission token."""
    for name in (*FIELDS, "point", "errors", "result", "token", "map_on", "draft", "photo_gen"):
        st.session_state.pop(_key(name), None)


def _ensure_defaults() -> None:
    ss = st.session_state
    # Typed values kept when the database was unavailable (issue 8): a run that could not draw
    # the form drops its widget values, so they come back from this copy.
    for name, value in (ss.get(_key("draft")) or {}).items():
        if value is not None:
            ss.setdefault(_key(name), value)
    if _key("token") not in ss:
        ss[_key("token")] = new_id()
    wib_now = to_wib(now())
    ss.setdefault(_key("date"), wib_now.date())
    ss.setdefault(_key("time"), time(wib_now.hour, wib_now.minute))
    # A widget drawn again after another page ran is a new widget to Streamlit, which
    # would start from the server's clock (UTC); re-assigning makes it start from ours.
    for name in ("date", "time"):
        ss[_key(name)] = ss[_key(name)]


def _field_error(name: str) -> None:
    """The errors of one field, right under it: «Judul: wajib diisi»."""
    for msg in st.session_state.get(_key("errors"), {}).get(name, []):
        st.error(f"{form.FIELD_LABELS.get(name, name)}: {escape_markdown(msg)}", icon=":material/error:")


def _values(v: Viewer) -> dict:
    ss = st.session_state
    day, at = ss.get(_key("date")), ss.get(_key("time"))
    occurred = datetime.combine(day, at).replace(tzinfo=WIB) if isinstance(day, date) and isinstance(at, time) else None
    point = ss.get(_key("point"))
    values = {
        "kelurahan": ss.get(_key("kel")),
        "rt": ss.get(_key("rt")),
        "category": ss.get(_key("cat")),
        "severity": ss.get(_key("sev")),
        "occurred_at": occurred,
        "title": ss.get(_key("title"), ""),
        "description": ss.get(_key("desc"), ""),
        "reporter_name": ss.get(_key("name"), ""),
        "reporter_phone": ss.get(_key("phone"), ""),
    }
    if point:
        values["lat"], values["lon"] = point
    return values


def _submit(v: Viewer) -> None:
    """Form callback: validate and file on the server; errors go next to their fields."""
    taps.note_handled(_key("tapped"))
    if not session.still_signed_in(v):  # a callback runs before the page's guard
        return
    ss = st.session_state
    upload = ss.get(_photo_key())
    # issue 31: chosen on a process that died, or its upload cut off by the failover; nothing filed, text kept
    if taps.photo_lost(upload, st.context.cookies.get(auth_tokens.COOKIE_NAME)):
        ss[_key("errors")] = {"photo": [taps.LOST_PHOTO]}
        ss[_key("photo_gen")] = ss.get(_key("photo_gen"), 0) + 1  # an empty photo field to choose it again
        return
    photo = (upload.getvalue(), upload.name) if upload is not None else None
    try:
        outcome = pipeline.submit_form(store.get_engine(), v, _values(v), ss.get(_key("token"), ""), photo)
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        # Busy or unreachable database (issue 8): nothing stored; keep what was typed, same token.
        ss[_key("draft")] = {name: ss.get(_key(name)) for name in FIELDS if name != "photo"}
        ss[_key("errors")] = {"row": [form_message(exc)]}  # busy, unreachable or disk full (issue 13)
        return
    if outcome.ok:
        ss.pop(_key("draft"), None)
        ss[_key("errors")] = {}
        ss[_key("result")] = {
            "report_no": outcome.report_no, "created": outcome.created,
            "warnings": [str(w) for w in outcome.warnings],
            "duplicates": outcome.duplicates.to_dict("records") if len(outcome.duplicates) else [],
        }
    else:
        ss[_key("errors")] = form.errors_by_form_field(outcome.errors)


def _photo_key() -> str:
    """The photo field's key; a new one after a photo was lost in a failover (issue 31) empties it."""
    gen = st.session_state.get(_key("photo_gen"), 0)
    return _key("photo") if not gen else f"{_key('photo')}_{gen}"


def _kel_label(code: str) -> str:
    rec = gazetteer.kelurahan_by_code(code)
    return f"{rec['nama']} ({rec['kecamatan']})"


def _place(v: Viewer) -> tuple[str | None, int | None]:
    """Where the report is from: fixed for an rt account, chosen otherwise."""
    area = access.area_of(v)
    if area.level == access.SCOPE_RT:
        if not area.linked or v.rt is None:
            st.error("Akun Ketua RT ini belum terhubung ke kelurahan/RT. Hubungi operator.")
            st.stop()
        st.info(f"Laporan untuk **RT {int(v.rt):02d}, Kelurahan {gazetteer.kelurahan_name(v.kelurahan)}**",
                icon=":material/home_pin:")
        _field_error("kel")
        _field_error("rt")
        return v.kelurahan, int(v.rt)
    reg = rt_registry(store.get_engine())
    kel = st.selectbox("Kelurahan", overview.kelurahan_choices(v), format_func=_kel_label, index=None,
                       placeholder="Pilih kelurahan", key=_key("kel"))
    _field_error("kel")
    rts = sorted(reg.loc[reg["kode_kelurahan"] == kel, "rt"].astype(int).tolist()) if kel else []
    if st.session_state.get(_key("rt")) not in rts:
        st.session_state.pop(_key("rt"), None)
    rt = st.selectbox("RT", rts, format_func=lambda r: f"RT {r:02d}", index=None,
                      placeholder="Pilih RT" if kel else "Pilih kelurahan dulu", key=_key("rt"))
    _field_error("rt")
    if registry_is_sample(reg):
        st.caption(geo_rt.SAMPLE_NOTICE)
    return kel, rt


def _map(kel: str | None) -> None:
    """Optional point: tap the small map; checked against the kelurahan."""
    on = st.toggle("Tandai lokasi di peta (opsional)", key=_key("map_on"))
    point = st.session_state.get(_key("point"))
    if on and maps.missing_vendor_files():
        st.info(maps.MISSING_VENDOR_MESSAGE)
    elif on:
        center, zoom = [-3.29, 102.87], 12
        if kel:
            rec = gazetteer.kelurahan_by_code(kel)
            center, zoom = [rec["lat"], rec["lon"]], 15
        # Leaflet from static/vendor/ (no CDN), nothing else folium would fetch; tiles if configured.
        s = settings()
        fmap = maps.offline_map(center, zoom, base_url_path=st.get_option("server.baseUrlPath") or "",
                                tile_url=s.tile_url, tile_attribution=s.tile_attribution)
        if kel:
            if geo_dir() is not None:
                shape = boundaries("kelurahan")
                shape = shape[shape["kode"] == kel]
                folium.GeoJson(shape[["kode", "geometry"]].to_json(),
                               style_function=lambda f: {"color": "#b71c1c", "weight": 2, "fillOpacity": 0.08},
                               ).add_to(fmap)
                minx, miny, maxx, maxy = shape.total_bounds
                fmap.fit_bounds([[miny, minx], [maxy, maxx]])
        # The pin is part of the map itself: streamlit-folium draws `feature_group_to_add` with eval(),
        # which the Content-Security-Policy forbids (no 'unsafe-eval'), so a separate layer never showed.
        if point:
            folium.CircleMarker(point, radius=9, color="#b71c1c", fill=True, fill_opacity=0.9).add_to(fmap)
        out = st_folium(fmap, height=260, use_container_width=True, returned_objects=["last_clicked"],
                        key=_key("map"))
        clicked = (out or {}).get("last_clicked")
        if clicked and clicked.get("lat") is not None:
            new = (round(float(clicked["lat"]), 6), round(float(clicked["lng"]), 6))
            if new != point:
                st.session_state[_key("point")] = new
                st.rerun()  # draw the marker where it was tapped
        st.caption("Ketuk peta di tempat kejadian. Peta dasar tidak dimuat tanpa internet; garis merah adalah "
                   "batas kelurahan.")
    if point:
        lat, lon = point
        st.write(f"Titik: {lat:.5f}, {lon:.5f}")
        if (warning := form.point_warning(lat, lon, kel)) is not None:
            st.warning(warning)
        if st.button("Hapus titik", key=_key("clear_point")):
            st.session_state.pop(_key("point"), None)
            st.rerun()
    _field_error("location")


def _form(v: Viewer) -> None:
    cal = settings().calendar
    today = to_wib(now()).date()
    # Enter in "Judul singkat" must not send a half-written report (issue 26 item 5)
    with st.form("lapor_form", clear_on_submit=False, enter_to_submit=False, border=False):
        st.selectbox("Kategori", [c.value for c in Category], format_func=lambda c: CATEGORY_LABELS[Category(c)],
                     index=None, placeholder="Pilih jenis kejadian", key=_key("cat"))
        _field_error("category")
        st.radio("Tingkat", [s.value for s in Severity], format_func=lambda s: Severity(s).label, index=None,
                 horizontal=True, key=_key("sev"))
        _field_error("severity")
        c1, c2 = st.columns(2)
        c1.date_input("Tanggal kejadian", min_value=cal.season_start, max_value=max(today, cal.season_start),
                      format="DD/MM/YYYY", key=_key("date"))
        c2.time_input("Jam (WIB)", step=60, key=_key("time"))
        _field_error("occurred_at")
        # No max_chars: Streamlit drops a paste longer than it without a word (the report went out without
        # its text); the server refuses an over-long field with a message and the form keeps the text.
        st.text_input("Judul singkat", placeholder="mis. Amplop dibagikan ke warga", key=_key("title"))
        _field_error("title")
        st.text_area("Uraian", height=120,
                     placeholder="Apa yang terjadi, siapa, di mana tepatnya", key=_key("desc"))
        st.caption(f"Judul paling banyak {MAX_TITLE} karakter, uraian {MAX_DESCRIPTION:,} karakter.".replace(",", "."))
        _field_error("description")
        st.file_uploader("Foto (opsional, JPEG/PNG)", type=["jpg", "jpeg", "png"], key=_photo_key(),
                         max_upload_size=_mb(settings().max_photo_bytes))  # the shown limit is the real one
        st.caption("Data lokasi di dalam foto dihapus.")
        _field_error("photo")
        with st.expander("Kontak pelapor (opsional; hanya dilihat Panwaslu)"):
            st.text_input("Nama", key=_key("name"))
            _field_error("reporter_name")
            st.text_input("Nomor HP", placeholder="08xx-xxxx-xxxx", key=_key("phone"))
            _field_error("reporter_phone")
        _field_error("row")
        clicked = st.form_submit_button("Kirim laporan", type="primary", width="stretch", on_click=_submit, args=(v,))
    if taps.missed_tap(clicked, _key("tapped")):  # issue 31: first tap after a failover, on a fresh session
        _submit(v)
        st.rerun()


def _source_label(source: str) -> str:
    try:
        return Source(source).label
    except ValueError:
        return source


def _result(v: Viewer, result: dict) -> None:
    if result["created"]:
        st.success(f"Laporan terkirim. Nomor laporan Anda: **{result['report_no']}**", icon=":material/check_circle:")
    else:
        # a resend of a filed report is good news, not a notice (issue 26 item 5)
        st.success(f"Laporan Anda sudah tercatat: **{result['report_no']}** (tidak dikirim dua kali).",
                   icon=":material/check_circle:")
    st.caption("Simpan nomor ini untuk menanyakan tindak lanjutnya ke Panwaslu.")
    for w in result["warnings"]:
        st.warning(escape_markdown(w))
    dups = result["duplicates"]
    if dups:
        st.warning(f"Ada {len(dups)} laporan serupa (kategori sama, RT sama/bertetangga, dalam "
                   f"{window_hours():g} jam). Laporan Anda tetap tersimpan dan ditandai untuk diperiksa Panwaslu.",
                   icon=":material/content_copy:")
        table = pd.DataFrame([{
            "Nomor": d["report_no"], "RT": f"{int(d['rt']):02d}" if pd.notna(d["rt"]) else "-",
            "Waktu": format_wib(d["occurred_at"]),
            "Sumber": _source_label(d["source"]),
            # similar reports may be a neighbouring RT's: an rt account sees no title of theirs
            **({} if access.area_of(v).level == access.SCOPE_RT else {"Judul": d["title"]}),
        } for d in dups])
        st.dataframe(table, hide_index=True, width="stretch")
        if any(d["source"] == Source.SIMULASI.value for d in dups):
            st.caption("Sebagian laporan serupa adalah data SIMULASI (bukan kejadian nyata).")
    st.button("Buat laporan baru", type="primary", width="stretch", on_click=_new_form)


def _mb(n_bytes: int) -> int:
    """A byte limit as whole megabytes for st.file_uploader (at least 1)."""
    return max(1, int(n_bytes) // (1024 * 1024))


def _status_label(status: str) -> str:
    try:
        return STATUS_LABELS[Status(status)]
    except ValueError:
        return str(status).capitalize()


def _recent(v: Viewer) -> None:
    if access.area_of(v).level != access.SCOPE_RT:  # an rt account's own recent reports, under its form
        return
    df = store.query_incidents(store.get_engine(), None, v, columns=["report_no", "occurred_at", "category", "status", "source"],
                               limit=10)
    if df.empty:
        return
    with st.expander("Laporan saya (10 terakhir)"):
        # Issue 12.8: one short block per report, status beside the number, so a 360 px phone
        # shows every column without scrolling sideways (a 4-column table did not).
        for rec in df.itertuples(index=False):
            category = CATEGORY_LABELS.get(Category(rec.category), rec.category)
            st.markdown(
                f"**{escape_markdown(rec.report_no)}** · {escape_markdown(_status_label(rec.status))}  \n"
                f":small[{escape_markdown(format_wib(rec.occurred_at))} · {escape_markdown(category)}]"
            )
        if (df["source"] == Source.SIMULASI.value).any():
            st.caption("Termasuk data SIMULASI (dibuat program untuk demo, bukan kejadian nyata).")


def render(viewer: Viewer) -> None:
    """The report form, or the last report's number; an rt account's own recent reports below."""
    st.html(static_files.style("report_form.css"))  # static CSS only, no user text
    st.title("Kirim laporan")
    # issue 8: a busy/unreachable database is one message here too (the form's own reads and writes)
    with stop_when_unavailable():
        checkin_ui.aman_block(store.get_engine(), viewer)  # issue 24: "Lingkungan aman" beside "Kirim laporan"
        result = st.session_state.get(_key("result"))
        if result:
            _result(viewer, result)
        else:
            _ensure_defaults()
            with st.spinner("Memuat…"):  # the blank wait while the map and form are drawn
                kel, _rt = _place(viewer)
                _map(kel)
                _form(viewer)
        _recent(viewer)

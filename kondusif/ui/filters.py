"""Sidebar filter widgets shared by every page, kept in step with the URL.

One Filter (kondusif.filters) lives in the session under FILTER_KEY, so moving
between pages keeps it. On the first run of a session, or when someone opens a
shared link, the filter is read from the URL query parameters (bad ones are
dropped with a notice); after every change the URL is rewritten, so the
address bar always holds a link to the current view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any, cast

import streamlit as st
from sqlalchemy.engine import Engine

from kondusif import access, overview, registry
from kondusif import filters as flt_mod
from kondusif.filters import CUSTOM, PARAMS, Filter, Period
from kondusif.model import (
    CATEGORY_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    Category,
    Severity,
    Source,
    Status,
    Viewer,
)
from kondusif.timeutil import format_long_date, format_wib
from lubuklinggau_geo import gazetteer

FILTER_KEY = "filter"
PARAMS_KEY = "_filter_params"
W = "flt_"  # widget keys
WIDGETS = ("period", "range", "as_of", "kecamatan", "kelurahan", "rt", "category", "severity", "status", "source")
MIN_DATE = date(2000, 1, 1)


def _url_params() -> dict[str, str]:
    """This app's filter parameters from the URL (other pages' parameters are left alone)."""
    names = set(PARAMS.values())
    out: dict[str, str] = {}
    for key in st.query_params.keys():
        if key in names:
            out[key] = ",".join(st.query_params.get_all(key))
    return out


def _write_url(params: dict[str, str]) -> None:
    names = set(PARAMS.values())
    current = _url_params()
    if current == params:
        return
    for key in list(st.query_params.keys()):
        if key in names and key not in params:
            del st.query_params[key]
    for key, value in params.items():
        if current.get(key) != value:
            st.query_params[key] = value


def _set_widgets(f: Filter, today: date) -> None:
    ss = st.session_state
    ss[W + "period"] = f.period
    ss[W + "range"] = (f.start or today, f.end or today)
    ss[W + "as_of"] = min(f.as_of or today, today)
    ss[W + "kecamatan"] = list(f.kecamatan)
    ss[W + "kelurahan"] = list(f.kelurahan)
    ss[W + "rt"] = list(f.rt)
    ss[W + "category"] = list(f.category)
    ss[W + "severity"] = list(f.severity)
    ss[W + "status"] = list(f.status)
    ss[W + "source"] = list(f.source)


def current_filter() -> Filter:
    """The session's filter (the default one before the sidebar ran)."""
    value = st.session_state.get(FILTER_KEY)
    return value if isinstance(value, Filter) else Filter()


def _start_filter(viewer: Viewer, engine: Engine, params: dict[str, str]) -> tuple[Filter, list[str]]:
    f, notices = Filter.from_params(params)
    if f.as_of is None and flt_mod.PARAMS["as_of"] not in params:
        # Open where the data are: the newest real report, else the simulated season's replay.
        replay_day = overview.data_moments(engine, viewer).default_as_of()
        if replay_day is not None:
            f = replace(f, as_of=replay_day)
    f, scope_notes = f.scoped(viewer)
    return f, notices + scope_notes


def _scoped_kecamatan(viewer: Viewer) -> list[str]:
    area = access.area_of(viewer)
    if area.kecamatan:
        return [area.kecamatan]
    if area.kelurahan:
        return [area.kelurahan[:8]]
    return gazetteer.kecamatan_codes()


def _prune(key: str, options: list) -> None:
    """Drop selections that are no longer options (e.g. after changing kecamatan)."""
    ss = st.session_state
    if key in ss:
        ss[key] = [v for v in ss[key] if v in options]


def _clear(today: date) -> None:
    f = current_filter().cleared()
    _set_widgets(f, today)


def filter_sidebar(viewer: Viewer, engine: Engine) -> tuple[Filter, Period, list[str]]:
    """Draw the shared filters in the sidebar; returns (filter, resolved period, notices).

    Notices (bad URL parameters, scope adjustments) are for the page to show.
    """
    ss = st.session_state
    today = flt_mod.today_wib()
    params = _url_params()
    notices: list[str] = []
    if FILTER_KEY not in ss or (params and params != ss.get(PARAMS_KEY)):
        f, notices = _start_filter(viewer, engine, params)
        ss[FILTER_KEY] = f
        _set_widgets(f, today)
    elif any(W + name not in ss for name in WIDGETS):
        _set_widgets(current_filter(), today)  # widgets were dropped while another page ran
    else:
        # Widgets on another page are other widgets to Streamlit: re-assigning each key
        # makes its value a session value the next page's widget starts from.
        for name in WIDGETS:
            ss[W + name] = ss[W + name]

    options = flt_mod.period_options()
    sb = st.sidebar
    sb.header("Filter")
    if ss.get(W + "period") not in options:
        ss[W + "period"] = flt_mod.DEFAULT_PERIOD
    period_key = sb.selectbox("Periode", list(options), format_func=cast("Callable[[str], str]", options.get),
                              key=W + "period")
    start = end = None
    if period_key == CUSTOM:
        picked: Any = sb.date_input("Rentang tanggal (WIB)", key=W + "range", min_value=MIN_DATE, max_value=today,
                               format="DD/MM/YYYY")
        picked = tuple(picked) if isinstance(picked, list | tuple) else (picked,)
        if picked:
            start, end = picked[0], picked[-1]
    as_of_day = sb.date_input(
        "Per tanggal (putar ulang)", key=W + "as_of", min_value=MIN_DATE, max_value=today, format="DD/MM/YYYY",
        help="Tampilkan keadaan pada akhir tanggal ini, misalnya untuk memutar ulang musim Pilkada 2018.",
    )
    as_of = None if as_of_day is None or as_of_day >= today else as_of_day

    kec_options = _scoped_kecamatan(viewer)
    scoped_kec = len(kec_options) == 1 and access.area_of(viewer).level != access.SCOPE_CITY
    if scoped_kec:
        ss[W + "kecamatan"] = kec_options
    _prune(W + "kecamatan", kec_options)
    kecamatan = sb.multiselect(
        "Kecamatan", kec_options, key=W + "kecamatan", format_func=gazetteer.kecamatan_name,
        placeholder="Semua kecamatan", select_all=False, disabled=scoped_kec,
        help="Dibatasi ke wilayah tugas Anda." if scoped_kec else None,
    )
    kel_pool = [k for k in gazetteer.kelurahan_codes() if k[:8] in (kecamatan or kec_options)]
    _prune(W + "kelurahan", kel_pool)
    kelurahan = sb.multiselect(
        "Kelurahan", kel_pool, key=W + "kelurahan", format_func=gazetteer.kelurahan_name,
        placeholder="Semua kelurahan", select_all=False,
    )
    rt: list[int] = []
    if len(kelurahan) == 1:
        reg = registry.rt_registry(engine)
        rt_options = sorted(int(r) for r in reg.loc[reg["kode_kelurahan"] == kelurahan[0], "rt"])
        _prune(W + "rt", rt_options)
        rt = sb.multiselect("RT", rt_options, key=W + "rt", format_func=lambda r: f"RT {r:02d}",
                            placeholder="Semua RT", select_all=False)
    else:
        ss[W + "rt"] = []
    category = sb.multiselect("Kategori", [c.value for c in Category], key=W + "category",
                              format_func=lambda c: CATEGORY_LABELS[Category(c)], placeholder="Semua kategori", select_all=False)
    severity = sb.multiselect("Tingkat keparahan", [s.value for s in Severity], key=W + "severity",
                              format_func=lambda s: Severity(s).label, placeholder="Semua", select_all=False)
    status = sb.multiselect("Status", [s.value for s in Status], key=W + "status",
                            format_func=lambda s: STATUS_LABELS[Status(s)], placeholder="Semua status", select_all=False)
    source = sb.multiselect("Sumber", [s.value for s in Source], key=W + "source",
                            format_func=lambda s: SOURCE_LABELS[Source(s)], placeholder="Semua sumber", select_all=False)
    sb.button("Hapus filter", on_click=_clear, args=(today,), help="Kembali ke semua wilayah dan kategori.")

    f = Filter(
        period=period_key if period_key is not None and period_key in options else flt_mod.DEFAULT_PERIOD,
        start=start if period_key == CUSTOM else None,
        end=end if period_key == CUSTOM else None,
        as_of=as_of,
        kecamatan=tuple(kecamatan),
        kelurahan=tuple(kelurahan),
        rt=tuple(rt),
        category=tuple(category),
        severity=tuple(severity),
        status=tuple(status),
        source=tuple(source),
    )
    f, scope_notes = f.scoped(viewer)
    notices += scope_notes
    ss[FILTER_KEY] = f
    new_params = f.to_params()
    _write_url(new_params)
    ss[PARAMS_KEY] = new_params
    period = f.resolve()
    sb.caption(f"Tautan di bilah alamat menyimpan filter ini. {period_caption(f, period)}")
    return f, period, notices


def period_caption(f: Filter, period: Period) -> str:
    """'Periode: ... (from – to).' in words, including the replay day."""
    text = f"Periode: {period.label} ({format_wib(period.start)} s.d. {flt_mod.format_moment(period.end)})."
    if period.replay and f.as_of:
        text += f" Diputar ulang per {format_long_date(f.as_of)}."
    return text


def _jump(day: date | None) -> None:
    """Button callback: move the view's 'per tanggal' to `day` (None = today, live)."""
    today = flt_mod.today_wib()
    st.session_state[W + "as_of"] = day or today
    st.session_state[FILTER_KEY] = replace(current_filter(), as_of=day)


def moment_switch(viewer: Viewer, engine: Engine, f: Filter) -> None:
    """When the store holds real and simulated reports: say which the view shows, one click to the other.

    The view opens on the newest real report; the simulated 2018 season is one click
    away (and back), so neither hides the other.
    """
    moments = overview.data_moments(engine, viewer)
    choices = moments.moment_choices()
    if not choices:
        return
    real, season = choices["real"], choices["season"]
    newest_real = format_wib(moments.newest_real)
    season_text = format_long_date(season) if season else "-"
    box = st.container(border=True)
    if f.as_of == season:
        box.markdown(f"Menampilkan **musim simulasi** per akhir {season_text}. "
                     f"Laporan nyata terbaru: {newest_real}.")
        box.button("Lihat laporan nyata terbaru", key="moment_real", on_click=_jump, args=(real,),
                   icon=":material/update:")
        return
    if f.as_of == real:
        box.markdown(f"Menampilkan **laporan nyata** (terbaru {newest_real}). Data simulasi musim Pilkada "
                     f"berakhir {season_text}.")
    else:
        box.markdown(f"Laporan nyata terbaru: {newest_real}; musim simulasi berakhir {season_text}.")
        box.button("Lihat laporan nyata terbaru", key="moment_real", on_click=_jump, args=(real,),
                   icon=":material/update:")
    box.button(f"Putar ulang musim simulasi (per {season:%d/%m/%Y})", key="moment_season", on_click=_jump,
               args=(season,), icon=":material/history:")

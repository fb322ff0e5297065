"""Peta kondusivitas screen (screens/peta.py), the home page: filter, figures, map, kelurahan panel, trend.

Data come from kondusif.overview through one cached read (`peta_data`); the widgets are in `mapview`.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from kondusif import overview, store
from kondusif.filters import Filter, Period
from kondusif.model import Viewer
from kondusif.ui import filters as ui_filters
from kondusif.ui import mapview, peta_data, rounds_panel


def render(viewer: Viewer) -> None:
    """The home page for `viewer`, filtered by the sidebar and the shared URL."""
    engine = store.get_engine()
    db_url = engine.url.render_as_string(hide_password=False)
    flt, period, filter_notices = ui_filters.filter_sidebar(viewer, engine)

    st.title("Peta kondusivitas Kota Lubuklinggau")
    for notice in filter_notices:
        st.warning(notice, icon=":material/link_off:")
    ui_filters.moment_switch(viewer, engine, flt)  # real reports and the simulated season: one click apart

    version = overview.data_version(engine)
    view = peta_data.cached_page(db_url, version, viewer, flt, period)  # one read of the store (issue 14)
    levels, head = view.levels, view.headline
    # Keyed blocks: on a phone kondusif/ui/screen.py puts the map first (issue 12.8).
    with st.container(key="sk_peta_notices"):
        mapview.notices(flt, period, view.simulated_notice, levels)
    with st.container(key="sk_peta_head"):
        mapview.headline(head, period)
        rounds_panel.round_panel(engine, viewer, period.as_of - timedelta(microseconds=1))  # issue 24: silent list

    page_run = st.session_state[PAGE_RUN_KEY] = st.session_state.get(PAGE_RUN_KEY, 0) + 1
    with st.container(key="sk_peta_map"):
        map_and_panel(viewer, flt, period, view, db_url, version, page_run)

    with st.container(key="sk_peta_rest"):
        st.subheader("Tren harian per kategori")
        mapview.trend(view.trend)

        st.subheader("Per kecamatan")
        st.dataframe(view.kecamatan, hide_index=True, width="stretch")


PAGE_RUN_KEY = "peta_page_run"  # counts whole-page runs; the fragment tells its own reruns apart by it
FRAGMENT_RUN_KEY = "peta_fragment_run"


@st.fragment
def map_and_panel(viewer: Viewer, flt: Filter, period: Period, view: peta_data.PageView, db_url: str,
                  version: tuple, page_run: int) -> None:
    """The map and the kelurahan panel beside it. Issue 29.2: a fragment, so a click on a kelurahan
    or another choice in the panel reruns only these two, with the view of the last page run
    (a filter change in the sidebar still reruns the whole page). The panel's figures are
    cached with the view (`version`: the store fingerprint the view was read at). A click after
    something was saved elsewhere (another liaison's verification) reruns the whole page, so the
    map, panel and headline show it at once, not at the next filter change."""
    ss = st.session_state
    if ss.get(FRAGMENT_RUN_KEY) == page_run and overview.data_version(store.get_engine(db_url))[:3] != version[:3]:
        st.rerun()
    ss[FRAGMENT_RUN_KEY] = page_run
    levels = view.levels
    units = overview.kelurahan_units(flt, viewer)
    map_col, panel_col = st.columns([2, 1], gap="medium")
    with map_col:
        clicked = mapview.city_map(levels, view.layer, overview.kelurahan_units(Filter(), viewer), view.map_data)
    with panel_col:
        kode = mapview.choose_kelurahan(clicked, units, levels)
        detail = peta_data.cached_detail(db_url, view, viewer, flt, period, kode) if kode else None
        mapview.kelurahan_panel(detail)

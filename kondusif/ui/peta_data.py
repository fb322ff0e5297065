"""The city map page's data for one view, cached: one read of the store per view (issue 14).

overview.page_data reads the reports once and derives levels, headline, map reports, trend and
the per-kecamatan table; this module caches the result per (store fingerprint, role + place scope of the viewer, filter,
period: officials of one scope share an entry across sessions), so a rerun that only changes the kelurahan panel (a click on the map) reads nothing again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from kondusif import maps, overview, registry, store
from kondusif.filters import Filter, Period
from kondusif.maps import live
from kondusif.model import Viewer
from kondusif.ui.mapview import BY_SCOPE, CACHE_TTL, MapLayer
from lubuklinggau_geo import gazetteer


@dataclass(frozen=True)
class PageView:
    levels: overview.Levels
    headline: overview.Headline
    layer: MapLayer
    trend: pd.DataFrame
    kecamatan: pd.DataFrame
    map_data: str  # the live map's data element (kondusif/maps/live.py), built once per cached view


@st.cache_data(ttl=CACHE_TTL, hash_funcs=BY_SCOPE, max_entries=16, show_spinner=False)
def cached_page(db_url: str, version: tuple, viewer: Viewer, flt: Filter, period: Period) -> PageView:
    engine = store.get_engine(db_url)
    reg = registry.rt_registry(engine)
    data = overview.page_data(engine, viewer, flt, period, registry=reg)
    inc = data.map
    packed = None
    if len(inc.frame):
        packed = maps.pack_incidents(inc.frame, maps.static_layers().points, maps.rt_points(reg))
    levels = data.levels
    map_data = live.data_element(live.live_data(
        levels.kelurahan, levels.rt, levels.registry, registry_is_sample=levels.registry_is_sample,
        packed_incidents=packed, contact=levels.coverage.kelurahan if levels.coverage is not None else None,
        n_kelurahan=len(gazetteer.kelurahan_codes()), version=version))
    # The packed reports travel once, inside map_data: a cache hit unpickles them once, not twice.
    return PageView(levels, data.headline, MapLayer(None, len(inc.frame), inc.total), data.trend,
                    data.kecamatan, map_data)

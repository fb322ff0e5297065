"""The city map page's data for one view, cached: one read of the store per scope (issues 14, 29).

overview.page_data derives levels, headline, map reports, trend and the per-kecamatan table from
one frame; this module keeps one frame of all the reports of a scope (patched after a save), cuts
every filter and period from it, and caches each view per (content version of that frame, role +
place scope of the viewer, filter, period: officials of one scope share an entry across
sessions), so a rerun that only changes the kelurahan panel (a click on the map), another period
or a sign-in reads nothing again.

Issue 29: the entry is held by `st.cache_resource`, not `st.cache_data`: a hit no longer
unpickles the ~1.4 MB view (map data, frames) on every rerun of every session. Shared objects
must not be changed by a caller, so `cached_page` hands out lazy copies (`handed_out`): with
pandas' Copy-on-Write a shallow copy costs microseconds and any write to it copies the
columns it touches first, never the cached frame. The key is the viewer's role and place
scope (mapview.BY_SCOPE), so a narrower role never gets a wider scope's entry.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from kondusif import coverage, maps, overview, registry, simulated, store
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
    simulated_notice: str | None  # issue 16: only when simulated reports are in view, saying how many
    version: tuple  # the content version the view is cached by (current_frame)


T = TypeVar("T")
FULL_READ_EVERY_S = 300.0  # a patched frame is read whole again after this long, whatever happened


class ViewFrame:
    """The reports of one scope at all times (overview.read_view's frame, no filter), the audit id
    it is current to and the audit id it last changed at.

    Issue 29: a verification changes the store's fingerprint, so every cached view is new; with
    this the next view re-reads only the reports written since (overview.patch_view) instead of
    the whole period, and a write no view shows (a sign-in) changes no view at all. `state` is
    replaced whole, never changed in place: a session thread that still holds the old frame
    keeps a consistent one.
    """

    def __init__(self) -> None:
        # ((audit id, oldest open transaction) current to, monotonic time of the full read, frame,
        #  the same pair when the frame last changed)
        self.state: tuple[tuple[int, str], float, pd.DataFrame, tuple[int, str]] | None = None


@st.cache_resource(ttl=CACHE_TTL, hash_funcs=BY_SCOPE, max_entries=4, show_spinner=False)
def view_frames(db_url: str, generation: str, viewer: Viewer) -> ViewFrame:
    """One holder per (store generation, role + place scope), whatever the audit id: every
    filter and period of a scope is cut from the same frame of all its reports. A restore
    starts a new generation (its audit ids repeat earlier ones): a new holder, never a patch of
    the frame read before it."""
    return ViewFrame()


def current_frame(db_url: str, version: tuple, viewer: Viewer) -> tuple[tuple, pd.DataFrame]:
    """The frame of all the reports of the viewer's scope as of `version` (or newer; each filter
    is cut from it, overview.narrow_view), and the version of its content: (audit id and open
    transaction it last changed at, alert id, generation) — what the view's cache is keyed by, so
    views read before a sign-in or another write no view shows are used again.

    The frame is patched from the last one when only reports (and view-neutral rows) were
    written since, and read whole otherwise (first time, something else written, too many
    reports, or the last full read older than FULL_READ_EVERY_S). A holder another session
    moved further on is taken as it is: its content version names what it holds."""
    every = Filter()
    generation = str(version[2]) if len(version) > 2 else ""
    holder = view_frames(db_url, generation, viewer)
    engine = store.get_engine(db_url)
    audit_id = int(version[0])
    at = (audit_id, str(version[3]) if len(version) > 3 else "")
    state = holder.state
    # Newer ids, or the same ids after a transaction that was open ended (PostgreSQL: it may have
    # committed a report with an id below the newest one; reports_written looks back a minute).
    if state is None or state[0][0] < audit_id or (state[0][0] == audit_id and state[0][1] != at[1]):
        ids = None
        if state is not None and time.monotonic() - state[1] < FULL_READ_EVERY_S:
            ids = overview.reports_written(engine, state[0][0], audit_id)
        if state is not None and ids is not None:
            frame = overview.patch_view(engine, state[2], ids, viewer, every, None)
            same = overview.same_rows(state[2], frame, ids)  # re-read for safety only (the overlap)
            state = (at, state[1], state[2] if same else frame, state[3] if same else at)
        else:
            state = (at, time.monotonic(), overview.read_view(engine, viewer, every, None), at)
        holder.state = state
    return (*state[3], version[1], generation), state[2]


def handed_out(value: T) -> T:
    """`value` with every DataFrame/Series in it (nested frozen dataclasses included) replaced by
    a lazy copy: what a caller may change freely without touching the shared cache entry."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes: dict[str, Any] = {f.name: handed_out(getattr(value, f.name))
                                   for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value


def cached_page(db_url: str, version: tuple, viewer: Viewer, flt: Filter, period: Period) -> PageView:
    """The view for `viewer`'s scope as of the store fingerprint `version`, from the shared cache,
    as the caller's own lazy copy; its `version` is the content version it is cached by."""
    content, frame = current_frame(db_url, version, viewer)
    return handed_out(shared_page(db_url, content, viewer, flt, period, frame))


@st.cache_resource(ttl=CACHE_TTL, hash_funcs=BY_SCOPE, max_entries=16, show_spinner=False)
def shared_page(db_url: str, version: tuple, viewer: Viewer, flt: Filter, period: Period,
                _frame: pd.DataFrame) -> PageView:
    """Computed once per (content version, role + place scope, filter, period); never handed out
    as is. `_frame` is not part of the key: it is the scope's frame the version names."""
    engine = store.get_engine(db_url)
    reg = registry.rt_registry(engine)
    narrowed = overview.narrow_view(_frame, flt)
    frame = overview.slice_view(narrowed, period)
    bare = shared_levels(db_url, version, viewer, dataclasses.replace(flt, period=Filter().period, start=None,
                                                                       end=None, as_of=None), period.as_of, narrowed)
    data = overview.page_data(engine, viewer, flt, period, registry=reg, frame=frame, bare_levels=bare,
                              cov=shared_contact(db_url, version, viewer, period.start, period.end, _frame))
    n_sim, n_sim_window = overview.simulated_in_frame(frame, period)
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
                    data.kecamatan, map_data, simulated.notice(data.headline.n, n_sim, n_sim_window), version)


@st.cache_resource(ttl=CACHE_TTL, hash_funcs=BY_SCOPE, max_entries=16, show_spinner=False)
def shared_levels(db_url: str, version: tuple, viewer: Viewer, flt: Filter, as_of: datetime,
                  _frame: pd.DataFrame) -> overview.Levels:
    """Levels before contact at `as_of` of a filter (no period: 7 days, 30 days and the campaign
    ending now share them); `_frame` is the filter's frame of all times the version names."""
    engine = store.get_engine(db_url)
    return overview.levels_from_frame(_frame, viewer, flt, as_of, registry.rt_registry(engine))


@st.cache_resource(ttl=CACHE_TTL, hash_funcs=BY_SCOPE, max_entries=16, show_spinner=False)
def shared_contact(db_url: str, version: tuple, viewer: Viewer, start: datetime, end: datetime,
                   _frame: pd.DataFrame) -> coverage.Coverage | None:
    """Who gave word in [start, end) across the scope: every filter of a period shares it (a
    check-in is a write the version follows); its reports counted from `_frame`, the scope's."""
    return overview.contact(store.get_engine(db_url), viewer, start, end, _frame)


def cached_detail(db_url: str, view: PageView, viewer: Viewer, flt: Filter, period: Period,
                  kode: str) -> overview.KelurahanDetail | None:
    """The kelurahan panel of `kode` in `view`, shared like the view (issue 29: four SQL reads on
    every rerun of every session were a fifth of the page's CPU); the caller's own lazy copy."""
    holder = view_frames(db_url, str(view.version[3]), viewer)
    state = holder.state  # the frame the view was made from, unless the store moved on since (then: SQL)
    frame = state[2] if state is not None and state[3] == view.version[:2] else None
    return handed_out(shared_detail(db_url, view.version, viewer, flt, period, kode, view.levels, frame))


@st.cache_resource(ttl=CACHE_TTL, hash_funcs=BY_SCOPE, max_entries=128, show_spinner=False)
def shared_detail(db_url: str, version: tuple, viewer: Viewer, flt: Filter, period: Period, kode: str,
                  _levels: overview.Levels, _frame: pd.DataFrame | None) -> overview.KelurahanDetail | None:
    """`_levels` and `_frame` (the scope's, None: counted in the store) are not part of the key: the
    other arguments determine them. A view never keeps a frame: at 100,000 reports one is ~70 MB."""
    return overview.kelurahan_detail(store.get_engine(db_url), viewer, flt, period, _levels, kode, reports=_frame)

"""Widgets of the city map page: notices, headline figures, the map, the kelurahan panel, trend.

Data come from kondusif.overview (plain functions); this module only draws.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from kondusif import charts, maps, overview
from kondusif.config import settings
from kondusif.filters import Filter, Period, format_moment
from kondusif.maps import live as live_map
from kondusif.model import Viewer
from kondusif.safe import escape_markdown
from kondusif.status import MEASURE_NOTICE, Level, window_label
from kondusif.timeutil import format_long_date, format_wib, to_wib
from lubuklinggau_geo import boundaries as geo_boundaries
from lubuklinggau_geo import gazetteer
from lubuklinggau_geo.rt import SAMPLE_NOTICE

SELECTED_KEY = "peta_kelurahan"
LAST_CLICK_KEY = "_peta_last_click"
MAP_HEIGHT = 620
LEVEL_MD_COLORS = {Level.KONDUSIF: "green", Level.WASPADA: "orange", Level.RAWAN: "red",
                   Level.TIDAK_ADA_KABAR: "gray"}


def level_badge(level: Level) -> str:
    """Markdown badge of a level, coloured like the map."""
    return f":{LEVEL_MD_COLORS[level]}-background[**{level.label}**]"


def reasons_markdown(reasons: list[str]) -> str:
    return "\n".join(f"- {escape_markdown(r)}" for r in reasons)


def notices(flt: Filter, period: Period, simulated_notice: str | None, levels: overview.Levels) -> None:
    """What the viewer must know to read the page honestly (simulated.notice: only when some are in view)."""
    if simulated_notice:
        st.warning(simulated_notice, icon=":material/science:")
    if period.replay and flt.as_of:
        st.info(
            f"Memutar ulang: halaman ini menunjukkan keadaan per akhir {format_long_date(flt.as_of)}, "
            "bukan hari ini. Ubah «Per tanggal» di samping untuk tanggal lain.",
            icon=":material/history:",
        )
    st.caption(
        f"{MEASURE_NOTICE} Tingkat dihitung per {format_moment(levels.as_of)} dari laporan "
        f"{window_label()} terakhir: tiap laporan ditimbang menurut keparahan dan statusnya, dan makin lama "
        "makin ringan. Alasan tiap tingkat tampil saat kelurahan disentuh di peta atau dipilih di samping."
    )


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def headline(head: overview.Headline, period: Period) -> None:
    cols = st.columns(5)
    pct = head.change_pct
    delta = f"{head.change:+,}".replace(",", ".") + (f" ({pct:+.0f}%)" if pct is not None else "")
    cols[0].metric(f"Laporan · {period.label}", _thousands(head.n), delta=delta, delta_color="inverse",
                   help="Perubahan dibanding periode sepanjang ini tepat sebelumnya.")
    cols[1].metric("Kelurahan Rawan", head.n_rawan, help="Tingkat per akhir periode.")
    cols[2].metric("Kelurahan Waspada", head.n_waspada, help="Tingkat per akhir periode.")
    cols[3].metric("Belum diverifikasi", _thousands(head.n_unverified),
                   help="Laporan periode ini yang masih berstatus Baru.")
    latest = to_wib(head.latest).strftime("%d/%m %H:%M") if head.latest else "-"
    cols[4].metric("Laporan terakhir", latest,
                   help=f"Waktu kejadian laporan terbaru: {format_wib(head.latest)}." if head.latest else None)


# --------------------------------------------------------------------------- cached data
# Keyed on the store's fingerprint (overview.data_version), the viewer's scope and the filter,
# so a rerun that only changes the kelurahan panel (a click on the map) reads nothing again.
# Issue 14: the entries are shared across sessions and accounts of the same role and place
# scope (what the data functions filter on; never the username), and live an hour: the
# fingerprint changes with every write, so an entry cannot outlive its data — before, a
# 5-minute TTL let a "warm" whole-campaign view read and pack 30,000 reports again.
CACHE_TTL = 3600


def viewer_scope(viewer: Viewer) -> tuple:
    """What a cached view depends on: the role and the place scope, not who is asking."""
    return (str(viewer.role), viewer.kecamatan, viewer.kelurahan, viewer.rt)


BY_SCOPE: dict[str | type[Any], Callable[[Any], Any]] = {Viewer: viewer_scope}




@dataclass(frozen=True)
class MapLayer:
    """The report layer ready for the map: packed arrays, how many shown, how many in the period."""

    packed: dict | None
    shown: int
    total: int

    @property
    def capped(self) -> bool:
        return self.total > self.shown


# --------------------------------------------------------------------------- widgets


def city_map(levels: overview.Levels, layer: MapLayer, scope_units: list[str], map_data: str) -> str | None:
    """Draw the map; returns the kelurahan code the user clicked (None if nothing new).

    Issue 29.1: the map itself is the same for every view of this viewer (`scope_units`, their
    kelurahan); `map_data` (kondusif/maps/live.py) carries the view's levels and reports to it,
    so a new period or filter keeps the zoom and position and re-sends no map.
    """
    missing = maps.missing_vendor_files()
    if missing:
        st.error(maps.MISSING_VENDOR_MESSAGE)
        return None
    geo_state = geo_boundaries.status()
    if not geo_state.available:
        st.info(geo_state.message, icon=":material/location_on:")
    if layer.capped:
        st.caption(
            f"Peta memuat {_thousands(layer.shown)} laporan terbaru dari {_thousands(layer.total)} laporan "
            "periode ini; persempit filter untuk melihat semuanya."
        )
    cfg = settings()
    st.html(live_map.BuiltHtml(map_data))  # before the map: its first run finds the data at once
    fmap = live_map.base_map(scope_units, base_url_path=st.get_option("server.baseUrlPath") or "",
                             tile_url=cfg.tile_url, tile_attribution=cfg.tile_attribution)
    result = st_folium(fmap, key="peta_map", height=MAP_HEIGHT, use_container_width=True,
                       returned_objects=["last_active_drawing"])
    if levels.registry_is_sample:
        st.caption(SAMPLE_NOTICE)
    return clicked_kelurahan(result)


def clicked_kelurahan(result: dict | None) -> str | None:
    """The kelurahan code of the feature the user last clicked, if any."""
    if not isinstance(result, dict):
        return None
    drawing = result.get("last_active_drawing")
    if not isinstance(drawing, dict):
        return None
    props = drawing.get("properties")
    kode = props.get("kode_kelurahan") if isinstance(props, dict) else None
    return kode if isinstance(kode, str) and gazetteer.is_kelurahan_code(kode) else None


def choose_kelurahan(clicked: str | None, units: list[str], levels: overview.Levels) -> str | None:
    """The panel's kelurahan: a new map click wins, else the select box (worst level first).

    The chosen code lives in SELECTED_KEY; the select box's own key names its labels and
    the choice (issue 12.4): Streamlit keeps showing the old label of a keyed select box
    whose option labels changed (another period), so new labels make a new select box.
    """
    ss = st.session_state
    if clicked and clicked != ss.get(LAST_CLICK_KEY) and clicked in units:
        ss[SELECTED_KEY] = clicked
    ss[LAST_CLICK_KEY] = clicked
    ranked = levels.kelurahan.assign(_rank=levels.kelurahan["level"].map(lambda lv: Level(lv).rank))
    ranked = ranked.sort_values(["_rank", "score"], ascending=False)
    options = [k for k in ranked["kode_kelurahan"] if k in set(units)]
    if not options:
        return None
    if ss.get(SELECTED_KEY) not in options:
        ss[SELECTED_KEY] = options[0]
    level_of = dict(zip(levels.kelurahan["kode_kelurahan"], levels.kelurahan["level"], strict=True))
    labels = {k: f"{gazetteer.kelurahan_name(k)} — {Level(level_of[k]).label}" for k in options}
    chosen = ss[SELECTED_KEY]
    digest = hashlib.sha256(repr((list(labels.items()), chosen)).encode()).hexdigest()[:16]
    widget_key = f"{SELECTED_KEY}_{digest}"
    st.selectbox(  # issue 30.5: not a second "Kelurahan" beside the sidebar's filter of that name
        "Rincian kelurahan", options, index=options.index(chosen), key=widget_key,
        format_func=labels.__getitem__, on_change=_pick_kelurahan, args=(widget_key,),
        help="Kelurahan yang rinciannya tampil di bawah (yang paling rawan di atas). Klik kelurahan di peta, "
             "atau pilih di sini. Ini tidak menyaring laporan: untuk itu pakai «Kelurahan» di Filter samping.",
    )
    return chosen


def _pick_kelurahan(widget_key: str) -> None:
    picked = st.session_state.get(widget_key)
    if picked:
        st.session_state[SELECTED_KEY] = picked


def kelurahan_panel(detail: overview.KelurahanDetail | None) -> None:
    if detail is None:
        st.info("Pilih kelurahan di peta untuk melihat rinciannya.")
        return
    level_md = level_badge(detail.level) if detail.level else "-"
    score = f"{detail.score:.1f}".replace(".", ",")
    st.markdown(f"#### {detail.nama}\nKec. {detail.kecamatan} · {level_md} · skor {score}")
    if detail.windows_note:
        st.caption(escape_markdown(detail.windows_note))
    st.markdown(reasons_markdown(detail.reasons))
    if detail.counted_note:
        st.caption(escape_markdown(detail.counted_note))
    if detail.silent is not None and len(detail.silent):
        with st.expander(f"RT senyap ({len(detail.silent)}): belum memberi kabar pada periode ini"):
            st.dataframe(detail.silent, hide_index=True, width="stretch")
    st.markdown("**Laporan 14 hari terakhir**")
    st.vega_lite_chart(spec=chart_spec("spark", detail.spark), width="stretch")
    sev = " · ".join(f"{r.Keparahan} {r.Laporan}" for r in detail.by_severity.itertuples())
    st.markdown(f"**Periode ini menurut kategori** (keparahan: {sev})")
    if len(detail.by_category):
        st.vega_lite_chart(spec=chart_spec("category", detail.by_category), width="stretch")
    st.markdown("**Laporan terbaru**")
    if len(detail.latest):
        st.dataframe(detail.latest, hide_index=True, width="stretch")
    else:
        st.caption("Tidak ada laporan pada periode dan filter ini.")


def spark_chart(spark: pd.DataFrame) -> alt.Chart:
    """A small daily area chart (dates as dd/mm)."""
    return alt.Chart(spark).mark_area(line=True, opacity=0.35, color="#b71c1c").encode(
        x=alt.X("Tanggal:T", axis=alt.Axis(format="%d/%m", title=None, labelAngle=0, tickCount=7)),
        y=alt.Y("Laporan:Q", axis=alt.Axis(title=None, tickMinStep=1)),
        tooltip=[alt.Tooltip("Tanggal:T", format="%d/%m/%Y"), alt.Tooltip("Laporan:Q")],
    ).properties(height=110)


def category_chart(by_category: pd.DataFrame) -> alt.Chart:
    return alt.Chart(by_category).mark_bar(color="#546e7a").encode(
        x=alt.X("Laporan:Q", axis=alt.Axis(title=None, tickMinStep=1)),
        y=alt.Y("Kategori:N", sort="-x", axis=alt.Axis(title=None, labelLimit=220)),
        tooltip=["Kategori:N", "Laporan:Q"],
    ).properties(height=alt.Step(20))


def trend(table: pd.DataFrame | None) -> None:
    """Stacked daily bars per category (the wide table of overview.trend_from_frame)."""
    if table is None or table.empty or int(table.to_numpy().sum()) == 0:
        st.caption("Tidak ada laporan pada periode dan filter ini.")
        return
    st.vega_lite_chart(spec=chart_spec("trend", table), width="stretch")


CHARTS: dict[str, Callable[[pd.DataFrame], alt.Chart]] = {
    "spark": spark_chart, "category": category_chart, "trend": charts.trend_chart}
ALTAIR_DEFAULT_VIEW = {"continuousWidth": 300, "continuousHeight": 300}  # the "default" theme's only setting


@st.cache_data(ttl=CACHE_TTL, max_entries=256, show_spinner=False)
def chart_spec(kind: str, table: pd.DataFrame) -> dict:
    """The Vega-Lite specification of chart `kind` over `table`, for st.vega_lite_chart.

    Issue 29: st.altair_chart validates the whole specification against Vega-Lite's schema
    on every call (a tenth of a cached map page run's CPU); the same table gives the same
    chart, so it is converted once. The chart's data go in as the DataFrame itself, which
    Streamlit sends as Arrow like st.altair_chart does (times keep their meaning), and the
    Altair default theme's view size is left out as st.altair_chart leaves it out.
    """
    chart = CHARTS[kind](table)
    spec = chart.to_dict()
    data = spec.pop("data", None)
    spec.pop("datasets", None)
    config = spec.get("config", {})
    view = config.get("view", {})
    for key, value in ALTAIR_DEFAULT_VIEW.items():
        if view.get(key) == value:
            del view[key]
    if not view:
        config.pop("view", None)
    if not config:
        spec.pop("config", None)
    if isinstance(data, dict) and "name" in data:
        spec["data"] = {"name": "tabel"}
        spec["datasets"] = {"tabel": chart.data}
    return spec

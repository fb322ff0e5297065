"""The city map itself: every SiKondusif layer as one element, drawn by city_layers.js.

What it draws: kelurahan filled by kondusivitas level (with a legend), kecamatan
outlines and names, RT points coloured by RT level, and the reports as one
client-side cluster layer, with a layer control. Tooltips/popups show
kelurahan, RT, category, severity, time (WIB), status and report number.

The browser program is a real file beside this module (city_layers.js, with its
styles in city_layers.css), read from disk once and inlined into the map's iframe
after the data. Safe: every string is JSON-encoded with <, >, & escaped (nothing can
close the script tag); HTML built in Python uses escape_html, and popups built in
JavaScript escape each value again as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import folium
import pandas as pd
from branca.element import CssLink, Element, JavascriptLink, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from kondusif.maps.assets import js_json, offline_map, vendor_urls
from kondusif.maps.geography import StaticLayers, kelurahan_names, static_layers
from kondusif.maps.packing import CATEGORIES, CITY_CENTER, SEVERITIES, STATUSES, pack_incidents
from kondusif.model import CATEGORY_LABELS, STATUS_LABELS, Category, Severity, Status
from kondusif.safe import escape_html
from kondusif.status import LEVEL_COLORS, Level

HERE = Path(__file__).resolve().parent
LEVELS = (Level.KONDUSIF, Level.WASPADA, Level.RAWAN, Level.TIDAK_ADA_KABAR)  # index order city_layers.js uses
OUT_OF_SCOPE_COLOR = "#bdbdbd"
NARROW_MAP_PX = 480  # a map narrower than this (a phone) starts with its legend and layer box folded
SEVERITY_COLORS = {"ringan": "#4575b4", "sedang": "#7b3294", "berat": "#111111"}
MAP_LAYER_NAMES = {
    "kelurahan": "Kelurahan (tingkat kondusivitas)",
    "kecamatan": "Batas kecamatan",
    "labels": "Nama kecamatan",
    "rt": "RT (tingkat kondusivitas)",
    "coverage": "Cakupan kabar RT (bagian RT yang memberi kabar)",
    "incidents": "Laporan (klaster)",
}


@lru_cache(maxsize=1)
def city_layers_js() -> str:
    """The map's browser program (city_layers.js), read once from disk."""
    return (HERE / "city_layers.js").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def city_layers_css() -> str:
    """The map's styles (city_layers.css) plus one colour rule per severity."""
    rules = "".join(f".sk-inc-{s} {{ background: {c}; }}\n" for s, c in SEVERITY_COLORS.items())
    return (HERE / "city_layers.css").read_text(encoding="utf-8") + rules


# --------------------------------------------------------------------------- tooltips


def _score(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def kelurahan_tooltip(nama: str, kecamatan: str, level: Level | None, score: float | None,
                      reasons: Iterable[str], max_reasons: int = 4, click_hint: bool = True) -> str:
    """Tooltip HTML of one kelurahan; every value escaped.

    `click_hint=False` where a click opens nothing (the wall has no side panel): a tooltip
    says only what is there.
    """
    head = f"<b>{escape_html(nama)}</b><br><span class='sk-muted'>Kec. {escape_html(kecamatan)}</span>"
    if level is None:
        return head + "<br><i>Di luar wilayah yang dapat Anda lihat</i>"
    level = Level(level)
    items = "".join(f"<li>{escape_html(r)}</li>" for r in list(reasons)[:max_reasons])
    return (
        f"{head}<br><span class='sk-badge' style='background:{LEVEL_COLORS[level]}'>{level.label}</span>"
        f" skor {_score(score or 0.0)}<ul class='sk-reasons'>{items}</ul>"
        + ("<span class='sk-muted'>Klik untuk rincian di samping peta</span>" if click_hint else "")
    )


def rt_tooltip(nama_kel: str, rt: int, level: Level, score: float, reasons: Iterable[str],
               sample: bool, max_reasons: int = 3) -> str:
    level = Level(level)
    items = "".join(f"<li>{escape_html(r)}</li>" for r in list(reasons)[:max_reasons])
    note = "<br><span class='sk-muted'>Titik RT dari daftar RT contoh</span>" if sample else ""
    return (
        f"<b>RT {int(rt):02d}</b> · {escape_html(nama_kel)}<br>"
        f"<span class='sk-badge' style='background:{LEVEL_COLORS[level]}'>{level.label}</span>"
        f" skor {_score(score)}<ul class='sk-reasons'>{items}</ul>{note}"
    )



# --------------------------------------------------------------------------- the layers element


class _Verbatim(Element):
    """Text already rendered. branca would compile it as a Jinja template again: slow for
    megabytes, and a report titled '{{ ... }}' would be evaluated on the server."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class CityLayers(JSCSSMixin, MacroElement):
    """All SiKondusif layers of the map in one element (one script, compact data).

    The macros only print text built in Python: streamlit-folium renders each child's
    `script` macro itself, so the template must exist; no data passes through Jinja code.
    """

    _template = Template(
        "{% macro header(this, kwargs) %}{{ this.header_text() }}{% endmacro %}"
        "{% macro script(this, kwargs) %}{{ this.script_text() }}{% endmacro %}"
    )

    def __init__(self, geo: StaticLayers, kel_props: dict, rt_data: dict | None, incident_data: dict | None,
                 vendor: dict[str, str], show_rt: bool, show_incidents: bool, has_out_of_scope: bool,
                 collapsed: bool, live_attribute: str | None = None):
        super().__init__()
        self._name = "CityLayers"
        self.geo = geo
        self.kecamatan_json = geo.kecamatan_json or "null"
        self.kel_props = js_json(kel_props)
        self.rt_data = js_json(rt_data) if rt_data else "null"
        self.incident_data = js_json(incident_data) if incident_data else "null"
        self.show = js_json({"rt": show_rt, "incidents": show_incidents})
        self.live = js_json(live_attribute) if live_attribute else None
        self.constants = js_json({
            "levelColors": [LEVEL_COLORS[lv] for lv in LEVELS],
            "levelLabels": [lv.label for lv in LEVELS],
            "noNews": LEVELS.index(Level.TIDAK_ADA_KABAR),  # drawn hatched grey (city_layers.js)
            "coverageLabel": "Cakupan kabar RT",
            "outOfScope": OUT_OF_SCOPE_COLOR,
            "hasOutOfScope": has_out_of_scope,
            "severities": SEVERITIES,
            "severityLabels": [Severity(s).label for s in SEVERITIES],
            "severityColors": [SEVERITY_COLORS[s] for s in SEVERITIES],
            "statuses": STATUSES,
            "statusLabels": [STATUS_LABELS[Status(s)] for s in STATUSES],
            "categoryLabels": [CATEGORY_LABELS[Category(c)] for c in CATEGORIES],
            "labels": [list(lbl) for lbl in geo.labels],
            "names": MAP_LAYER_NAMES,
            "notice": "Ukuran SiKondusif dari laporan, bukan IKP Bawaslu.",
            "collapsed": collapsed,
            "narrowPx": NARROW_MAP_PX,
        })
        self.default_js = [("markercluster_js", vendor["markercluster_js"])]
        self.default_css = [("markercluster_css", vendor["markercluster_css"])]

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        figure.header.add_child(_Verbatim(self.header_text()), name=self.get_name())
        figure.script.add_child(_Verbatim(self.script_text()), name=self.get_name())

    def header_text(self) -> str:
        return f"<style>\n{city_layers_css()}</style>"

    def script_text(self) -> str:
        """city_layers.js, then the data as named variables (the map's own iframe) handed to it."""
        return (
            f"{city_layers_js()}\n"
            f"var GEO = {self.geo.kelurahan_json};\n"
            f"var KEC = {self.kecamatan_json};\n"
            f"var KEL = {self.kel_props};\n"
            f"var RT = {self.rt_data};\n"
            f"var INC = {self.incident_data};\n"
            f"var C = {self.constants};\n"
            f"var SHOW = {self.show};\n"
            f"var API = window.skCityLayers({self._parent.get_name()}, GEO, KEC, KEL, RT, INC, C, SHOW);\n"
            + (f"window.skCityLive(API, {self.live});\n" if self.live else "")
        )


# --------------------------------------------------------------------------- build


def kelurahan_properties(kel_levels: pd.DataFrame, contact: pd.DataFrame | None = None) -> dict[str, list]:
    """kode -> [level index, tooltip HTML, share of RT heard from (None: unknown)] for the kelurahan layer.

    `contact` is coverage.Coverage.kelurahan (issue 24): the share feeds the coverage layer.
    """
    names = kelurahan_names()
    shares: dict[str, float] = {}
    if contact is not None and len(contact):
        shares = {str(k): round(float(v), 3) for k, v, t in zip(contact["kode_kelurahan"], contact["share"],
                                                                contact["rt_total"], strict=True) if int(t) > 0}
    props: dict[str, list] = {}
    for rec in kel_levels.itertuples(index=False):
        kode = str(rec.kode_kelurahan)
        nama, kec = names.get(kode, (kode, ""))
        level = Level(rec.level)
        props[kode] = [LEVELS.index(level), kelurahan_tooltip(nama, kec, level, float(rec.score), rec.reasons),
                       shares.get(kode)]
    return props


def rt_layer_data(rt_levels: pd.DataFrame | None, registry: pd.DataFrame | None, sample: bool) -> dict | None:
    """RT points [lat, lon, level index, kode, rt, tooltip index] with deduplicated tooltips."""
    if rt_levels is None or registry is None or not len(rt_levels) or not len(registry):
        return None
    reg = registry[["kode_kelurahan", "rt", "lat", "lon"]].dropna(subset=["lat", "lon"]).copy()
    reg["rt"] = reg["rt"].astype(int)
    merged = rt_levels.merge(reg, on=["kode_kelurahan", "rt"], how="inner")
    names = kelurahan_names()
    tips: list[str] = []
    tip_index: dict[str, int] = {}
    pts = []
    for rec in merged.itertuples(index=False):
        kode = str(rec.kode_kelurahan)
        level = Level(rec.level)
        tip = rt_tooltip(names.get(kode, (kode, ""))[0], int(rec.rt), level, float(rec.score), rec.reasons, sample)
        if tip not in tip_index:
            tip_index[tip] = len(tips)
            tips.append(tip)
        pts.append([round(float(rec.lat), 6), round(float(rec.lon), 6), LEVELS.index(level), kode, int(rec.rt),
                    tip_index[tip]])
    return {"pts": pts, "tips": tips}


def rt_points(registry: pd.DataFrame | None) -> dict[tuple[str, int], tuple[float, float]]:
    if registry is None or not len(registry):
        return {}
    reg = registry.dropna(subset=["lat", "lon"])
    return {
        (str(k), int(r)): (float(la), float(lo))
        for k, r, la, lo in zip(reg["kode_kelurahan"], reg["rt"], reg["lat"], reg["lon"], strict=True)
    }


def build_map(
    kel_levels: pd.DataFrame,
    incidents: pd.DataFrame | None = None,
    rt_levels: pd.DataFrame | None = None,
    registry: pd.DataFrame | None = None,
    *,
    registry_is_sample: bool = False,
    base_url_path: str = "",
    tile_url: str | None = None,
    tile_attribution: str = "",
    show_rt: bool = True,
    show_incidents: bool = True,
    height: int | str = "100%",
    collapsed_controls: bool = False,
    packed_incidents: dict | None = None,
    contact: pd.DataFrame | None = None,
    live_attribute: str | None = None,
) -> folium.Map:
    """The interactive city map as a folium Map (render with .get_root().render()).

    `kel_levels` is status.compute_levels(...) per kelurahan (kelurahan missing
    from it are drawn grey as outside the viewer's scope); `rt_levels` per RT with
    `registry` giving RT points; `incidents` holds INCIDENT_COLUMNS (and no
    identity columns), or `packed_incidents` is pack_incidents(...) of them done
    earlier (the page caches it). `contact` (coverage.Coverage.kelurahan) adds the
    coverage layer, off until switched on. No CDN: Leaflet and plugins come from static/vendor/.
    `live_attribute` (issue 29.1, kondusif/maps/live.py): the map takes its data from the page's
    element with that attribute, now and whenever it changes, and fits its first data set itself.
    """
    geo = static_layers()
    vendor = vendor_urls(base_url_path)
    fmap = offline_map(
        CITY_CENTER, 12, base_url_path=base_url_path, tile_url=tile_url, tile_attribution=tile_attribution,
        height=height, prefer_canvas=False, zoom_snap=0.5,
        # Map options (folium passes min/max_zoom only to a tile layer); markercluster needs maxZoom.
        **{"minZoom": 10, "maxZoom": 19},
    )
    props = kelurahan_properties(kel_levels, contact)
    has_out_of_scope = len(props) < len(kelurahan_names())
    rt_data = rt_layer_data(rt_levels, registry, registry_is_sample)
    inc_data = packed_incidents
    if inc_data is None and incidents is not None and len(incidents):
        inc_data = pack_incidents(incidents, geo.points, rt_points(registry))
    CityLayers(geo, props, rt_data, inc_data, vendor, show_rt, show_incidents, has_out_of_scope,
               collapsed_controls, live_attribute).add_to(fmap)
    if live_attribute:
        return fmap
    # A view limited to some kelurahan (a scoped Panwascam, a kecamatan filter) opens on them.
    south_west, north_east = geo.bounds_of(props) if has_out_of_scope and props else geo.bounds
    fmap.fit_bounds([list(south_west), list(north_east)])
    return fmap


def map_html(fmap: folium.Map) -> str:
    """The full standalone HTML of a map (what tests and the benchmark inspect)."""
    return fmap.get_root().render()


def naive_map(incidents: pd.DataFrame) -> folium.Map:
    """One folium.Marker per report: the slow way, kept only for the benchmark's comparison."""
    fmap = offline_map(CITY_CENTER, 12)
    for rec in incidents.itertuples(index=False):
        if pd.isna(rec.lat) or pd.isna(rec.lon):
            continue
        popup = f"{escape_html(rec.report_no)}<br>{escape_html(rec.title)}<br>{escape_html(rec.category)}"
        folium.Marker([float(rec.lat), float(rec.lon)], popup=popup).add_to(fmap)
    return fmap

"""The wall display's map: one Leaflet iframe that stays put while its data change.

Why not simply redraw the city map? streamlit-folium keys its iframe on the map's
script: new levels or reports make a new script, hence a new iframe, which loses the
zoom and position the room set and flashes white on a TV. So the wall builds the map
with `maps.build_map` from data that never change for a viewer (every kelurahan of
their scope, no reports), and adds `WallLive`, a small script that
- reads the current data from a hidden element of the page around it
  (`<div data-sk-wall=...>`, written by kondusif/ui/wall.py on every refresh: the
  component iframe is same-origin), and
- restyles the kelurahan, rewrites their tooltips and redraws the report dots in place,
  flashing new berat reports and kelurahan that turned Rawan until their minute is over.
The iframe's CSP allows inline scripts only (no eval): nothing is evaluated from data.

Plain folium and data here (no Streamlit); the page places the map with st_folium.
"""

from __future__ import annotations

import json

import folium
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from kondusif import maps
from kondusif.safe import escape_html
from kondusif.status import LEVEL_COLORS, Level
from kondusif.wall import HIGHLIGHT_SECONDS, WallSnapshot
from lubuklinggau_geo import gazetteer

DATA_ATTRIBUTE = "data-sk-wall"
LEVEL_ORDER = maps.LEVELS  # the index maps.build_map uses (issue 24: Tidak ada kabar last, drawn hatched)


class WallLive(MacroElement):
    """Script that keeps the map's data current without rebuilding the map (see module doc)."""

    _template = Template(
        """
{% macro header(this, kwargs) %}
<style>
@keyframes skWallKel { 0%, 100% { stroke: #ffeb3b; stroke-width: 7px; } 50% { stroke: #000; stroke-width: 3px; } }
@keyframes skWallInc { 0%, 100% { stroke: #ffeb3b; stroke-width: 6px; } 50% { stroke: #d50000; stroke-width: 2px; } }
path.sk-wall-flash { animation: skWallKel 1s ease-in-out infinite; }
path.sk-wall-inc.sk-wall-flash { animation: skWallInc .8s ease-in-out infinite; }
.leaflet-tooltip.sk-tip { font-size: 15px; width: 320px; }
.sk-legend { font-size: 14px !important; max-width: 240px !important; }
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var COLORS = {{ this.colors }}, SEV = {{ this.sev_colors }}, ATTR = {{ this.attribute }};
  var NO_NEWS = {{ this.no_news }};
  var kelGroup = null;
  map.eachLayer(function (l) {
    if (l instanceof L.GeoJSON && l.options && l.options.className === "sk-kel") kelGroup = l;
  });
  var KEL = {}, until = {}, last = null, fitted = false;
  var dots = L.layerGroup().addTo(map);
  function style(f) {
    var p = KEL[f.properties.k];
    if (!p) return {fillColor: "#bdbdbd", fillOpacity: 0.25, color: "#4a4a4a", weight: 1, opacity: 0.9};
    var fill = p[0] === NO_NEWS ? "url(#sk-hatch)" : COLORS[p[0]];  // the pattern city_layers.js adds
    return {fillColor: fill, fillOpacity: p[0] === NO_NEWS ? 0.9 : 0.6, color: "#4a4a4a", weight: 1.2, opacity: 0.9};
  }
  var SECONDS = {{ this.seconds }};
  function flash(path, key, on) {  // the minute runs here, from when the flag first arrived
    if (!path) return;
    if (!on) { delete until[key]; path.classList.remove("sk-wall-flash"); return; }
    if (!(key in until)) until[key] = Date.now() + SECONDS * 1000;
    if (until[key] > Date.now()) path.classList.add("sk-wall-flash"); else path.classList.remove("sk-wall-flash");
  }
  var touched = false;  // the room moved the map: never fit it again
  L.DomEvent.on(map.getContainer(), "mousedown wheel touchstart keydown", function () { touched = true; });
  function fitCity() {  // the viewer's kelurahan fill the screen (once, at the start)
    if (touched || !kelGroup) return;
    var box = null;
    kelGroup.eachLayer(function (l) {
      if (!KEL[l.feature.properties.k] || !l.getBounds) return;
      box = box ? box.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(), l.getBounds().getNorthEast());
    });
    map.invalidateSize();
    if (box) map.fitBounds(box, {padding: [6, 6]});
  }
  function apply(d) {
    KEL = d.kel || {};
    if (!fitted) {  // fit again once the iframe has its final size, unless the view was changed meanwhile
      fitted = true;
      fitCity();
      var first = map.getCenter().toString() + map.getZoom();
      setTimeout(function () { if (map.getCenter().toString() + map.getZoom() === first) fitCity(); }, 700);
    }
    if (kelGroup) {
      kelGroup.options.style = style;
      kelGroup.eachLayer(function (layer) {
        var k = layer.feature.properties.k, p = KEL[k];
        kelGroup.resetStyle(layer);
        if (p && layer.setTooltipContent) layer.setTooltipContent(p[1]);
        flash(layer._path, "kel:" + k, p && p[2]);
        if (p && p[2] && layer.bringToFront) layer.bringToFront();
      });
    }
    dots.clearLayers();
    (d.inc || []).forEach(function (r) {
      var m = L.circleMarker([r[0], r[1]], {
        radius: r[4] ? 11 : (r[2] === "berat" ? 7 : 5), className: "sk-wall-inc", weight: 1.5,
        color: "#fff", fillColor: SEV[r[2]] || "#111", fillOpacity: 0.95, interactive: false
      }).addTo(dots);
      if (m._path) {
        m._path.setAttribute("data-no", r[3]);
        flash(m._path, "lap:" + r[3], r[4]);
      }
    });
    window.SiKondusifWall = {version: d.v, applied: (window.SiKondusifWall ? window.SiKondusifWall.applied : 0) + 1};
  }
  function read() {
    var el;
    try { el = window.parent.document.querySelector("[" + ATTR + "]"); } catch (e) { return; }
    if (!el) return;
    var raw = el.getAttribute(ATTR);
    if (!raw || raw === last) return;
    last = raw;
    try { apply(JSON.parse(raw)); } catch (e) { if (window.console) console.error(e); }
  }
  function expire() {
    var now = Date.now();
    document.querySelectorAll("path.sk-wall-flash").forEach(function (p) {
      var key = p.getAttribute("data-no") ? "lap:" + p.getAttribute("data-no") : "kel:" + p.getAttribute("data-kode");
      if (!(until[key] > now)) p.classList.remove("sk-wall-flash");  // its minute is over
    });
  }
  read();
  setInterval(function () { read(); expire(); }, 1000);
})();
{% endmacro %}
"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "WallLive"
        self.colors = maps.js_json([LEVEL_COLORS[lv] for lv in LEVEL_ORDER])
        self.no_news = LEVEL_ORDER.index(Level.TIDAK_ADA_KABAR)
        self.sev_colors = maps.js_json(maps.SEVERITY_COLORS)
        self.attribute = maps.js_json(DATA_ATTRIBUTE)
        self.seconds = int(HIGHLIGHT_SECONDS)


def base_map(units: list[str] | tuple[str, ...], *, base_url_path: str = "", tile_url: str | None = None,
             tile_attribution: str = "") -> folium.Map:
    """The wall map for a viewer whose scope covers `units`: the same script on every refresh.

    Every kelurahan starts Kondusif with no reasons; WallLive paints the real levels from
    the page's data before the first frame is drawn.
    """
    neutral = pd.DataFrame({
        "kode_kelurahan": list(units),
        "level": [Level.KONDUSIF.value] * len(units),
        "score": [0.0] * len(units),
        "reasons": [[] for _ in units],
    })
    fmap = maps.build_map(neutral, None, None, None, base_url_path=base_url_path, tile_url=tile_url,
                          tile_attribution=tile_attribution, show_rt=False, show_incidents=False,
                          collapsed_controls=True)
    WallLive().add_to(fmap)
    return fmap


def _point(rec, points: dict[str, tuple[float, float]]) -> tuple[float, float]:
    lat, lon = rec.lat, rec.lon
    if lat is None or lon is None or pd.isna(lat) or pd.isna(lon):
        return points.get(str(rec.kode_kelurahan), maps.CITY_CENTER)
    return float(lat), float(lon)


def live_data(snap: WallSnapshot, active: dict[str, float], version: object = "") -> dict:
    """What WallLive applies: per kelurahan [level index, tooltip HTML, highlighted 0/1], per report
    [lat, lon, severity, report number, highlighted 0/1]. No identity, no free text other than the
    kelurahan reasons (escaped by maps.kelurahan_tooltip).

    Flags, not seconds left: the data stay the same from one refresh to the next while nothing
    changes (the map is left alone); the browser times the minute from the flag's arrival, and the
    flag goes when the server's minute is over.
    """
    kel: dict[str, list] = {}
    for rec in snap.levels.itertuples(index=False):
        kode = str(rec.kode_kelurahan)
        level = Level(rec.level)
        try:
            nama, kec = gazetteer.kelurahan_name(kode), gazetteer.kecamatan_name(kode[:8])
        except KeyError:
            nama, kec = kode, ""
        tip = maps.kelurahan_tooltip(nama, kec, level, float(rec.score), rec.reasons)
        kel[kode] = [LEVEL_ORDER.index(level), tip, int(f"kel:{kode}" in active)]
    points = maps.static_layers().points
    inc = []
    for rec in snap.reports.itertuples(index=False):
        lat, lon = _point(rec, points)
        inc.append([round(lat, 5), round(lon, 5), str(rec.severity), str(rec.report_no),
                    int(f"lap:{rec.report_no}" in active)])
    inc.reverse()  # oldest first: the newest dots are drawn on top
    return {"v": str(version), "kel": kel, "inc": inc}


def data_element(data: dict) -> str:
    """The hidden element carrying `data` to the map iframe (attribute-escaped JSON)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return f'<div hidden class="sk-wall-data" {DATA_ATTRIBUTE}="{escape_html(text)}"></div>'

"""The interactive city map (folium/Leaflet), served entirely from the app itself.

What it draws: kelurahan filled by kondusivitas level (with a legend), kecamatan
outlines and names, RT points coloured by RT level, and the reports as one
client-side cluster layer, with a layer control. Tooltips/popups show
kelurahan, RT, category, severity, time (WIB), status and report number.

Why it looks like this:
- Offline: Leaflet and leaflet.markercluster are loaded from the app's static
  folder (`make static` copies them from npm into static/vendor/), never from a
  CDN, so the map works on an intranet on election day. Base tiles are optional.
- Fast: boundaries are serialised once and cached; reports travel as a few
  base64 typed arrays plus small lookup tables, decoded and clustered in the
  browser (no Python folium object per report). 100,000 reports stay < 3 MB.
- Safe: every string is JSON-encoded with <, >, & escaped (nothing can close
  the script tag); HTML built in Python uses html.escape, and popups built in
  JavaScript escape each value again as text. No reporter identity is ever
  sent: the map's input frame must not even carry those columns.

The static matplotlib map of the weekly PDF lives in kondusif/report/.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import folium
import numpy as np
import pandas as pd
from branca.element import CssLink, Element, JavascriptLink, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from kondusif.config import PROJECT_ROOT
from kondusif.model import CATEGORY_LABELS, PRIVATE_FIELDS, STATUS_LABELS, Category, Severity, Status
from kondusif.safe import escape_html
from kondusif.status import LEVEL_COLORS, MEASURE_NOTICE, Level
from lubuklinggau_geo import boundaries as geo_boundaries
from lubuklinggau_geo import gazetteer

STATIC_DIR = PROJECT_ROOT / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
VENDOR_FILES = {
    "leaflet_js": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "markercluster_js": "leaflet.markercluster/leaflet.markercluster.js",
    "markercluster_css": "leaflet.markercluster/MarkerCluster.css",
}
MISSING_VENDOR_MESSAGE = (
    "Berkas Leaflet belum terpasang di static/vendor/, sehingga peta tidak dapat digambar. "
    "Jalankan `make static` (atau `make run`)."
)
CITY_CENTER = (-3.27, 102.88)
LEVELS = (Level.KONDUSIF, Level.WASPADA, Level.RAWAN)
OUT_OF_SCOPE_COLOR = "#bdbdbd"
NARROW_MAP_PX = 480  # a map narrower than this (a phone) starts with its legend and layer box folded
SEVERITY_COLORS = {"ringan": "#4575b4", "sedang": "#7b3294", "berat": "#111111"}
CATEGORIES = [c.value for c in Category]
SEVERITIES = [s.value for s in Severity]
STATUSES = [s.value for s in Status]
MAP_LAYER_NAMES = {
    "kelurahan": "Kelurahan (tingkat kondusivitas)",
    "kecamatan": "Batas kecamatan",
    "labels": "Nama kecamatan",
    "rt": "RT (tingkat kondusivitas)",
    "incidents": "Laporan (klaster)",
}
INCIDENT_COLUMNS = (
    "report_no", "kode_kelurahan", "rt", "category", "severity", "status", "occurred_at", "lat", "lon", "title",
)


# --------------------------------------------------------------------------- assets


def static_url(relative: str, base_url_path: str = "") -> str:
    """Absolute URL of a file under static/vendor/, honouring server.baseUrlPath.

    Absolute (origin-relative) URLs resolve inside the map's component iframe too.
    """
    base = base_url_path.strip("/")
    prefix = f"/{base}" if base else ""
    return f"{prefix}/app/static/vendor/{relative.lstrip('/')}"


def missing_vendor_files(vendor_dir: Path | None = None) -> list[str]:
    """Vendor files the map needs that are not installed (empty when all present)."""
    vendor_dir = vendor_dir or VENDOR_DIR
    return [rel for rel in VENDOR_FILES.values() if not (vendor_dir / rel).is_file()]


_TEMPLATE_OPENERS = re.compile(r"\{(?=[{%#])")


def js_json(value) -> str:
    """JSON safe to embed in a <script>: <, >, & and line separators escaped.

    '{' before '{', '%' or '#' (never produced by JSON structure, so only inside
    strings) is escaped too, so no template engine can read user text as a tag.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = _TEMPLATE_OPENERS.sub(r"\\u007b", text)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# --------------------------------------------------------------------------- static layers


@dataclass(frozen=True)
class StaticLayers:
    """Geography that does not change between renders, serialised once."""

    polygons: bool  # False: kelurahan drawn as points at their centroids
    kelurahan_json: str  # FeatureCollection; properties: k (kode)
    kecamatan_json: str | None  # outlines, None without boundaries
    labels: tuple[tuple[float, float, str], ...]  # kecamatan name positions
    bounds: tuple[tuple[float, float], tuple[float, float]]  # (south, west), (north, east)
    points: dict[str, tuple[float, float]]  # kode -> (lat, lon) inside the kelurahan
    message: str  # what the map says about its geography
    extents: dict[str, tuple[float, float, float, float]] | None = None  # kode -> (south, west, north, east)

    def bounds_of(self, codes: Iterable[str]) -> tuple[tuple[float, float], tuple[float, float]]:
        """Bounds around some kelurahan (the whole city when none is known)."""
        boxes = [self.extents[c] for c in codes if self.extents and c in self.extents]
        if not boxes:
            return self.bounds
        pad = 0.004
        return ((min(b[0] for b in boxes) - pad, min(b[1] for b in boxes) - pad),
                (max(b[2] for b in boxes) + pad, max(b[3] for b in boxes) + pad))


def _round_coords(obj, ndigits: int = 5):
    if isinstance(obj, float):
        return round(obj, ndigits)
    if isinstance(obj, list | tuple):
        return [_round_coords(x, ndigits) for x in obj]
    return obj


def _feature_collection(gdf, key: str = "kode") -> dict:
    features = []
    for kode, geom in zip(gdf[key], gdf.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        g = geom.__geo_interface__
        features.append({
            "type": "Feature",
            "properties": {"k": str(kode)},
            "geometry": {"type": g["type"], "coordinates": _round_coords(g["coordinates"])},
        })
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=4)
def _static_layers_for(cache_key: tuple[str, int] | None) -> StaticLayers:
    gaz = gazetteer.kelurahan()
    if cache_key is not None:
        kel = geo_boundaries.boundaries("kelurahan")
        kec = geo_boundaries.boundaries("kecamatan")
        reps = geo_boundaries.representative_points()
        points = {str(k): (round(p.y, 6), round(p.x, 6)) for k, p in zip(reps["kode"], reps.geometry, strict=True)}
        kec_reps = kec.copy()
        kec_reps["geometry"] = kec.geometry.representative_point()
        labels = tuple(
            (round(p.y, 5), round(p.x, 5), _kecamatan_label(str(k), str(n)))
            for k, n, p in zip(kec_reps["kode"], kec_reps["nama"], kec_reps.geometry, strict=True)
        )
        minx, miny, maxx, maxy = kel.total_bounds
        extents = {
            str(k): (float(b[1]), float(b[0]), float(b[3]), float(b[2]))
            for k, b in zip(kel["kode"], kel.geometry.bounds.to_numpy(), strict=True)
        }
        return StaticLayers(
            polygons=True,
            kelurahan_json=js_json(_feature_collection(kel)),
            kecamatan_json=js_json(_feature_collection(kec)),
            labels=labels,
            bounds=((float(miny), float(minx)), (float(maxy), float(maxx))),
            points=points,
            message=geo_boundaries.status().message,
            extents=extents,
        )
    points = {str(r.kode): (float(r.lat), float(r.lon)) for r in gaz.itertuples()}
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"k": k}, "geometry": {"type": "Point", "coordinates": [lon, lat]}}
            for k, (lat, lon) in points.items()
        ],
    }
    centers = gaz.groupby("kode_kecamatan")[["lat", "lon"]].mean()
    labels = tuple(
        (round(float(r.lat), 5), round(float(r.lon), 5), _kecamatan_label(str(k), None))
        for k, r in centers.iterrows()
    )
    pad = 0.01
    return StaticLayers(
        polygons=False,
        kelurahan_json=js_json(fc),
        kecamatan_json=None,
        labels=labels,
        bounds=((gaz["lat"].min() - pad, gaz["lon"].min() - pad), (gaz["lat"].max() + pad, gaz["lon"].max() + pad)),
        points=points,
        message=geo_boundaries.status().message,
        extents={k: (lat, lon, lat, lon) for k, (lat, lon) in points.items()},
    )


def _kecamatan_label(kode: str, fallback: str | None) -> str:
    try:
        return gazetteer.kecamatan_name(kode)
    except KeyError:
        return fallback or kode


def static_layers() -> StaticLayers:
    """The cached geography (rebuilt only when the installed boundary file changes)."""
    return _static_layers_for(geo_boundaries.cache_key())


# --------------------------------------------------------------------------- tooltips


def _kelurahan_names() -> dict[str, tuple[str, str]]:
    gaz = gazetteer.kelurahan()
    return {str(r.kode): (str(r.nama), str(r.kecamatan)) for r in gaz.itertuples()}


def _score(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def kelurahan_tooltip(nama: str, kecamatan: str, level: Level | None, score: float | None,
                      reasons: Iterable[str], max_reasons: int = 4) -> str:
    """Tooltip HTML of one kelurahan; every value escaped."""
    head = f"<b>{escape_html(nama)}</b><br><span class='sk-muted'>Kec. {escape_html(kecamatan)}</span>"
    if level is None:
        return head + "<br><i>Di luar wilayah yang dapat Anda lihat</i>"
    level = Level(level)
    items = "".join(f"<li>{escape_html(r)}</li>" for r in list(reasons)[:max_reasons])
    return (
        f"{head}<br><span class='sk-badge' style='background:{LEVEL_COLORS[level]}'>{level.label}</span>"
        f" skor {_score(score or 0.0)}<ul class='sk-reasons'>{items}</ul>"
        "<span class='sk-muted'>Klik untuk rincian di samping peta</span>"
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


# --------------------------------------------------------------------------- incidents


def _b64(arr: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii")


def _smallest_uint(values: np.ndarray) -> tuple[str, np.ndarray]:
    top = int(values.max()) if len(values) else 0
    for code, dtype, limit in (("u1", "<u1", 0xFF), ("u2", "<u2", 0xFFFF)):
        if top <= limit:
            return code, values.astype(dtype)
    return "u4", values.astype("<u4")


def _codes(values: pd.Series, vocabulary: list[str]) -> np.ndarray:
    """Index of each value in `vocabulary`; unknown values get the last entry (lainnya/...)."""
    codes = pd.Categorical(values.astype("str"), categories=vocabulary).codes.astype(np.int64)
    return np.where(codes < 0, len(vocabulary) - 1, codes)


def _split_report_numbers(numbers: pd.Series) -> tuple[pd.Series, np.ndarray, int]:
    """'LLG-2018-000123' -> ('LLG-2018', 123); anything else is kept whole with number -1.

    The zero-padding width is the most common one of the store; a number of another
    width is kept whole in the prefix table instead. Vectorised string ops: 100k in ms.
    """
    s = numbers.astype("str")
    dash = s.str.rfind("-")
    tail_len = s.str.len() - dash - 1
    valid_len = tail_len[(dash >= 0) & (tail_len > 0) & (tail_len <= 9)]
    if not len(valid_len):
        return s, np.full(len(s), -1, dtype=np.int64), 0
    width = int(np.bincount(valid_len.to_numpy(dtype=np.int64)).argmax())
    tail = s.str.slice(start=-width)
    ok = ((dash >= 0) & (tail_len == width) & tail.str.fullmatch(r"[0-9]+")).to_numpy(dtype=bool)
    seq = np.full(len(s), -1, dtype=np.int64)
    if ok.any():
        seq[ok] = tail[ok].astype("int64").to_numpy()
    prefix = s.str.slice(stop=-(width + 1)).where(ok, s)
    return prefix, seq, width


def _float_column(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), np.nan)
    return np.array(pd.to_numeric(df[name], errors="coerce"), dtype=float, copy=True)


def epoch_minutes(values: pd.Series) -> np.ndarray:
    """Whole minutes since 1970-01-01 UTC, whatever the datetime resolution (s, ms, us, ns).

    Never the raw int64 of a datetime: pandas 3 stores microseconds where pandas 2 stored
    nanoseconds, so dividing that integer by a fixed factor dated popups in January 1970.
    """
    times = pd.to_datetime(values, utc=True)
    return ((times - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(minutes=1)).to_numpy(dtype=np.int64)


def pack_incidents(
    df: pd.DataFrame,
    points: dict[str, tuple[float, float]],
    rt_points: dict[tuple[str, int], tuple[float, float]] | None = None,
) -> dict:
    """Reports in compact form for the browser: typed arrays (base64) + lookup tables.

    Reports without coordinates are placed at their RT's point, else at a point
    inside their kelurahan, and flagged as approximate. Reporter identity
    columns are refused: they must never reach the browser.
    """
    leaked = [c for c in PRIVATE_FIELDS if c in df.columns]
    if leaked:
        raise ValueError(f"identity columns must not reach the map: {leaked}")
    n = len(df)
    if n == 0:
        return {"n": 0}
    rt_points = rt_points or {}
    kel = df["kode_kelurahan"].astype(str).to_numpy()
    rt_raw = pd.to_numeric(df["rt"], errors="coerce") if "rt" in df.columns else pd.Series(np.nan, index=df.index)
    rt_vals = rt_raw.fillna(0).astype(np.int64).to_numpy()
    lat = _float_column(df, "lat")
    lon = _float_column(df, "lon")
    approx = np.isnan(lat) | np.isnan(lon)
    if approx.any():
        idx = np.flatnonzero(approx)
        fb = [
            rt_points.get((kel[i], int(rt_vals[i]))) or points.get(kel[i]) or CITY_CENTER
            for i in idx
        ]
        lat[idx] = [p[0] for p in fb]
        lon[idx] = [p[1] for p in fb]
    lat0, lat1 = float(lat.min()), float(lat.max())
    lon0, lon1 = float(lon.min()), float(lon.max())
    dlat = (lat1 - lat0) / 65535 or 1e-9
    dlon = (lon1 - lon0) / 65535 or 1e-9
    qlat = np.rint((lat - lat0) / dlat).astype("<u2")
    qlon = np.rint((lon - lon0) / dlon).astype("<u2")

    minutes = epoch_minutes(df["occurred_at"])
    t0 = int(minutes.min())
    t_code, t_arr = _smallest_uint(minutes - t0)

    cat = _codes(df["category"], CATEGORIES)
    sev = _codes(df["severity"], SEVERITIES)
    sta = _codes(df["status"], STATUSES)
    kind = ((cat * len(SEVERITIES) + sev) * len(STATUSES) + sta).astype("<u1")

    kel_idx, kel_uniques = pd.factorize(pd.Series(kel), sort=True)
    kel_list = [str(k) for k in kel_uniques]
    k_code, k_arr = _smallest_uint(kel_idx.astype(np.int64))
    r_code, r_arr = _smallest_uint(np.clip(rt_vals, 0, None))

    prefix, seq, pad_width = _split_report_numbers(df["report_no"])
    p_idx, prefixes = pd.factorize(prefix, sort=True)
    p_code, p_arr = _smallest_uint(p_idx.astype(np.int64))
    s_code, s_arr = _smallest_uint(seq + 1)  # 0: the prefix table holds the whole number

    titles = df["title"].fillna("").astype("str").str.slice(0, 160) if "title" in df.columns else pd.Series([""] * n)
    t_idx, title_list = pd.factorize(titles, sort=False)
    ti_code, ti_arr = _smallest_uint(t_idx.astype(np.int64))

    names = _kelurahan_names()
    return {
        "n": n,
        "box": [lat0, dlat, lon0, dlon],
        "t0": t0,
        "lat": _b64(qlat),
        "lon": _b64(qlon),
        "t": [t_code, _b64(t_arr)],
        "kind": _b64(kind),
        "kel": [k_code, _b64(k_arr)],
        "rt": [r_code, _b64(r_arr)],
        "pre": [p_code, _b64(p_arr)],
        "seq": [s_code, _b64(s_arr)],
        "pad": pad_width,
        "ttl": [ti_code, _b64(ti_arr)],
        "approx": _b64(np.packbits(approx.astype(np.uint8), bitorder="little")),
        "kels": [[k, *names.get(k, (k, ""))] for k in kel_list],
        "prefixes": [str(p) for p in prefixes],
        "titles": [str(t) for t in title_list],
    }


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
    """All SiKondusif layers of the map in one element (one script, compact data)."""

    _template = Template(
        """
{% macro header(this, kwargs) %}
<style>
.leaflet-container { background: #eef0ea; font-family: "Source Sans Pro", "Helvetica Neue", Arial, sans-serif; }
.sk-kec-label span { font: 600 12px/1.1 "Source Sans Pro", Arial, sans-serif; color: #263238; white-space: nowrap;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; letter-spacing: .02em;
  display: inline-block; position: relative; transform: translate(-50%, -50%); }
.sk-kec-label { pointer-events: none; }
.leaflet-control-layers-expanded { font: 12px/1.35 Arial, sans-serif; padding: 4px 8px 4px 6px; }
.leaflet-control-layers-expanded label { margin: 0; }
.leaflet-control-layers-selector { margin: 0 4px 0 0; vertical-align: -2px; }
.sk-inc { border-radius: 50%; border: 1.5px solid #fff; box-shadow: 0 0 2px rgba(0,0,0,.6); }
.sk-inc-ringan { background: {{ this.sev_colors.ringan }}; }
.sk-inc-sedang { background: {{ this.sev_colors.sedang }}; }
.sk-inc-berat { background: {{ this.sev_colors.berat }}; }
.sk-cluster div { background: rgba(38, 50, 56, .82); color: #fff; border-radius: 50%; text-align: center;
  font: 600 11px/30px Arial, sans-serif; width: 30px; height: 30px; border: 2px solid rgba(255,255,255,.9); }
.sk-cluster.sk-big div { width: 38px; height: 38px; line-height: 38px; font-size: 12px; }
.sk-legend { background: rgba(255,255,255,.92); padding: 5px 8px; border-radius: 4px; font: 11px/1.4 Arial, sans-serif;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 190px; }
.sk-legend i { display: inline-block; width: 13px; height: 13px; margin-right: 5px; vertical-align: -2px;
  border: 1px solid #555; }
.sk-legend .sk-dot { border-radius: 50%; width: 10px; height: 10px; border: 1px solid #fff; }
.sk-legend-toggle { display: none; cursor: pointer; border: 0; background: none; font: 600 12px Arial, sans-serif;
  padding: 2px 0; color: #263238; }
.sk-legend.sk-folded .sk-legend-toggle { display: block; }
.sk-legend.sk-folded .sk-legend-body { display: none; }
.sk-legend.sk-narrow .sk-legend-toggle { display: block; }
.sk-muted { color: #666; font-size: 11px; }
.sk-badge { color: #fff; padding: 0 5px; border-radius: 3px; font-weight: 600; }
.sk-reasons { margin: 3px 0 2px 14px; padding: 0; max-width: 300px; white-space: normal; }
.leaflet-tooltip.sk-tip { width: 270px; white-space: normal; font-size: 12px; line-height: 1.35; }
.sk-popup td { padding: 1px 6px 1px 0; vertical-align: top; }
.sk-popup th { text-align: left; padding: 1px 6px 1px 0; color: #555; font-weight: normal; }
</style>
{% endmacro %}

{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var GEO = {{ this.geo.kelurahan_json }};
  var KEC = {{ this.kecamatan_json }};
  var KEL = {{ this.kel_props }};
  var RT = {{ this.rt_data }};
  var INC = {{ this.incident_data }};
  var C = {{ this.constants }};
  var SHOW = {{ this.show }};

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function dec(b64, T) {
    var s = atob(b64), n = s.length, u = new Uint8Array(n);
    for (var i = 0; i < n; i++) u[i] = s.charCodeAt(i);
    return new T(u.buffer);
  }
  var TYPES = {u1: Uint8Array, u2: Uint16Array, u4: Uint32Array};
  function col(pair) { return dec(pair[1], TYPES[pair[0]]); }

  var overlays = {};

  // Kelurahan filled by level; clicking one opens its panel (streamlit-folium returns the feature).
  var selected = null;
  function kelStyle(f) {
    var p = KEL[f.properties.k];
    var color = p ? C.levelColors[p[0]] : C.outOfScope;
    return {fillColor: color, fillOpacity: p ? 0.55 : 0.25, color: "#4a4a4a", weight: 1, opacity: 0.9};
  }
  var kelLayer = L.geoJSON(GEO, {
    className: "sk-kel",
    style: kelStyle,
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: 10, className: "sk-kel"});
    },
    onEachFeature: function (f, layer) {
      var p = KEL[f.properties.k];
      f.properties.kode_kelurahan = f.properties.k;
      layer.bindTooltip(p ? p[1] : esc(f.properties.k), {sticky: true, className: "sk-tip", opacity: 0.97});
      layer.on("click", function () {
        if (selected && selected !== layer) kelLayer.resetStyle(selected);
        selected = layer;
        layer.setStyle({weight: 3, color: "#000"});
        if (layer.bringToFront) layer.bringToFront();
      });
    }
  }).addTo(map);
  kelLayer.eachLayer(function (layer) {  // lets tests and assistive tools find a kelurahan
    if (layer._path) layer._path.setAttribute("data-kode", layer.feature.properties.k);
  });
  overlays[C.names.kelurahan] = kelLayer;

  if (KEC) {
    var kecLayer = L.geoJSON(KEC, {
      className: "sk-kec", interactive: false,
      style: function () { return {fill: false, color: "#263238", weight: 2.2, opacity: 0.85}; }
    }).addTo(map);
    overlays[C.names.kecamatan] = kecLayer;
  }
  // Names above the report clusters (marker pane 600), below tooltips (650).
  map.createPane("skLabels");
  map.getPane("skLabels").style.zIndex = 640;
  map.getPane("skLabels").style.pointerEvents = "none";
  var labelLayer = L.layerGroup(C.labels.map(function (l) {
    return L.marker([l[0], l[1]], {
      interactive: false, keyboard: false, pane: "skLabels",
      icon: L.divIcon({className: "sk-kec-label", html: "<span>" + esc(l[2]) + "</span>", iconSize: null})
    });
  })).addTo(map);
  overlays[C.names.labels] = labelLayer;

  // RT points coloured by RT level.
  if (RT && RT.pts.length) {
    var rtLayer = L.featureGroup(RT.pts.map(function (r) {
      // Kondusif RT stay discreet; Waspada/Rawan RT stand out with a dark ring.
      var m = L.circleMarker([r[0], r[1]], r[2] > 0 ? {
        radius: 6, className: "sk-rt", weight: 1.5, color: "#212121", fillColor: C.levelColors[r[2]], fillOpacity: 1
      } : {
        radius: 2.5, className: "sk-rt", weight: 0.5, color: "#fff", fillColor: "#0b5d2a", fillOpacity: 0.55
      });
      m.feature = {type: "Feature", properties: {kode_kelurahan: r[3], rt: r[4]}};
      m.bindTooltip(RT.tips[r[5]], {className: "sk-tip"});
      return m;
    }));
    if (SHOW.rt) rtLayer.addTo(map);
    overlays[C.names.rt] = rtLayer;
  }

  // Reports: typed arrays decoded here, clustered by leaflet.markercluster.
  if (INC && INC.n > 0 && L.markerClusterGroup) {
    var n = INC.n, qlat = dec(INC.lat, Uint16Array), qlon = dec(INC.lon, Uint16Array);
    var tm = col(INC.t), kind = dec(INC.kind, Uint8Array), kel = col(INC.kel), rt = col(INC.rt);
    var pre = col(INC.pre), seq = col(INC.seq), ttl = col(INC.ttl), approx = dec(INC.approx, Uint8Array);
    var nS = C.severities.length, nT = C.statuses.length;
    var icons = C.severities.map(function (s) {
      return L.divIcon({className: "sk-inc sk-inc-" + s, iconSize: [11, 11]});
    });
    function pad(x, w) { x = String(x); while (x.length < w) x = "0" + x; return x; }
    function wib(i) {
      var d = new Date((INC.t0 + tm[i]) * 60000 + 7 * 3600000);
      return pad(d.getUTCDate(), 2) + "/" + pad(d.getUTCMonth() + 1, 2) + "/" + d.getUTCFullYear() + " " +
        pad(d.getUTCHours(), 2) + ":" + pad(d.getUTCMinutes(), 2) + " WIB";
    }
    function reportNo(i) {
      var p = INC.prefixes[pre[i]];
      return seq[i] ? p + "-" + pad(seq[i] - 1, INC.pad) : p;
    }
    function popupHtml(i) {
      var k = kind[i], st = k % nT, sv = Math.floor(k / nT) % nS, ct = Math.floor(k / (nT * nS));
      var kl = INC.kels[kel[i]];
      var rows = [
        ["Laporan", reportNo(i)],
        ["Judul", INC.titles[ttl[i]]],
        ["Kelurahan", kl[1] + " (Kec. " + kl[2] + ")"],
        ["RT", rt[i] ? pad(rt[i], 2) : "-"],
        ["Kategori", C.categoryLabels[ct]],
        ["Keparahan", C.severityLabels[sv]],
        ["Waktu", wib(i)],
        ["Status", C.statusLabels[st]]
      ];
      var html = "<table class='sk-popup'>";
      for (var j = 0; j < rows.length; j++) {
        html += "<tr><th>" + esc(rows[j][0]) + "</th><td>" + esc(rows[j][1]) + "</td></tr>";
      }
      if ((approx[i >> 3] >> (i & 7)) & 1) {
        html += "<tr><td colspan='2' class='sk-muted'>Lokasi perkiraan (titik RT/kelurahan)</td></tr>";
      }
      return html + "</table>";
    }
    var cluster = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 45, spiderfyOnMaxZoom: true,
      iconCreateFunction: function (c) {
        var count = c.getChildCount();
        return L.divIcon({
          html: "<div>" + count + "</div>", className: "sk-cluster" + (count >= 100 ? " sk-big" : ""),
          iconSize: count >= 100 ? [38, 38] : [30, 30]
        });
      }
    });
    var markers = new Array(n);
    var lat0 = INC.box[0], dlat = INC.box[1], lon0 = INC.box[2], dlon = INC.box[3];
    for (var i = 0; i < n; i++) {
      var m = L.marker([lat0 + qlat[i] * dlat, lon0 + qlon[i] * dlon], {
        icon: icons[Math.floor(kind[i] / nT) % nS], keyboard: false
      });
      m._sk = i;
      m.feature = {type: "Feature", properties: {kode_kelurahan: INC.kels[kel[i]][0]}};
      markers[i] = m;
    }
    cluster.on("click", function (e) {
      L.popup({maxWidth: 340}).setLatLng(e.layer.getLatLng()).setContent(popupHtml(e.layer._sk)).openOn(map);
    });
    cluster.addLayers(markers);
    if (SHOW.incidents) cluster.addTo(map);
    overlays[C.names.incidents] = cluster;
    window.SiKondusif = {popupHtml: popupHtml, incidents: n};
  }

  // Legend: level colours, report dots, and what the measure is.
  // Issue 12.8: on a narrow map (a phone) the legend and the layer box start folded.
  var narrow = map.getSize().x < C.narrowPx;
  var legend = L.control({position: "bottomleft"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "sk-legend" + (narrow ? " sk-narrow sk-folded" : ""));
    L.DomEvent.disableClickPropagation(div);
    var html = "<button type='button' class='sk-legend-toggle' aria-expanded='" + !narrow + "'>Legenda</button>" +
      "<div class='sk-legend-body'><b>Tingkat kondusivitas</b><br>";
    for (var j = 0; j < C.levelLabels.length; j++) {
      html += "<i style='background:" + C.levelColors[j] + "'></i>" + esc(C.levelLabels[j]) + "<br>";
    }
    if (C.hasOutOfScope) html += "<i style='background:" + C.outOfScope + "'></i>Di luar cakupan<br>";
    html += "<span class='sk-muted'>Titik laporan:</span> ";
    for (var s = 0; s < C.severities.length; s++) {
      html += "<i class='sk-dot' style='background:" + C.severityColors[s] + "'></i>" + esc(C.severityLabels[s]) + " ";
    }
    html += "<br><span class='sk-muted'>" + esc(C.notice) + "</span></div>";
    div.innerHTML = html;
    var toggle = div.querySelector(".sk-legend-toggle");
    L.DomEvent.on(toggle, "click", function () {
      var folded = L.DomUtil.hasClass(div, "sk-folded");
      (folded ? L.DomUtil.removeClass : L.DomUtil.addClass)(div, "sk-folded");
      toggle.setAttribute("aria-expanded", String(folded));
    });
    return div;
  };
  legend.addTo(map);
  L.control.layers(null, overlays, {collapsed: C.collapsed || narrow, position: "topright"}).addTo(map);

  // Issue 12.11: kecamatan names are centred on their point; where two overlap at this zoom
  // (Utara II / Selatan II), the later one moves down below the earlier one.
  function declutter() {
    var spans = [];
    labelLayer.eachLayer(function (m) {
      var el = m.getElement && m.getElement();
      var span = el && el.firstChild;
      if (span) { span.style.top = "0px"; spans.push(span); }
    });
    var placed = [];
    spans.forEach(function (span) {
      var r = span.getBoundingClientRect(), shift = 0, moved = true, guard = 0;
      while (moved && guard++ < 12) {
        moved = false;
        for (var i = 0; i < placed.length; i++) {
          var q = placed[i];
          if (r.left < q.right + 2 && r.right > q.left - 2 && r.top + shift < q.bottom + 1 && r.bottom + shift > q.top - 1) {
            shift = q.bottom + 1 - r.top;
            moved = true;
          }
        }
      }
      span.style.top = shift + "px";
      placed.push({left: r.left, right: r.right, top: r.top + shift, bottom: r.bottom + shift});
    });
  }
  map.on("zoomend viewreset resize overlayadd", declutter);
  map.whenReady(function () { setTimeout(declutter, 0); });

  // Issue 12.3: Leaflet's keyboard handler focuses the map container on the first mousedown;
  // that focus moves the mouseup off the polygon, so the first click on a kelurahan never
  // fired. Focus after the click instead (keyboard panning and Tab focus still work).
  if (map.keyboard) {
    L.DomEvent.off(map.getContainer(), "mousedown", map.keyboard._onMouseDown, map.keyboard);
    map.on("click", function () {
      if (!map.keyboard._focused) map.getContainer().focus({preventScroll: true});
    });
  }
})();
{% endmacro %}
"""
    )

    def __init__(self, geo: StaticLayers, kel_props: dict, rt_data: dict | None, incident_data: dict | None,
                 vendor: dict[str, str], show_rt: bool, show_incidents: bool, has_out_of_scope: bool,
                 collapsed: bool):
        super().__init__()
        self._name = "CityLayers"
        self.geo = geo
        self.kecamatan_json = geo.kecamatan_json or "null"
        self.kel_props = js_json(kel_props)
        self.rt_data = js_json(rt_data) if rt_data else "null"
        self.incident_data = js_json(incident_data) if incident_data else "null"
        self.show = js_json({"rt": show_rt, "incidents": show_incidents})
        self.sev_colors = SEVERITY_COLORS
        self.constants = js_json({
            "levelColors": [LEVEL_COLORS[lv] for lv in LEVELS],
            "levelLabels": [lv.label for lv in LEVELS],
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
        module = self._template.module
        figure.header.add_child(_Verbatim(module.header(self, kwargs)), name=self.get_name())
        figure.script.add_child(_Verbatim(module.script(self, kwargs)), name=self.get_name())


# --------------------------------------------------------------------------- build


def _vendor_urls(base_url_path: str) -> dict[str, str]:
    return {key: static_url(rel, base_url_path) for key, rel in VENDOR_FILES.items()}


def kelurahan_properties(kel_levels: pd.DataFrame) -> dict[str, list]:
    """kode -> [level index, tooltip HTML] for the kelurahan layer."""
    names = _kelurahan_names()
    props: dict[str, list] = {}
    for rec in kel_levels.itertuples(index=False):
        kode = str(rec.kode_kelurahan)
        nama, kec = names.get(kode, (kode, ""))
        level = Level(rec.level)
        props[kode] = [LEVELS.index(level), kelurahan_tooltip(nama, kec, level, float(rec.score), rec.reasons)]
    return props


def rt_layer_data(rt_levels: pd.DataFrame | None, registry: pd.DataFrame | None, sample: bool) -> dict | None:
    """RT points [lat, lon, level index, kode, rt, tooltip index] with deduplicated tooltips."""
    if rt_levels is None or registry is None or not len(rt_levels) or not len(registry):
        return None
    reg = registry[["kode_kelurahan", "rt", "lat", "lon"]].dropna(subset=["lat", "lon"]).copy()
    reg["rt"] = reg["rt"].astype(int)
    merged = rt_levels.merge(reg, on=["kode_kelurahan", "rt"], how="inner")
    names = _kelurahan_names()
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
) -> folium.Map:
    """The interactive city map as a folium Map (render with .get_root().render()).

    `kel_levels` is status.compute_levels(...) per kelurahan (kelurahan missing
    from it are drawn grey as outside the viewer's scope); `rt_levels` per RT with
    `registry` giving RT points; `incidents` holds INCIDENT_COLUMNS (and no
    identity columns), or `packed_incidents` is pack_incidents(...) of them done
    earlier (the page caches it). No CDN: Leaflet and plugins come from static/vendor/.
    """
    geo = static_layers()
    vendor = _vendor_urls(base_url_path)
    fmap = folium.Map(
        location=CITY_CENTER, zoom_start=12, tiles=None, control_scale=True, height=height,
        prefer_canvas=False, zoom_snap=0.5,
        # Map options (folium passes min/max_zoom only to a tile layer); markercluster needs maxZoom.
        **{"minZoom": 10, "maxZoom": 19},
    )
    # Only Leaflet itself: folium's default jQuery/Bootstrap/awesome-markers (all CDN) are not used.
    fmap.default_js = [("leaflet", vendor["leaflet_js"])]
    fmap.default_css = [("leaflet_css", vendor["leaflet_css"])]
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution or "Peta dasar", name="Peta dasar",
                         control=False, max_zoom=19).add_to(fmap)
    props = kelurahan_properties(kel_levels)
    has_out_of_scope = len(props) < len(_kelurahan_names())
    rt_data = rt_layer_data(rt_levels, registry, registry_is_sample)
    inc_data = packed_incidents
    if inc_data is None and incidents is not None and len(incidents):
        inc_data = pack_incidents(incidents, geo.points, rt_points(registry))
    CityLayers(geo, props, rt_data, inc_data, vendor, show_rt, show_incidents, has_out_of_scope,
               collapsed_controls).add_to(fmap)
    # A view limited to some kelurahan (a scoped Panwascam, a kecamatan filter) opens on them.
    south_west, north_east = geo.bounds_of(props) if has_out_of_scope and props else geo.bounds
    fmap.fit_bounds([list(south_west), list(north_east)])
    return fmap


def map_html(fmap: folium.Map) -> str:
    """The full standalone HTML of a map (what tests and the benchmark inspect)."""
    return fmap.get_root().render()


def naive_map(incidents: pd.DataFrame) -> folium.Map:
    """One folium.Marker per report: the slow way, kept only for the benchmark's comparison."""
    fmap = folium.Map(location=CITY_CENTER, zoom_start=12, tiles=None)
    for rec in incidents.itertuples(index=False):
        if pd.isna(rec.lat) or pd.isna(rec.lon):
            continue
        popup = f"{escape_html(rec.report_no)}<br>{escape_html(rec.title)}<br>{escape_html(rec.category)}"
        folium.Marker([float(rec.lat), float(rec.lon)], popup=popup).add_to(fmap)
    return fmap


def measure_notice() -> str:
    return MEASURE_NOTICE

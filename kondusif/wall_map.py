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
from functools import lru_cache
from pathlib import Path

import folium
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from kondusif import maps
from kondusif.model import Severity
from kondusif.safe import escape_html
from kondusif.status import LEVEL_COLORS, Level
from kondusif.wall import HIGHLIGHT_SECONDS, WallSnapshot
from lubuklinggau_geo import gazetteer

DATA_ATTRIBUTE = "data-sk-wall"
LEVEL_ORDER = maps.LEVELS  # the index maps.build_map uses (issue 24: Tidak ada kabar last, drawn hatched)
HERE = Path(__file__).resolve().parent


class WallLive(MacroElement):
    """Script that keeps the map's data current without rebuilding the map (see module doc).

    The program and its styles are files (wall_live.js, wall_live.css), read once; the
    macros only print text built here (streamlit-folium renders each child's macros).
    """

    _template = Template(
        "{% macro header(this, kwargs) %}{{ this.header_text() }}{% endmacro %}"
        "{% macro script(this, kwargs) %}{{ this.script_text() }}{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "WallLive"
        self.colors = maps.js_json([LEVEL_COLORS[lv] for lv in LEVEL_ORDER])
        self.no_news = LEVEL_ORDER.index(Level.TIDAK_ADA_KABAR)
        self.sev_colors = maps.js_json(maps.SEVERITY_COLORS)
        self.attribute = maps.js_json(DATA_ATTRIBUTE)
        self.seconds = int(HIGHLIGHT_SECONDS)

    def header_text(self) -> str:
        return "<style>\n" + wall_live_css() + "</style>"

    def script_text(self) -> str:
        """wall_live.js, then one call handing it this map and its constants."""
        if self._parent is None:
            raise RuntimeError("WallLive is added to a map before it is rendered")
        args = ", ".join((self._parent.get_name(), self.colors, self.sev_colors, self.attribute, str(self.seconds),
                          str(self.no_news)))
        return f"{wall_live_js()}\nwindow.skWallLive({args});\n"


@lru_cache(maxsize=1)
def wall_live_js() -> str:
    """The wall map's browser program, read once from disk."""
    return (HERE / "maps" / "wall_live.js").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def wall_live_css() -> str:
    """The wall map's styles, read once from disk."""
    return (HERE / "maps" / "wall_live.css").read_text(encoding="utf-8")


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
        tip = maps.kelurahan_tooltip(nama, kec, level, float(rec.score), rec.reasons, click_hint=False)
        kel[kode] = [LEVEL_ORDER.index(level), tip, int(f"kel:{kode}" in active)]
    points = maps.static_layers().points
    inc = []
    for rec in drawing_order(snap.reports).itertuples(index=False):
        lat, lon = _point(rec, points)
        inc.append([round(lat, 5), round(lon, 5), str(rec.severity), str(rec.report_no),
                    int(f"lap:{rec.report_no}" in active)])
    return {"v": str(version), "kel": kel, "inc": inc}


SEVERITY_RANK = {Severity.RINGAN.value: 0, Severity.SEDANG.value: 1, Severity.BERAT.value: 2}


def drawing_order(reports: pd.DataFrame) -> pd.DataFrame:
    """Reports in the order their dots are drawn: the last drawn is on top (issue 30.8).

    Where dots overlap (one RT, or reports placed at their kelurahan's point), the most
    severe is on top: ringan first, then sedang, berat last; within a severity the newest
    last. `reports` come newest first (the snapshot's order). A newer ringan never hides a berat.
    """
    if not len(reports):
        return reports
    oldest_first = reports.iloc[::-1]
    rank = oldest_first["severity"].map(SEVERITY_RANK).fillna(-1)
    return oldest_first.iloc[rank.argsort(kind="stable")]


def data_element(data: dict) -> str:
    """The hidden element carrying `data` to the map iframe (attribute-escaped JSON)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return f'<div hidden class="sk-wall-data" {DATA_ATTRIBUTE}="{escape_html(text)}"></div>'

"""Where the map's code comes from (static/vendor/, never a CDN), and the one offline folium map.

Leaflet and leaflet.markercluster are loaded from the app's static folder (`make static`
copies them from npm into static/vendor/), so every map of the app works on an intranet
on election day. Base tiles are optional. `offline_map()` is the single place a folium Map
is made: the city map, a report's detail map and the report form's point picker use it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
from branca.element import MacroElement
from jinja2 import Template

from kondusif.config import PROJECT_ROOT

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



def vendor_urls(base_url_path: str = "") -> dict[str, str]:
    """URL of every vendor file, keyed like VENDOR_FILES."""
    return {key: static_url(rel, base_url_path) for key, rel in VENDOR_FILES.items()}


class MetricScale(MacroElement):
    """Leaflet's scale bar in kilometres only (folium's `control_scale` also shows miles)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )


def offline_map(
    location: tuple[float, float] | list[float],
    zoom_start: int = 12,
    *,
    base_url_path: str = "",
    tile_url: str | None = None,
    tile_attribution: str = "",
    height: int | str = "100%",
    **options,
) -> folium.Map:
    """A folium Map loading only Leaflet from static/vendor/ (folium's default jQuery,
    Bootstrap and awesome-markers all come from CDNs and are dropped), with the configured
    base tiles when there are any. Extra keyword arguments go to folium.Map / Leaflet."""
    fmap = folium.Map(location=list(location), zoom_start=zoom_start, tiles=None, control_scale=False,
                      height=height, **options)
    MetricScale().add_to(fmap)
    fmap.default_js = [("leaflet", static_url(VENDOR_FILES["leaflet_js"], base_url_path))]
    fmap.default_css = [("leaflet_css", static_url(VENDOR_FILES["leaflet_css"], base_url_path))]
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution or "Peta dasar", name="Peta dasar",
                         control=False, max_zoom=19).add_to(fmap)
    return fmap

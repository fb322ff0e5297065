"""The interactive city map (folium/Leaflet), served entirely from the app itself.

Split by concept (issue 19); `from kondusif import maps; maps.build_map(...)` keeps working:
- assets.py: vendor file URLs (static/vendor/, never a CDN), `js_json`, and `offline_map()`,
  the one folium Map every map of the app starts from (city map, report detail, report form).
- geography.py: the static geography, serialised once and cached per boundary file.
- packing.py: reports as base64 typed arrays + lookup tables (no reporter identity).
- layers.py + city_layers.js/.css: the city map's layers; the browser program is a real
  .js file read from disk and inlined into the map's iframe.

Fast: boundaries are serialised once; 100,000 reports stay < 3 MB and are clustered in the
browser. Safe: JSON for scripts escapes <, >, &; HTML built in Python uses escape_html and
popups built in JavaScript escape each value again. The static matplotlib map of the weekly
PDF lives in kondusif/report/.
"""

from kondusif.maps.assets import (
    MISSING_VENDOR_MESSAGE,
    STATIC_DIR,
    VENDOR_DIR,
    VENDOR_FILES,
    js_json,
    missing_vendor_files,
    offline_map,
    static_url,
    vendor_urls,
)
from kondusif.maps.geography import StaticLayers, kelurahan_names, static_layers
from kondusif.maps.layers import (
    LEVELS,
    MAP_LAYER_NAMES,
    NARROW_MAP_PX,
    OUT_OF_SCOPE_COLOR,
    SEVERITY_COLORS,
    CityLayers,
    build_map,
    city_layers_css,
    city_layers_js,
    kelurahan_properties,
    kelurahan_tooltip,
    map_html,
    naive_map,
    rt_layer_data,
    rt_points,
    rt_tooltip,
)
from kondusif.maps.packing import (
    CATEGORIES,
    CITY_CENTER,
    INCIDENT_COLUMNS,
    SEVERITIES,
    STATUSES,
    epoch_minutes,
    pack_incidents,
)

__all__ = [
    "CATEGORIES", "CITY_CENTER", "INCIDENT_COLUMNS", "LEVELS", "MAP_LAYER_NAMES", "MISSING_VENDOR_MESSAGE",
    "NARROW_MAP_PX", "OUT_OF_SCOPE_COLOR", "SEVERITIES", "SEVERITY_COLORS", "STATIC_DIR", "STATUSES",
    "VENDOR_DIR", "VENDOR_FILES", "CityLayers", "StaticLayers", "build_map", "city_layers_css", "city_layers_js",
    "epoch_minutes", "js_json", "kelurahan_names", "kelurahan_properties", "kelurahan_tooltip", "map_html",
    "missing_vendor_files", "naive_map", "offline_map", "pack_incidents", "rt_layer_data",
    "rt_points", "rt_tooltip", "static_layers", "static_url", "vendor_urls",
]

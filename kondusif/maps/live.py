"""The city map that stays (issue 29.1): one map per viewer, its data sent apart.

Why: streamlit-folium keys its iframe on the map's script. When levels and reports are baked
into the script, every rerun (another period, a click in the panel) builds and sends about
1.2 MB again and the browser makes a new map, losing the zoom and position the official set.
So the page builds the map from what never changes for a viewer (geometry, the kelurahan of
their scope, constants) with `base_map`, and writes the current data with `data_element`
into a hidden element of the page; city_layers.js (`skCityLive`) reads it whenever it changes
and restyles the kelurahan, rewrites tooltips and redraws RT points and report clusters in
place. An unchanged data element is not re-sent either: Streamlit sends a large element the
browser already holds as a reference to its hash.

Safe: the data are JSON in an HTML attribute, escaped with escape_html; the map parses them
as JSON (nothing is evaluated) and every text it shows was escaped when built (tooltips) or is
escaped by the map (popups). No reporter identity: reports come packed by pack_incidents.

Plain folium and data here (no Streamlit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import folium
import pandas as pd

from kondusif.maps.layers import build_map, kelurahan_properties, rt_layer_data
from kondusif.safe import escape_html
from kondusif.status import Level

DATA_ATTRIBUTE = "data-sk-peta"


def base_map(units: list[str] | tuple[str, ...], *, base_url_path: str = "", tile_url: str | None = None,
             tile_attribution: str = "") -> folium.Map:
    """The map of a viewer whose scope covers `units`: the same script on every rerun.

    Every kelurahan starts Kondusif with no reasons; the page's data element repaints it with
    the real levels before the first frame, and the map fits the kelurahan of that data.
    """
    neutral = pd.DataFrame({
        "kode_kelurahan": list(units),
        "level": [Level.KONDUSIF.value] * len(units),
        "score": [0.0] * len(units),
        "reasons": [[] for _ in units],
    })
    return build_map(neutral, None, None, None, base_url_path=base_url_path, tile_url=tile_url,
                     tile_attribution=tile_attribution, live_attribute=DATA_ATTRIBUTE)


def live_data(kel_levels: pd.DataFrame, rt_levels: pd.DataFrame | None, registry: pd.DataFrame | None, *,
              registry_is_sample: bool, packed_incidents: dict | None, contact: pd.DataFrame | None,
              n_kelurahan: int, version: object = "") -> dict:
    """What skCityLive applies: kelurahan [level index, tooltip HTML, coverage share], RT points,
    the packed reports, whether some kelurahan are outside the view, and the data version."""
    props = kelurahan_properties(kel_levels, contact)
    return {
        "v": str(version),
        "kel": props,
        "rt": rt_layer_data(rt_levels, registry, registry_is_sample),
        "inc": packed_incidents,
        "oos": len(props) < n_kelurahan,
    }


def data_element(data: dict) -> str:
    """The hidden element carrying `data` to the map iframe (attribute-escaped JSON)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return f'<div hidden class="sk-peta-data" {DATA_ATTRIBUTE}="{escape_html(text)}"></div>'


@dataclass(frozen=True)
class BuiltHtml:
    """HTML built and escaped here, for st.html as is.

    st.html takes an object's `_repr_html_` (its documented first choice) without the
    dedent-and-strip it runs over plain strings: over the ~1 MB data element that was
    ~16 ms of CPU on every rerun of every session (issue 29).
    """

    html: str

    def _repr_html_(self) -> str:
        return self.html

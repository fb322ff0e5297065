"""Issue 29.1: the city map that stays (kondusif/maps/live.py).

- the map a viewer gets is the same script whatever the view (streamlit-folium keeps its iframe only
  while the script's hash is unchanged), and it carries no report and no level;
- the view's data travel in one hidden element, escaped: text from reports and reasons never becomes
  markup, and nothing about the reporter is in it.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

import pandas as pd
from streamlit_folium import _get_map_string, generate_js_hash

from kondusif import maps
from kondusif.maps import live
from kondusif.status import Level
from lubuklinggau_geo import gazetteer

XSS = '"><img src=x onerror=alert(1)>'
KEL = "16.73.01.1001"


def _levels(level: Level, reason: str) -> pd.DataFrame:
    return pd.DataFrame({"kode_kelurahan": [KEL], "level": [level.value], "score": [21.5], "reasons": [[reason]]})


def test_the_map_script_is_the_same_for_every_view_of_a_scope():
    units = gazetteer.kelurahan_codes()
    first = _get_map_string(live.base_map(units))
    again = _get_map_string(live.base_map(units))
    assert generate_js_hash(first, "peta_map") == generate_js_hash(again, "peta_map")
    assert "skCityLive(API, \"data-sk-peta\")" in first
    assert "var INC = null;" in first and "var RT = null;" in first  # no report, no RT level in the map itself
    kel = json.loads(re.search(r"^\s*var KEL = (.*);$", first, re.M).group(1))
    assert sorted(kel) == sorted(units) and {p[0] for p in kel.values()} == {0}  # all neutral: levels come as data


def test_the_data_element_escapes_every_text_and_reads_back_as_the_data():
    reports = pd.DataFrame({
        "report_no": ["LLG-2018-000001"], "kode_kelurahan": [KEL], "rt": [3], "category": ["politik_uang"],
        "severity": ["berat"], "status": ["baru"], "occurred_at": [datetime(2018, 6, 20, 1, 0, tzinfo=UTC)],
        "lat": [None], "lon": [None], "title": [XSS],
    })
    packed = maps.pack_incidents(reports, maps.static_layers().points)
    data = live.live_data(_levels(Level.RAWAN, XSS), None, None, registry_is_sample=True, packed_incidents=packed,
                          contact=None, n_kelurahan=72, version=(7, 3))
    element = live.data_element(data)

    assert "<img" not in element and element.count('"') == 4  # the attributes' own quotes only
    attribute = re.fullmatch(r'<div hidden class="sk-peta-data" data-sk-peta="([^"]*)"></div>', element)
    assert attribute is not None
    back = json.loads(html.unescape(attribute.group(1)))
    level_index, tooltip, share = back["kel"][KEL]
    assert level_index == 2 and share is None  # Rawan: the third colour of the map's legend
    assert "&lt;img src=x onerror=alert(1)&gt;" in tooltip and "<img" not in tooltip  # escaped for the tooltip
    assert back["inc"]["titles"] == [XSS]  # a title is data: the map escapes it when it shows the popup
    assert back["oos"] is True and back["v"] == "(7, 3)"
    for private in ("reporter", "phone", "reporter_name", "reporter_phone"):
        assert private not in json.dumps(back)


def test_the_data_element_reaches_the_page_as_built():
    """st.html gets the element as BuiltHtml: the page carries exactly the escaped element (no
    dedent or strip of the ~1 MB body on each rerun changes or costs anything)."""
    from streamlit.testing.v1 import AppTest

    def page(element: str) -> None:
        import streamlit as st

        from kondusif.maps import live as live_map

        st.html(live_map.BuiltHtml(element))

    data = live.live_data(_levels(Level.WASPADA, XSS), None, None, registry_is_sample=True, packed_incidents=None,
                          contact=None, n_kelurahan=72, version=(1, 0))
    element = "   " + live.data_element(data) + "\n"  # leading spaces and newline: kept as built
    at = AppTest.from_function(page, args=(element,)).run()
    assert not at.exception
    bodies = [node.proto.body for node in at.get("html")]
    assert bodies == [element]

"""The folium map: no CDN, escaped user text, no identity, compact incidents, no-boundaries fallback."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from kondusif import maps, overview, status
from kondusif.filters import Filter
from kondusif.model import Role, Viewer
from kondusif.registry import sample_frame
from lubuklinggau_geo import boundaries as geo_boundaries
from lubuklinggau_geo import gazetteer

AS_OF = datetime(2018, 6, 27, 17, 0, tzinfo=UTC)
XSS = "<img src=x onerror=alert(1)>"


def incidents(n: int = 5, **over) -> pd.DataFrame:
    kel = gazetteer.kelurahan_codes()
    rows = []
    for i in range(n):
        rows.append({
            "report_no": f"LLG-2018-{i + 1:06d}",
            "kode_kelurahan": kel[i % len(kel)],
            "rt": (i % 5) + 1,
            "category": "politik_uang",
            "severity": ["ringan", "sedang", "berat"][i % 3],
            "status": "diverifikasi",
            "occurred_at": AS_OF - timedelta(hours=i),
            "lat": -3.29 + i * 1e-4,
            "lon": 102.86 + i * 1e-4,
            "title": f"Laporan {i}",
        })
    df = pd.DataFrame(rows)
    for key, value in over.items():
        df[key] = value
    return df


def levels(df: pd.DataFrame) -> pd.DataFrame:
    return status.compute_levels(df, AS_OF, units=gazetteer.kelurahan_codes())


def render(df: pd.DataFrame, **kwargs) -> str:
    return maps.map_html(maps.build_map(levels(df), df, **kwargs))


def script_payload(html: str, var: str) -> dict:
    m = re.search(rf"var {var} = (.*?);\n", html)
    assert m, var
    return json.loads(m.group(1))


# ------------------------------------------------------------------ offline


def test_no_cdn_or_remote_script_or_stylesheet():
    html = render(incidents())
    assert "cdn" not in html.lower()
    srcs = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html)
    hrefs = re.findall(r"<link[^>]*\shref=\"([^\"]+)\"", html)
    assert srcs and hrefs
    for url in srcs + hrefs:
        assert url.startswith("/app/static/vendor/"), url
        assert "://" not in url
    assert set(srcs) == {"/app/static/vendor/leaflet/leaflet.js",
                         "/app/static/vendor/leaflet.markercluster/leaflet.markercluster.js"}
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()


def test_base_url_path_prefixes_static_urls():
    html = render(incidents(), base_url_path="/sikondusif/")
    srcs = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", html)
    assert all(u.startswith("/sikondusif/app/static/vendor/") for u in srcs)
    assert maps.static_url("leaflet/leaflet.js", "") == "/app/static/vendor/leaflet/leaflet.js"


def test_vendor_files_are_installed_by_make_static():
    assert maps.missing_vendor_files() == [], "Run `make static`"


def test_missing_vendor_files_are_reported(tmp_path):
    assert set(maps.missing_vendor_files(tmp_path)) == set(maps.VENDOR_FILES.values())


def test_no_tiles_by_default_and_tiles_when_configured():
    assert "L.tileLayer" not in render(incidents())
    html = render(incidents(), tile_url="http://tiles.pemkot.invalid/{z}/{x}/{y}.png", tile_attribution="Pemkot")
    assert "L.tileLayer" in html and "tiles.pemkot.invalid" in html


def test_every_map_of_the_app_starts_from_the_one_offline_map():
    """Issue 19: the offline set-up (vendor Leaflet, no CDN, optional tiles) was written three times."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    makers = sorted(str(p.relative_to(root)) for p in [*root.glob("kondusif/**/*.py"), *root.glob("screens/*.py")]
                    if "folium.Map(" in p.read_text(encoding="utf-8"))
    assert makers == ["kondusif/maps/assets.py"]
    for caller in ("kondusif/workbench.py", "kondusif/ui/report_form.py", "kondusif/maps/layers.py"):
        assert "offline_map(" in (root / caller).read_text(encoding="utf-8"), caller


def test_offline_map_loads_leaflet_from_the_app_and_tiles_only_when_given():
    bare = maps.map_html(maps.offline_map((-3.29, 102.87), 15, base_url_path="/sk"))
    srcs = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", bare)
    assert srcs == ["/sk/app/static/vendor/leaflet/leaflet.js"]
    assert "L.tileLayer" not in bare and "jquery" not in bare.lower()
    tiled = maps.map_html(maps.offline_map((-3.29, 102.87), tile_url="http://tiles.pemkot.invalid/{z}/{x}/{y}.png"))
    assert "tiles.pemkot.invalid" in tiled and "Peta dasar" in tiled


def test_the_browser_program_is_a_js_file_inlined_from_disk():
    """Issue 19: the Leaflet program lived in a Python string; now kondusif/maps/city_layers.js."""
    from pathlib import Path

    js_file = Path(maps.__file__).with_name("city_layers.js")
    program = js_file.read_text(encoding="utf-8")
    assert "window.skCityLayers = function" in program and "L.markerClusterGroup" in program
    html = render(incidents())
    assert program in html
    assert re.search(r"window\.skCityLayers\(map_\w+, GEO, KEC, KEL, RT, INC, C, SHOW\);", html)
    python_sources = [p for p in Path(maps.__file__).parent.glob("*.py")]
    assert not any("L.markerClusterGroup" in p.read_text(encoding="utf-8") for p in python_sources)


# ------------------------------------------------------------------ escaping


def test_report_title_with_html_is_escaped():
    df = incidents(3)
    df.loc[0, "title"] = XSS
    html = render(df)
    assert XSS not in html
    assert "<img" not in html
    payload = script_payload(html, "INC")
    assert XSS in payload["titles"]  # the browser gets the text, and builds popups with esc()
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html
    assert "esc(rows[j][1])" in html


def test_template_syntax_in_user_text_is_not_evaluated():
    df = incidents(2)
    df.loc[0, "title"] = "{{ 7*7 }} {% if 1 %}x{% endif %} {# c #}"
    html = render(df)
    assert script_payload(html, "INC")["titles"][0] == "{{ 7*7 }} {% if 1 %}x{% endif %} {# c #}"
    assert "{{" not in html.split("var INC = ")[1].split(";\n")[0]


def test_js_json_cannot_close_the_script():
    text = maps.js_json({"a": "</script><script>alert(1)</script>", "b": "x\u2028y"})
    assert "</script>" not in text and "<" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><script>alert(1)</script>", "b": "x\u2028y"}


def test_tooltips_escape_names_and_reasons():
    tip = maps.kelurahan_tooltip("<b>X</b>", "Kec & Co", status.Level.RAWAN, 9.5, ["<script>1</script>"])
    assert "<b>X</b>" not in tip and "&lt;b&gt;X&lt;/b&gt;" in tip
    assert "&lt;script&gt;" in tip and "Kec &amp; Co" in tip
    assert "Rawan" in tip and "9,5" in tip


# ------------------------------------------------------------------ identity


def test_identity_columns_are_refused():
    df = incidents(2)
    df["reporter_name"] = "Budi"
    with pytest.raises(ValueError):
        maps.pack_incidents(df, {})


def test_map_of_store_data_has_no_reporter_identity(demo_engine):
    viewer = Viewer("admin", Role.ADMIN)  # even a role allowed to see identity: the map does not need it
    flt = Filter(period="30h", as_of=datetime(2018, 7, 7).date())
    period = flt.resolve()
    lv = overview.levels_for_view(demo_engine, viewer, flt, period.as_of)
    inc = overview.page_data(demo_engine, viewer, flt, period).map
    assert len(inc.frame) > 50
    html = maps.map_html(maps.build_map(lv.kelurahan, inc.frame, lv.rt, lv.registry,
                                        registry_is_sample=lv.registry_is_sample))
    assert "Pelapor simulasi" not in html and "0800" not in html
    assert "Titik RT dari daftar RT contoh" in html


# ------------------------------------------------------------------ compact incidents


def _decode(payload: dict, key: str) -> np.ndarray:
    code, b64 = payload[key] if isinstance(payload[key], list) else ("u2", payload[key])
    dtype = {"u1": "<u1", "u2": "<u2", "u4": "<u4"}[code]
    return np.frombuffer(base64.b64decode(b64), dtype=dtype)


def popup_time(payload: dict, i: int) -> str:
    """The time row of popup i, decoded the way the map's script does (minutes since 1970 UTC, + 7 h)."""
    minutes = int(payload["t0"]) + int(_decode(payload, "t")[i])
    shown = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes) + timedelta(hours=7)
    return shown.strftime("%d/%m/%Y %H:%M") + " WIB"


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_popup_time_is_right_for_every_datetime_resolution(unit):
    df = incidents(2)
    df["occurred_at"] = df["occurred_at"].astype(f"datetime64[{unit}, UTC]")
    payload = maps.pack_incidents(df, maps.static_layers().points)
    assert [popup_time(payload, 0), popup_time(payload, 1)] == ["28/06/2018 00:00 WIB", "27/06/2018 23:00 WIB"]


def test_popup_time_of_a_report_read_back_from_the_store(engine):
    """Stored at 07/07/2018 23:55 WIB, read back the way the map reads it (both backends)."""
    from kondusif import store
    from kondusif.model import Incident
    from kondusif.timeutil import WIB

    with store.write(engine) as conn:
        store.insert_incidents(conn, [Incident(
            kode_kelurahan="16.73.01.1001", rt=2, category="intimidasi", severity="berat", title="Uji waktu",
            occurred_at=datetime(2018, 7, 7, 23, 55, tzinfo=WIB), status="diverifikasi")])
    flt = Filter(period="rentang", start=datetime(2018, 7, 1).date(), end=datetime(2018, 7, 31).date())
    period = flt.resolve()
    inc = overview.page_data(engine, Viewer("p", Role.PANWASLU), flt, period).map
    payload = maps.pack_incidents(inc.frame, maps.static_layers().points)
    assert payload["n"] == 1
    assert popup_time(payload, 0) == "07/07/2018 23:55 WIB"


def test_packed_incidents_decode_to_the_reports():
    df = incidents(40)
    df.loc[3, ["lat", "lon"]] = np.nan  # no coordinates: placed at its RT point
    df.loc[5, "report_no"] = "IMPOR-ABC"  # a number of another shape survives whole
    reg = sample_frame()
    rt_pts = maps.rt_points(reg)
    payload = maps.pack_incidents(df, maps.static_layers().points, rt_pts)
    n = payload["n"]
    assert n == 40
    lat0, dlat, lon0, dlon = payload["box"]
    lat = lat0 + _decode(payload, "lat") * dlat
    lon = lon0 + _decode(payload, "lon") * dlon
    expect_lat = df["lat"].to_numpy().copy()
    key = (df.loc[3, "kode_kelurahan"], int(df.loc[3, "rt"]))
    expect_lat[3] = rt_pts[key][0] if key in rt_pts else maps.static_layers().points[key[0]][0]
    assert np.allclose(lat, expect_lat, atol=1e-5)
    assert np.allclose(np.delete(lon, 3), np.delete(df["lon"].to_numpy(), 3), atol=1e-5)
    approx = np.unpackbits(np.frombuffer(base64.b64decode(payload["approx"]), dtype=np.uint8),
                           bitorder="little")[:n]
    assert list(np.flatnonzero(approx)) == [3]
    # AS_OF is 28/06/2018 00:00 WIB and row i is i hours earlier (written by hand, not recomputed).
    assert popup_time(payload, 0) == "28/06/2018 00:00 WIB"
    assert popup_time(payload, 1) == "27/06/2018 23:00 WIB"
    assert popup_time(payload, 39) == "26/06/2018 09:00 WIB"
    pre = _decode(payload, "pre")
    seq = _decode(payload, "seq").astype(np.int64)
    numbers = [
        f"{payload['prefixes'][p]}-{s - 1:0{payload['pad']}d}" if s else payload["prefixes"][p]
        for p, s in zip(pre, seq, strict=True)
    ]
    assert numbers == list(df["report_no"])
    kinds = _decode(payload, "kind")
    assert len(set(kinds)) == 3  # three severities, one category, one status


def test_incident_payload_is_compact():
    df = incidents(5000)
    payload = maps.js_json(maps.pack_incidents(df, maps.static_layers().points))
    assert len(payload) / 5000 < 40  # bytes per report


# ------------------------------------------------------------------ layers


def test_every_kelurahan_is_drawn_with_its_level_and_scope():
    df = incidents(3)
    lv = levels(df)
    html = maps.map_html(maps.build_map(lv, df))
    kel = script_payload(html, "KEL")
    assert len(kel) == 72
    geo = script_payload(html, "GEO")
    assert len(geo["features"]) == 72
    assert geo["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    partial = maps.map_html(maps.build_map(lv[lv["kode_kelurahan"].str.startswith("16.73.01")], df))
    assert len(script_payload(partial, "KEL")) < 72
    assert '"hasOutOfScope":true' in partial


def test_without_boundaries_kelurahan_are_points(tmp_path, monkeypatch):
    empty = tmp_path / "nogeo"
    empty.mkdir()
    monkeypatch.setenv("LUBUKLINGGAU_GEO_DIR", str(empty))
    monkeypatch.setenv("KONDUSIF_DATA_DIR", str(tmp_path / "nodata"))
    assert not geo_boundaries.status().available
    layers = maps.static_layers()
    assert not layers.polygons and layers.kecamatan_json is None
    html = render(incidents(3))
    geo = script_payload(html, "GEO")
    assert len(geo["features"]) == 72
    assert {f["geometry"]["type"] for f in geo["features"]} == {"Point"}
    assert "var KEC = null" in html


def test_rt_layer_and_naive_map():
    df = incidents(10)
    reg = sample_frame()
    rt_lv = status.compute_levels(df, AS_OF, by="rt", units=list(zip(reg["kode_kelurahan"], reg["rt"],
                                                                         strict=True)))
    data = maps.rt_layer_data(rt_lv, reg, sample=True)
    assert len(data["pts"]) == len(reg)
    assert all(0 <= p[2] <= 2 for p in data["pts"])
    assert any("contoh" in t for t in data["tips"])
    naive = maps.map_html(maps.naive_map(df))
    assert naive.count("L.marker(") == 10


def test_a_partial_view_opens_on_its_kelurahan():
    df = incidents(3)
    lv = levels(df)
    whole = maps.map_html(maps.build_map(lv, df))
    part = maps.map_html(maps.build_map(lv[lv["kode_kelurahan"].str.startswith("16.73.01")], df))

    def bounds(html: str) -> list:
        m = re.search(r"fitBounds\(\s*(\[\[.*?\]\])", html, re.S)
        return json.loads(m.group(1))

    (s1, w1), (n1, e1) = bounds(whole)
    (s2, w2), (n2, e2) = bounds(part)
    assert s1 < s2 < n2 < n1 and w1 < w2 < e2 < e1

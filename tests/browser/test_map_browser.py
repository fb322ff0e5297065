"""In Chromium with no internet: the home map draws the 72 kelurahan, escapes report text,
loads Leaflet from the app itself, and a click on a kelurahan opens its panel."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlparse

import pytest
from browser_helpers import ARTIFACTS, log_in, wait_for_text, wait_idle, wait_until

from kondusif import accounts, demo, registry, store
from kondusif.model import Incident, Role, Viewer
from kondusif.timeutil import WIB
from lubuklinggau_geo import gazetteer

pytestmark = pytest.mark.browser

USERNAME, PASSWORD = "uji-peta", "Rahasia-peta-27"
XSS = "<img src=x onerror=alert(1)>"
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


@pytest.fixture
def map_db(db_url) -> str:
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, 2000, 5)
    with store.write(engine) as conn:  # the newest report of the store: first in the map's layer
        store.insert_incidents(conn, [Incident(
            kode_kelurahan="16.73.01.1001", rt=2, category="intimidasi", severity="berat", title=XSS,
            occurred_at=datetime(2018, 7, 7, 23, 55, tzinfo=WIB), status="diverifikasi",
        )])
    accounts.create_account(engine, Viewer("uji", Role.ADMIN), USERNAME, Role.PEJABAT, PASSWORD, display_name="Pejabat Peta",
                            must_change=False)
    store.dispose_engines()
    return db_url


def test_map_draws_72_kelurahan_offline(app, page, map_db):
    running = app(map_db)
    app_host = urlparse(running.url).netloc
    remote_assets: list[str] = []
    dialogs: list[str] = []

    def on_request(request) -> None:
        host = urlparse(request.url).netloc
        if host and host != app_host and request.resource_type in ("script", "stylesheet"):
            remote_assets.append(request.url)

    page.on("request", on_request)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    page.goto(running.url)
    wait_for_text(page, "Masuk ke SiKondusif")
    page.get_by_label("Nama pengguna").fill(USERNAME)
    page.get_by_label("Kata sandi atau PIN").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    wait_for_text(page, "Peta kondusivitas Kota Lubuklinggau", timeout=60)

    page.wait_for_selector(MAP_FRAME, timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    kel = frame.locator("path.sk-kel")
    wait_until(lambda: kel.count() == 72, timeout=60, message="72 kelurahan polygons in the map")
    assert frame.locator("path.sk-kel[data-kode='16.73.01.1001']").count() == 1
    assert frame.locator(".sk-kec-label").count() == 8
    wait_until(lambda: frame.locator(".sk-cluster, .sk-inc").count() > 0, timeout=60, message="report clusters")
    assert frame.locator("path.sk-rt").count() == 522
    assert "Tingkat kondusivitas" in frame.locator(".sk-legend").inner_text()
    # Indonesian all the way: one scale bar in metres/kilometres (no miles), the layer switch named
    scale = frame.locator(".leaflet-control-scale-line").all_inner_texts()
    assert len(scale) == 1 and scale[0].strip().endswith(("km", "m")), scale
    assert frame.locator(".leaflet-control-layers-toggle").get_attribute("title") == "Lapisan peta"

    # Leaflet and the cluster plugin came from the app itself; nothing was asked of a CDN.
    handle = page.wait_for_selector(MAP_FRAME).content_frame()
    scripts = handle.evaluate("[...document.scripts].map(s => s.src).filter(Boolean)")
    assert any(s.endswith("/app/static/vendor/leaflet/leaflet.js") for s in scripts), scripts
    assert all(urlparse(s).netloc == app_host for s in scripts), scripts
    assert remote_assets == []

    # The report titled <img ...> is shown as text in its popup, never as an element.
    popup = handle.evaluate(
        """() => {
            const html = window.SiKondusif.popupHtml(0);
            const div = document.createElement('div');
            div.innerHTML = html;
            const rows = {};
            div.querySelectorAll('tr').forEach(tr => {
                const th = tr.querySelector('th'), td = tr.querySelector('td');
                if (th && td) rows[th.textContent] = td.textContent;
            });
            return {html, imgs: div.querySelectorAll('img').length, text: div.textContent, rows};
        }"""
    )
    assert "&lt;img src=x onerror=alert(1)&gt;" in popup["html"]
    assert popup["imgs"] == 0 and XSS in popup["text"]
    rows = popup["rows"]
    # Every row of the stored report, written by hand (it was stored at 07/07/2018 23:55 WIB).
    assert rows["Waktu"] == "07/07/2018 23:55 WIB"
    assert rows["Judul"] == XSS
    assert rows["Kelurahan"].startswith(gazetteer.kelurahan_name("16.73.01.1001") + " (Kec. ")
    assert (rows["RT"], rows["Kategori"], rows["Keparahan"], rows["Status"]) == (
        "02", "Intimidasi/ancaman", "Berat", "Diverifikasi")
    assert re.fullmatch(r"LLG-2018-\d{6}", rows["Laporan"])
    assert dialogs == []

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map_page.png"), full_page=True)

    # A click on a kelurahan opens its panel beside the map.
    shown = page.locator("h4").first.inner_text()
    target = next(k for k in gazetteer.kelurahan_codes() if gazetteer.kelurahan_name(k) not in shown)
    frame.locator(f"path.sk-kel[data-kode='{target}']").dispatch_event("click")
    page.get_by_role("heading", name=gazetteer.kelurahan_name(target)).wait_for(timeout=60_000)


@pytest.fixture
def big_map_db(db_url) -> str:
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, 7000, 8)
    accounts.create_account(engine, Viewer("uji", Role.ADMIN), USERNAME, Role.PEJABAT, PASSWORD,
                            display_name="Pejabat Peta", must_change=False)
    store.dispose_engines()
    return db_url


def test_a_large_map_paints_kelurahan_first_then_every_report(app, page, big_map_db):
    """Issue 14: above 5,000 reports the markers fill the cluster layer after the kelurahan are
    painted; all of them must still arrive, clustered, with their popups."""
    running = app(big_map_db)
    page.goto(running.url)
    wait_for_text(page, "Masuk ke SiKondusif")
    page.get_by_label("Nama pengguna").fill(USERNAME)
    page.get_by_label("Kata sandi atau PIN").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    wait_for_text(page, "Peta kondusivitas Kota Lubuklinggau", timeout=60)
    page.goto(f"{running.url}/?periode=kampanye")  # the whole campaign: every simulated report
    page.wait_for_selector(MAP_FRAME, timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    wait_until(lambda: frame.locator("path.sk-kel").count() == 72, timeout=90, message="72 kelurahan polygons")
    handle = page.wait_for_selector(MAP_FRAME).content_frame()
    total = handle.evaluate("window.SiKondusif.incidents")
    assert total > 5000
    wait_until(lambda: handle.evaluate("window.SiKondusif.reportLayer.getLayers().length") == total,
               timeout=90, message="every report in the cluster layer")
    wait_until(lambda: frame.locator(".sk-cluster").count() > 0, timeout=60, message="report clusters")
    assert "<table class='sk-popup'>" in handle.evaluate(f"window.SiKondusif.popupHtml({total - 1})")


LIVE_STATE = """() => ({
    applied: window.SiKondusifMap ? window.SiKondusifMap.applied : 0,
    same: window.__skSameMap === 1,
    fills: [...document.querySelectorAll('path.sk-kel')].map(p => p.getAttribute('data-kode') + p.getAttribute('fill')),
    box: (() => { const r = document.querySelector("path.sk-kel[data-kode='16.73.01.1001']").getBoundingClientRect();
                  return [r.x, r.y, r.width, r.height].map(Math.round); })(),
})"""


def test_the_map_stays_when_the_period_changes(app, page, map_db):
    """Issue 29.1: zoomed in, the official changes the period; the same map (no new iframe document)
    keeps its zoom and centre, shows the new levels, and applied the new data exactly once."""
    running = app(map_db)
    page.goto(running.url)
    log_in(page, USERNAME, PASSWORD)
    wait_for_text(page, "Peta kondusivitas Kota Lubuklinggau", timeout=60)
    page.wait_for_selector(MAP_FRAME, timeout=60_000)
    handle = page.wait_for_selector(MAP_FRAME).content_frame()
    wait_until(lambda: handle.evaluate("document.querySelectorAll('path.sk-kel').length") == 72, timeout=60,
               message="72 kelurahan polygons")
    wait_until(lambda: handle.evaluate(LIVE_STATE)["applied"] == 1, timeout=60, message="the first data applied")
    wait_idle(page, timeout=60)
    frame = page.frame_locator(MAP_FRAME)
    for _ in range(2):
        frame.locator(".leaflet-control-zoom-in").click()
    last: list = []

    def zoom_settled() -> bool:  # the zoom animation is over: the kelurahan stays where it is
        box = handle.evaluate(LIVE_STATE)["box"]
        steady = box == (last[-1] if last else None)
        last.append(box)
        return steady

    wait_until(zoom_settled, timeout=30, interval=0.5, message="zoom finished")
    handle.evaluate("() => { window.__skSameMap = 1; }")
    before = handle.evaluate(LIVE_STATE)
    assert before["box"][2] > 0

    page.get_by_role("combobox", name="Periode").click()
    page.get_by_role("option", name="Masa kampanye", exact=True).click()
    wait_for_text(page, "Laporan · Masa kampanye", timeout=60)
    wait_until(lambda: handle.evaluate(LIVE_STATE)["applied"] >= 2, timeout=60, message="the new data applied")
    wait_idle(page, timeout=60)
    after = handle.evaluate(LIVE_STATE)
    assert after["same"], "the map was rebuilt"
    assert after["box"] == before["box"], "zoom or centre moved"
    assert after["fills"] != before["fills"], "the levels did not change"
    assert after["applied"] == 2, "the new data was applied more than once"

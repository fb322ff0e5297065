"""Issue 24 in Chromium: the RT's «Lingkungan aman» at 360 px, and the map telling calm from silent.

Screenshots go to test-artifacts/ (checkin-rt-360.png, checkin-peta.png) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from browser_helpers import wait_for_text, wait_idle, wait_until

from kondusif import accounts, demo, demo_checkins, registry, store
from kondusif.model import SYSTEM, Role

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
RT_USER, RT_PIN = "rt-aman-03", "829163"
PANWASLU, PASSWORD = "uji-cakupan", "Rahasia-cakupan-24"
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


@pytest.fixture
def aman_db(db_url) -> str:
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, 2000, 5)
    demo_checkins.seed_checkins(engine, 5)
    accounts.create_account(engine, SYSTEM, RT_USER, Role.RT, RT_PIN, display_name="Pak Rahman",
                            kelurahan="16.73.01.1001", rt=3, must_change=False)
    accounts.create_account(engine, SYSTEM, PANWASLU, Role.PANWASLU, PASSWORD, display_name="Panwaslu Cakupan",
                            must_change=False)
    store.dispose_engines()
    return db_url


def sign_in(pg, url: str, username: str, password: str, path: str = "") -> None:
    pg.goto(f"{url}/{path}")
    wait_for_text(pg, "Masuk ke SiKondusif", timeout=60)
    pg.get_by_label("Nama pengguna").fill(username)
    pg.get_by_label("Kata sandi atau PIN").fill(password)
    pg.get_by_role("button", name="Masuk", exact=True).click()
    pg.get_by_role("button", name="Keluar").wait_for(state="attached", timeout=60_000)


def form_checkins(db_url: str) -> int:
    engine = store.get_engine(db_url)
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(store.checkins)
                                .where(store.checkins.c.channel == "form")).scalar())


def test_rt_taps_lingkungan_aman_on_a_360px_phone(app, browser, aman_db):
    running = app(aman_db)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        sign_in(pg, running.url, RT_USER, RT_PIN, "lapor")
        button = pg.get_by_role("button", name="Lingkungan aman")
        button.wait_for(state="visible")
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 44
        assert pg.get_by_text("Laporan aman terakhir:").count() == 1
        button.click()
        wait_for_text(pg, "Kirim laporan AMAN untuk RT 03 Kelurahan Air Kuti?")
        pg.get_by_role("button", name="Ya, lingkungan aman").click()
        wait_for_text(pg, "Laporan AMAN RT 03 Air Kuti pukul")
        wait_idle(pg, timeout=60)
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        assert form_checkins(aman_db) == 1
        assert pg.get_by_role("button", name="Kirim laporan").count() == 1  # the report form is still there
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "checkin-rt-360.png"), full_page=True)
    finally:
        context.close()


def test_voting_day_map_shows_calm_tense_and_silent(app, browser, aman_db):
    running = app(aman_db)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        sign_in(pg, running.url, PANWASLU, PASSWORD, "?per=2018-06-27&periode=24j")
        pg.wait_for_selector(MAP_FRAME, timeout=60_000)
        frame = pg.frame_locator(MAP_FRAME)
        wait_until(lambda: frame.locator("path.sk-kel").count() == 72, timeout=60, message="72 kelurahan")
        fills = frame.locator("path.sk-kel").evaluate_all("ps => ps.map(p => p.getAttribute('fill'))")
        assert "url(#sk-hatch)" in fills  # Tidak ada kabar, hatched
        assert "#1a9850" in fills and ("#f5a623" in fills or "#d73027" in fills)  # Kondusif; Waspada/Rawan
        assert frame.locator("#sk-hatch").count() == 1
        assert "Tidak ada kabar" in frame.locator(".sk-legend").inner_text()
        wait_for_text(pg, "Putaran 3 (18.00 WIB)")  # the round panel: the silent list one click away
        pg.get_by_text("Daftar RT senyap").first.click()
        wait_idle(pg, timeout=60)
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "checkin-peta.png"), full_page=False)
    finally:
        context.close()

"""Issue 30.5 in Chromium: words a newcomer trips on.

- The kecamatan chip of the filter was cut ("Lubuk Linggau Tim…"), hiding I or II: every chip shows
  its whole name at 1366, 360 and 1920 px.
- The map page had two pickers both called "Kelurahan" (the sidebar's filter and the panel's); the
  panel's says «Rincian kelurahan», and the panel says both of its windows in words (the level's
  14 days, the period's counts).

Screenshots go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import pytest
from browser_helpers import ARTIFACTS, wait_for_text, wait_idle, wait_until
from journey_data import PANWASLU_PASSWORD, PANWASLU_USER, seed_store

from kondusif import store

pytestmark = pytest.mark.browser

SIZES = {"1366": {"width": 1366, "height": 900}, "360": {"width": 360, "height": 740},
         "1920": {"width": 1920, "height": 1080}}
KECAMATAN = ("Lubuk Linggau Timur II", "Lubuk Linggau Selatan II")


def chips(pg) -> list[dict]:
    """Each chip of the sidebar's multi-selects: its text and whether any part of it is cut."""
    return pg.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stSidebar"] [data-tag]')].map(t => ({
             text: t.innerText.trim(),
             cut: [t, ...t.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1
                    && getComputedStyle(e).overflow !== 'visible')}))""")


@pytest.mark.parametrize("size", list(SIZES))
def test_kecamatan_chips_show_the_whole_name_and_the_map_names_its_pickers(app, browser, db_url, size):
    seed_store(db_url)
    store.dispose_engines()
    running = app(db_url)
    context = browser.new_context(viewport=SIZES[size], locale="id-ID", timezone_id="Asia/Jakarta")
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        pg.goto(running.url)
        wait_for_text(pg, "Masuk ke SiKondusif", timeout=60)
        pg.get_by_label("Nama pengguna").fill(PANWASLU_USER)
        pg.get_by_label("Kata sandi atau PIN").fill(PANWASLU_PASSWORD)
        pg.get_by_role("button", name="Masuk", exact=True).click()
        pg.get_by_role("button", name="Keluar").wait_for(state="attached")
        wait_for_text(pg, "Peta kondusivitas Kota Lubuklinggau", timeout=60)
        wait_idle(pg, timeout=60)
        if size == "360":
            pg.get_by_test_id("stExpandSidebarButton").click()
        sidebar = pg.get_by_test_id("stSidebar")
        box = sidebar.get_by_role("combobox", name="Kecamatan")
        for name in KECAMATAN:
            box.click()
            box.press_sequentially(name)
            pg.get_by_role("option", name=name, exact=True).first.click()
            box.press("Escape")
            wait_idle(pg, timeout=60)
        wait_until(lambda: len(chips(pg)) == len(KECAMATAN), timeout=30, message=f"two chips: {chips(pg)}")
        found = chips(pg)
        assert [c["text"] for c in found] == list(KECAMATAN), found
        assert not [c for c in found if c["cut"]], found
        ARTIFACTS.mkdir(exist_ok=True)
        sidebar.get_by_text("Kecamatan", exact=True).scroll_into_view_if_needed()
        pg.screenshot(path=str(ARTIFACTS / f"desk-kecamatan-chip-{size}.png"))
        if size == "360":
            pg.keyboard.press("Escape")
            return
        main = pg.get_by_test_id("stMain")
        assert main.get_by_role("combobox", name="Rincian kelurahan").count() == 1
        assert main.get_by_role("combobox", name="Kelurahan", exact=True).count() == 0
        wait_for_text(pg, "Tingkat menimbang laporan 14 hari terakhir", timeout=60)
        wait_for_text(pg, "Angka kategori dan laporan terbaru: periode «7 hari terakhir»", timeout=60)
        pg.get_by_text("Tingkat menimbang laporan 14 hari terakhir").first.scroll_into_view_if_needed()
        pg.screenshot(path=str(ARTIFACTS / f"desk-peta-panel-{size}.png"))
    finally:
        context.close()

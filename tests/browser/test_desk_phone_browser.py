"""Issue 30.7 in Chromium: the desk at 360 px.

- The Insiden table showed only the number and a cut time on a phone. At 360 px the page shows one
  wrapped cell per report (number, short WIB time, kelurahan/RT, category · severity · status), and
  a ticked row still opens the report; at 1366 and 1920 px the full table as before.
- «Keluar» hid behind the sidebar's unlabelled icon: at 360 px a labelled «Keluar» is on the page
  itself and signs out; at every width exactly one «Keluar» is on screen.

Screenshots at 1366, 360 and 1920 px go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import pytest
from browser_helpers import ARTIFACTS, wait_for_text, wait_idle, wait_until
from journey_data import PANWASLU_PASSWORD, PANWASLU_USER, file_as_rt, seed_store

from kondusif import store

pytestmark = pytest.mark.browser

SIZES = {"360": {"width": 360, "height": 740}, "1366": {"width": 1366, "height": 900},
         "1920": {"width": 1920, "height": 1080}}


def visible_grids(pg) -> list[dict]:
    """Each table on screen: its width and which of the two it is (Glide draws cells on a canvas;
    what the phone's cell says is checked in tests/workbench/test_workbench_page.py)."""
    return pg.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].filter(e => e.checkVisibility())
             .map(e => ({width: e.getBoundingClientRect().width,
                         table: e.closest('.st-key-sk_wb_table_narrow') ? 'narrow'
                              : e.closest('.st-key-sk_wb_table_wide') ? 'wide' : 'other'}))""")


def logout_buttons_on_screen(pg) -> list[dict]:
    return pg.evaluate(
        """() => [...document.querySelectorAll('button')].filter(b => b.innerText.trim() === 'Keluar')
             .filter(b => b.checkVisibility()).map(b => b.getBoundingClientRect())
             .filter(r => r.width > 0 && r.right <= window.innerWidth + 1 && r.left >= 0)
             .map(r => ({x: r.x, y: r.y, w: r.width}))""")


@pytest.mark.parametrize("size", list(SIZES))
def test_desk_fits_a_phone_and_signs_out_in_words(app, browser, db_url, size):
    seed_store(db_url)
    store.dispose_engines()
    report_no = file_as_rt(db_url)
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
        pg.goto(f"{running.url}/insiden")
        wait_for_text(pg, "Ekspor tampilan ini", timeout=60)
        wait_idle(pg, timeout=60)
        wait_until(lambda: len(visible_grids(pg)) == 1, timeout=30, message=f"one table: {visible_grids(pg)}")
        (grid_info,) = visible_grids(pg)  # one table per width, never both
        assert grid_info["table"] == ("narrow" if size == "360" else "wide"), grid_info
        assert grid_info["width"] <= SIZES[size]["width"]
        buttons = logout_buttons_on_screen(pg)
        assert len(buttons) == 1, buttons  # in words, on screen, once
        if size == "360":
            assert buttons[0]["y"] < 60  # in the top bar beside «Menu», not behind the sidebar's icon
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"desk-insiden-atas-{size}.png"))
        pg.locator('[data-testid="stDataFrame"]:visible').first.scroll_into_view_if_needed()
        pg.screenshot(path=str(ARTIFACTS / f"desk-insiden-tabel-{size}.png"))
        if size == "360":
            # ticking a row of the phone's table opens that report, as on a wide screen
            grid = pg.locator('[data-testid="stDataFrame"]:visible').first
            grid.scroll_into_view_if_needed()
            box = grid.bounding_box()
            pg.mouse.click(box["x"] + 18, box["y"] + 35 + 39)  # the first row's tick box (rows are 78 px high)
            wait_idle(pg, timeout=60)
            wait_for_text(pg, f"{report_no} · Baru", timeout=60)  # the newest report comes first
            pg.screenshot(path=str(ARTIFACTS / "desk-insiden-buka-360.png"))
            pg.get_by_role("button", name="Keluar").click()
            wait_for_text(pg, "Masuk ke SiKondusif", timeout=60)
    finally:
        context.close()

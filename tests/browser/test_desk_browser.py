"""Issue 30 in Chromium (the Panwaslu desk): what only a browser shows.

- 6: after a number is saved, the RT account picker shows it (the browser kept the old label).
- 9: no English left where Streamlit writes it: the page says `<html lang="id">`, the
  table toolbar ("Download as CSV", "Search", "Fullscreen") is hidden where the app has
  its own export, no "Choose an option" and no "Help for …" label.

Screenshots at 1366, 360 and 1920 px go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import pytest
from browser_helpers import ARTIFACTS, wait_for_text, wait_idle, wait_until
from journey_data import PANWASLU_PASSWORD, PANWASLU_USER, seed_store

from kondusif import accounts, registry, store
from kondusif.model import SYSTEM, Role, rt_username

pytestmark = pytest.mark.browser

SIZES = {"1366": {"width": 1366, "height": 900}, "360": {"width": 360, "height": 740},
         "1920": {"width": 1920, "height": 1080}}
ENGLISH = ("Download as CSV", "Show/hide columns", "Search", "Fullscreen", "Choose an option", "Choose options",
           "Help for")


def sign_in(pg, url: str) -> None:
    pg.goto(url)
    wait_for_text(pg, "Masuk ke SiKondusif", timeout=60)
    pg.get_by_label("Nama pengguna").fill(PANWASLU_USER)
    pg.get_by_label("Kata sandi atau PIN").fill(PANWASLU_PASSWORD)
    pg.get_by_role("button", name="Masuk", exact=True).click()
    pg.get_by_role("button", name="Keluar").wait_for(state="attached", timeout=60_000)


def english_on_screen(pg) -> list[str]:
    """Every English word of ENGLISH in the page's text or in an attribute a person or screen reader meets."""
    return pg.evaluate(
        """(words) => {
             const found = [];
             const text = document.body.innerText;
             const attrs = [...document.querySelectorAll('[aria-label],[placeholder],[title]')].filter(e => e.checkVisibility())
               .map(e => [e.getAttribute('aria-label'), e.getAttribute('placeholder'), e.getAttribute('title')])
               .flat().filter(Boolean).join('\\n');
             for (const w of words) { if (text.includes(w) || attrs.includes(w)) found.push(w); }
             const bars = [...document.querySelectorAll('[data-testid="stElementToolbar"]')]
               .filter(b => b.closest('[data-testid="stElementContainer"]')?.querySelector('[data-testid="stDataFrame"]'))
               .filter(b => getComputedStyle(b).display !== 'none');
             if (bars.length) found.push('table toolbar shown');
             return found;
           }""", list(ENGLISH))


@pytest.mark.parametrize("size", list(SIZES))
def test_desk_speaks_indonesian(app, browser, db_url, size):
    seed_store(db_url)
    store.dispose_engines()
    running = app(db_url)
    context = browser.new_context(viewport=SIZES[size], locale="id-ID", timezone_id="Asia/Jakarta")
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        sign_in(pg, running.url)
        for path, ready in (("insiden", "Ekspor tampilan ini"), ("peta", "Peta kondusivitas")):
            pg.goto(f"{running.url}/{path}")
            wait_for_text(pg, ready, timeout=60)
            wait_idle(pg, timeout=60)
            grid = pg.locator('[data-testid="stDataFrame"]:visible').first
            if grid.count():
                grid.scroll_into_view_if_needed()
                grid.hover()  # the toolbar shows on hover
            wait_until(lambda: pg.evaluate("() => document.documentElement.lang") == "id", timeout=15,
                       message='<html lang="id">')
            wait_until(lambda: not english_on_screen(pg), timeout=15,
                       message=f"no English on /{path}: {english_on_screen(pg)}")
            ARTIFACTS.mkdir(exist_ok=True)
            pg.screenshot(path=str(ARTIFACTS / f"desk-{path}-{size}.png"), full_page=True)
    finally:
        context.close()


def test_account_picker_shows_the_number_just_saved(app, browser, db_url):
    """Issue 30.6: the browser kept the picker's old label ("belum ada nomor") after a save."""
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, SYSTEM, "uji-admin", Role.ADMIN, "Rahasia-admin-2018", display_name="Admin",
                            must_change=False)
    name = rt_username("16.73.01.1001", 3)
    accounts.create_account(engine, SYSTEM, name, Role.RT, "482915", display_name="Pak Rahman",
                            kelurahan="16.73.01.1001", rt=3, must_change=False)
    store.dispose_engines()
    running = app(db_url)
    context = browser.new_context(viewport=SIZES["1366"], locale="id-ID", timezone_id="Asia/Jakarta")
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        pg.goto(running.url)
        wait_for_text(pg, "Masuk ke SiKondusif", timeout=60)
        pg.get_by_label("Nama pengguna").fill("uji-admin")
        pg.get_by_label("Kata sandi atau PIN").fill("Rahasia-admin-2018")
        pg.get_by_role("button", name="Masuk", exact=True).click()
        pg.get_by_role("button", name="Keluar").wait_for(state="attached")
        pg.goto(f"{running.url}/gerbang_sms")
        wait_for_text(pg, "Akun Ketua RT", timeout=60)
        wait_idle(pg, timeout=60)
        box = pg.locator('[data-testid="stSelectbox"]').filter(has_text="Akun Ketua RT").locator("input")
        assert box.input_value().endswith("belum ada nomor")
        pg.get_by_role("textbox", name="Nomor HP untuk SMS").fill("0812-3456-7801")
        pg.get_by_role("button", name="Simpan nomor").click()
        wait_for_text(pg, f"Nomor +6281234567801 terdaftar untuk {name}", timeout=60)
        wait_idle(pg, timeout=60)
        wait_until(lambda: box.input_value().endswith("+6281234567801"), timeout=15,
                   message=f"picker shows the new number, not {box.input_value()!r}")
        assert name in box.input_value()
        pg.screenshot(path=str(ARTIFACTS / "desk-gerbang-sms-1366.png"), full_page=True)
    finally:
        context.close()

"""Issue 26 in Chromium at 360 px: the light RT page /rt/ — sign in, file, check in, file offline,
come back and see the number; the service worker opens the page without network.

Screenshots of each state go to test-artifacts/rt-*.png for a person to look at.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from browser_helpers import ARTIFACTS, wait_for_text, wait_until

from kondusif import accounts, registry, store
from kondusif.model import SYSTEM, Role

pytestmark = pytest.mark.browser

RT_USER, RT_PIN = "rt-ringan-03", "829163"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "locale": "id-ID",
         "timezone_id": "Asia/Jakarta"}


@pytest.fixture
def rt_db(db_url) -> str:
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, SYSTEM, RT_USER, Role.RT, RT_PIN, display_name="Pak Rahman",
                            kelurahan="16.73.01.1001", rt=3, must_change=False)
    store.dispose_engines()
    return db_url


def rows(db_url: str) -> tuple[list[str], int]:
    engine = store.get_engine(db_url)
    with engine.connect() as conn:
        numbers = [r[0] for r in conn.execute(sa.select(store.incidents.c.report_no))]
        aman = conn.execute(sa.select(sa.func.count()).select_from(store.checkins)).scalar()
    return numbers, int(aman or 0)


def shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"rt-{name}.png"), full_page=True)


def fill_report(pg, title: str) -> None:
    pg.get_by_label("Kategori").select_option("politik_uang")
    pg.get_by_label("Sedang").check()
    pg.get_by_label("Judul singkat").fill(title)
    pg.get_by_label("Judul singkat").press("Enter")  # must not send the report
    pg.get_by_label("Uraian").fill("Dua orang membagikan amplop di pos ronda.")


def test_rt_page_files_checks_in_and_sends_an_offline_report_when_back(app, browser, rt_db):
    running = app(rt_db)
    context = browser.new_context(**PHONE)
    pg = context.new_page()
    violations: list[str] = []
    pg.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        pg.goto(running.url + "/rt/")
        pg.get_by_label("Nama pengguna").wait_for(timeout=30_000)
        shot(pg, "masuk")
        pg.get_by_label("Nama pengguna").fill(RT_USER)
        pg.get_by_label("PIN", exact=True).fill(RT_PIN)
        pg.get_by_role("button", name="Masuk", exact=True).click()
        wait_for_text(pg, "RT 03 Kelurahan Air Kuti", timeout=30)
        assert rows(rt_db) == ([], 0)

        fill_report(pg, "Amplop pertama")
        assert rows(rt_db)[0] == []  # Enter in the title sent nothing
        pg.get_by_role("button", name="Kirim laporan").click()
        wait_for_text(pg, "Nomor laporan Anda:", timeout=30)
        (first,) = rows(rt_db)[0]
        assert first in pg.locator("#hasil").inner_text()
        wait_until(lambda: first in pg.locator("#laporan-saya").inner_text(), timeout=10, message="Laporan saya")
        shot(pg, "terkirim")

        pg.get_by_role("button", name="Lingkungan aman").click()
        pg.get_by_role("button", name="Ya, lingkungan aman").click()
        wait_for_text(pg, "Laporan AMAN RT 03 Air Kuti pukul", timeout=30)
        assert rows(rt_db)[1] == 1
        shot(pg, "aman")

        # the service worker controls the page before the signal goes
        wait_until(lambda: pg.evaluate("() => !!navigator.serviceWorker.controller") or
                   pg.reload() is None and False, timeout=30, message="service worker in control")
        context.set_offline(True)
        wait_for_text(pg, "RT 03 Kelurahan Air Kuti", timeout=30)
        fill_report(pg, "Amplop saat tanpa sinyal")
        pg.get_by_role("button", name="Kirim laporan").click()
        wait_for_text(pg, "menunggu sinyal — akan dikirim otomatis", timeout=15)
        assert len(rows(rt_db)[0]) == 1
        shot(pg, "menunggu-sinyal")

        # reload without network: the page comes from the service worker's cache
        pg.reload()
        wait_for_text(pg, "RT 03 Kelurahan Air Kuti", timeout=30)
        assert pg.get_by_role("button", name="Kirim laporan").count() == 1
        shot(pg, "offline-dimuat-ulang")

        context.set_offline(False)
        wait_until(lambda: len(rows(rt_db)[0]) == 2, timeout=10, message="offline report stored after reconnect")
        second = next(n for n in rows(rt_db)[0] if n != first)
        wait_for_text(pg, second, timeout=15)
        assert re.search(r"LLG-", pg.locator("#hasil").inner_text() + pg.locator("#laporan-saya").inner_text())
        shot(pg, "terkirim-setelah-sinyal")
        pg.wait_for_timeout(6000)  # the outbox is polled every 5 s: nothing is sent twice
        assert len(rows(rt_db)[0]) == 2
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= 360
        assert violations == []
    finally:
        context.close()


def test_rt_page_map_pins_a_tap_and_warns_outside_the_kelurahan(app, browser, rt_db):
    running = app(rt_db)
    context = browser.new_context(**PHONE)
    pg = context.new_page()
    try:
        pg.goto(running.url + "/rt/")
        pg.get_by_label("Nama pengguna").fill(RT_USER)
        pg.get_by_label("PIN", exact=True).fill(RT_PIN)
        pg.get_by_role("button", name="Masuk", exact=True).click()
        wait_for_text(pg, "RT 03 Kelurahan Air Kuti", timeout=30)
        pg.get_by_role("button", name="Tandai di peta").click()
        pg.locator("#peta path.leaflet-interactive").first.wait_for(timeout=30_000)  # the kelurahan outline
        box = pg.locator("#peta").bounding_box()
        assert box is not None and box["width"] <= 360
        # a corner of the outline's bounding box lies outside Air Kuti
        pg.locator("#peta").click(position={"x": 12, "y": box["height"] - 12})  # not the zoom buttons
        wait_for_text(pg, "Titik: ", timeout=10)
        assert pg.locator("#peta path.leaflet-interactive").count() == 2  # outline + the pin
        pg.locator("#titik-peringatan").wait_for(state="visible", timeout=10_000)
        assert "Lokasi di luar kelurahan Anda" in pg.locator("#titik-peringatan").inner_text()
        shot(pg, "peta-di-luar")
    finally:
        context.close()


def test_rt_page_scales_a_big_photo_on_the_phone_before_upload(app, browser, rt_db, tmp_path):
    import os

    from PIL import Image

    big = tmp_path / "foto-besar.png"
    Image.frombytes("RGB", (2000, 1500), os.urandom(2000 * 1500 * 3)).save(big)  # noise: the worst case
    assert big.stat().st_size > 5_000_000
    running = app(rt_db)
    context = browser.new_context(**PHONE)
    pg = context.new_page()
    sent: list[int] = []
    pg.on("request", lambda r: sent.append(len(r.post_data_buffer or b"")) if r.url.endswith("/rt/api/lapor") else None)
    try:
        pg.goto(running.url + "/rt/")
        pg.get_by_label("Nama pengguna").fill(RT_USER)
        pg.get_by_label("PIN", exact=True).fill(RT_PIN)
        pg.get_by_role("button", name="Masuk", exact=True).click()
        wait_for_text(pg, "RT 03 Kelurahan Air Kuti", timeout=30)
        fill_report(pg, "Amplop dengan foto")
        pg.locator("#foto").set_input_files(str(big))
        pg.get_by_role("button", name="Kirim laporan").click()
        wait_for_text(pg, "Nomor laporan Anda:", timeout=60)
        assert len(sent) == 1 and sent[0] <= 300 * 1024 + 4096, sent  # photo <= 300 KB plus the text fields
        engine = store.get_engine(rt_db)
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(store.attachments)).scalar() == 1
    finally:
        context.close()


def test_rt_page_keeps_an_offline_check_in_and_stores_it_once_when_back(app, browser, rt_db):
    running = app(rt_db)
    context = browser.new_context(**PHONE)
    pg = context.new_page()
    try:
        pg.goto(running.url + "/rt/")
        pg.get_by_label("Nama pengguna").fill(RT_USER)
        pg.get_by_label("PIN", exact=True).fill(RT_PIN)
        pg.get_by_role("button", name="Masuk", exact=True).click()
        wait_for_text(pg, "RT 03 Kelurahan Air Kuti", timeout=30)
        wait_until(lambda: pg.evaluate("() => !!navigator.serviceWorker.controller") or
                   pg.reload() is None and False, timeout=30, message="service worker in control")
        wait_for_text(pg, "RT 03 Kelurahan Air Kuti", timeout=30)
        assert rows(rt_db) == ([], 0)

        context.set_offline(True)
        pg.get_by_role("button", name="Lingkungan aman").click()
        pg.get_by_role("button", name="Ya, lingkungan aman").click()
        wait_for_text(pg, "menunggu sinyal — akan dikirim otomatis", timeout=15)
        assert rows(rt_db) == ([], 0)  # nothing reached the server yet
        shot(pg, "aman-menunggu-sinyal")

        context.set_offline(False)
        wait_until(lambda: rows(rt_db)[1] == 1, timeout=15, message="offline check-in stored after reconnect")
        wait_for_text(pg, "Laporan AMAN RT 03 Air Kuti pukul", timeout=15)
        pg.wait_for_timeout(6000)  # the outbox is polled every 5 s: the check-in is not sent twice
        assert rows(rt_db) == ([], 1)
        assert pg.evaluate("""() => new Promise((ok, fail) => {
            const open = indexedDB.open("sikondusif-rt");
            open.onerror = fail;
            open.onsuccess = () => {
              const count = open.result.transaction("kiriman").objectStore("kiriman").count();
              count.onsuccess = () => ok(count.result);
            };
        })""") == 0  # the phone's outbox is empty
        shot(pg, "aman-terkirim-setelah-sinyal")
    finally:
        context.close()

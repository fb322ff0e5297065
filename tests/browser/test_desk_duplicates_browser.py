"""Issue 30.4 in Chromium: one way to mark a duplicate.

Panwaslu open a report whose twin (same RT, same category, an hour earlier) has a hostile title.
«Tandai duplikat» offers a picker with the twin first, labelled with number, WIB time, place,
category and first words, the title shown as typed (no element made of it); the tick names the
ORIGINAL; the saved message names both numbers. The old second way ("Gabungkan") is not there.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from browser_helpers import ARTIFACTS, page_in, wait_for_text, wait_idle, wait_until
from journey_data import KEL, PANWASLU_PASSWORD, PANWASLU_USER, RT_NO, file_as_rt, incident, seed_store

from kondusif import store
from kondusif.model import Incident, new_id
from kondusif.timeutil import now

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=window.__xss=1> **tebal**"
SIZES = {"1366": {"width": 1366, "height": 900}, "360": {"width": 360, "height": 740}}


@pytest.fixture(params=list(SIZES))
def screen(browser, request, app):
    context = browser.new_context(viewport=SIZES[request.param], locale="id-ID", timezone_id="Asia/Jakarta")
    for pg in page_in(context, request):
        pg.size_name = request.param
        yield pg


def test_mark_duplicate_one_way_with_the_twin_offered(app, screen, db_url):
    page = screen
    seed_store(db_url)
    engine = store.get_engine(db_url)
    with store.write(engine) as conn:
        (twin,) = store.insert_incidents(conn, [Incident(
            kode_kelurahan=KEL, rt=RT_NO, category="politik_uang", severity="sedang", title=HOSTILE,
            occurred_at=now() - timedelta(hours=1), source="form", source_ref=f"uji:{new_id()}", created_by="uji")],
            actor="uji")
    store.dispose_engines()
    report_no = file_as_rt(db_url)
    running = app(db_url)
    page.goto(running.url)
    wait_for_text(page, "Masuk ke SiKondusif", timeout=60)
    page.get_by_label("Nama pengguna").fill(PANWASLU_USER)
    page.get_by_label("Kata sandi atau PIN").fill(PANWASLU_PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.get_by_role("button", name="Keluar").first.wait_for(state="attached", timeout=60_000)
    page.goto(f"{running.url}/insiden?laporan={report_no}")
    wait_for_text(page, f"{report_no} · Baru", timeout=60)
    wait_idle(page)
    assert page.get_by_role("button", name="Gabungkan").count() == 0  # the second way is gone

    page.locator('[data-testid="stRadio"]').get_by_text("Tandai duplikat", exact=True).click()
    box = page.get_by_role("combobox", name="Laporan asli (yang dipertahankan)")
    box.wait_for(timeout=30_000)
    wait_idle(page)
    box.click()
    first = page.get_by_role("option").first
    first.wait_for(timeout=30_000)
    label = first.inner_text()
    assert label.startswith(f"kembar? · {twin['report_no']} · "), label
    assert "Air Kuti RT 03 · Politik uang · " in label and label.endswith(HOSTILE), label
    assert page.locator('[role="listbox"] img, [role="option"] img, [role="option"] strong').count() == 0
    assert page.evaluate("() => window.__xss") is None
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-duplikat-pilih-{page.size_name}.png"), full_page=True)
    first.click()
    wait_idle(page)

    tick = page.get_by_text(f"Ya, laporan ini ({report_no}) duplikat dari {twin['report_no']}", exact=True)
    tick.wait_for(timeout=30_000)
    page.get_by_label("Alasan / catatan", exact=False).first.fill("Kejadian yang sama, dua pelapor")
    tick.click()
    wait_idle(page)
    page.get_by_role("button", name="Simpan: Tandai duplikat").click()
    wait_for_text(page, f"laporan {report_no} kini duplikat dari {twin['report_no']}", timeout=60)
    wait_until(lambda: incident(db_url, report_no)["status"] == "duplikat", timeout=15, message="saved")
    assert incident(db_url, report_no)["duplicate_of"] == twin["id"]
    assert incident(db_url, twin["report_no"])["status"] == "baru"
    page.screenshot(path=str(ARTIFACTS / f"desk-duplikat-tersimpan-{page.size_name}.png"), full_page=True)

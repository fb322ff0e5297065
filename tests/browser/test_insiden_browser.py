"""In Chromium, desktop and phone: a second click on "Simpan: Verifikasi" changes nothing.

Panwaslu opens a Baru report by its link (/insiden?laporan=...), writes a note and
saves "Verifikasi" with a double click, then clicks the same spot once more. The report
stays Diverifikasi (one audit row), and the page offers nothing armed: no action
picked, an empty note, a disabled save button. A reload right after shows the same.
Rejecting asks for a tick box naming the report number.
"""

from __future__ import annotations

import re

import pytest
from browser_helpers import ARTIFACTS, page_in, wait_for_text, wait_idle, wait_until
from journey_data import PANWASLU_PASSWORD, PANWASLU_USER, file_as_rt, incident, seed_store

from kondusif import store

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 360, "height": 740}}


@pytest.fixture(params=list(SIZES))
def screen(browser, request, app):
    context = browser.new_context(viewport=SIZES[request.param], locale="id-ID", timezone_id="Asia/Jakarta",
                                  is_mobile=request.param == "phone", has_touch=request.param == "phone")
    for pg in page_in(context, request):
        pg.size_name = request.param
        yield pg


def log_in(page, username: str, password: str) -> None:
    wait_for_text(page, "Masuk ke SiKondusif", timeout=60)
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi atau PIN").fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.get_by_role("button", name="Keluar").wait_for(state="attached", timeout=60_000)


def pick(page, label: str, option: str) -> None:
    """Choose `option` in the select box `label`, opening it again if a rerun closed it."""
    box = page.get_by_role("combobox", name=label)
    item = page.get_by_role("option", name=option, exact=True)

    def opened() -> bool:
        if item.count() == 0:
            box.click()
        return item.count() > 0

    wait_until(opened, timeout=30, interval=0.5, message=f"option {option} of {label}")
    item.click()


def action_area_state(page) -> dict:
    """The radio choice, the note and the save button of the action area as the browser has them."""
    main = page.locator('[data-testid="stMain"]')
    radios = main.locator('[data-testid="stRadio"]').first
    checked = radios.locator("input[type=radio]:checked").count()
    note = main.get_by_label("Alasan / catatan", exact=False).first
    save = main.locator('[data-testid="stFormSubmitButton"] button').first
    return {"checked": checked, "note": note.input_value(), "note_disabled": note.is_disabled(),
            "save": save.inner_text().strip(), "save_disabled": save.is_disabled()}


def test_second_click_on_verify_changes_nothing(app, screen, db_url):
    page = screen
    seed_store(db_url)
    store.dispose_engines()
    report_no = file_as_rt(db_url)
    running = app(db_url)
    page.goto(running.url)
    log_in(page, PANWASLU_USER, PANWASLU_PASSWORD)
    page.goto(f"{running.url}/insiden?laporan={report_no}")
    wait_for_text(page, f"{report_no} · Baru", timeout=60)
    wait_idle(page)
    assert action_area_state(page)["checked"] == 0  # nothing pre-selected on opening

    page.locator('[data-testid="stRadio"]').get_by_text("Verifikasi", exact=True).click()
    save = page.get_by_role("button", name="Simpan: Verifikasi")
    save.wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_label("Alasan / catatan", exact=False).first.fill("Dicek langsung oleh PPL")
    save.scroll_into_view_if_needed()
    box = save.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.dblclick(x, y)  # "did it save?": a double click
    wait_for_text(page, f"{report_no} · Diverifikasi", timeout=60)
    wait_idle(page)
    page.mouse.click(x, y)  # and once more on the same spot
    wait_idle(page)

    row = incident(db_url, report_no)
    assert (row["status"], row["version"]) == ("diverifikasi", 2)
    audit = store.audit_for(store.get_engine(db_url), "incident", row["id"])
    assert audit["action"].tolist() == ["create", "verify"]
    wait_until(lambda: action_area_state(page)["save_disabled"], timeout=30, message="save disabled")
    state = action_area_state(page)
    assert state == {"checked": 0, "note": "", "note_disabled": True, "save": "Simpan", "save_disabled": True}
    assert page.get_by_text("sudah diubah", exact=False).count() == 0  # no conflict shown for one's own click
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"insiden_after_verify_{page.size_name}.png"), full_page=True)

    # A reload right after the action: same report, same safe defaults.
    page.reload()
    wait_for_text(page, f"{report_no} · Diverifikasi", timeout=60)
    wait_idle(page)
    state = action_area_state(page)
    assert (state["checked"], state["note"], state["save_disabled"]) == (0, "", True)

    # Rejecting needs the tick box naming the report.
    page.locator('[data-testid="stRadio"]').get_by_text("Tolak", exact=True).click()
    confirm = page.get_by_text(f"Ya, tolak laporan {report_no}", exact=True)
    confirm.wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_label("Alasan / catatan", exact=False).first.fill("Iklan")
    page.get_by_role("button", name="Simpan: Tolak").click()
    wait_for_text(page, "Belum dikonfirmasi", timeout=60)
    assert incident(db_url, report_no)["status"] == "diverifikasi"


def test_bulk_reject_asks_for_a_confirmation_naming_the_reports(app, page, db_url):
    seed_store(db_url)
    store.dispose_engines()
    running = app(db_url)
    page.goto(running.url)
    log_in(page, PANWASLU_USER, PANWASLU_PASSWORD)
    page.goto(f"{running.url}/insiden")
    wait_for_text(page, "Insiden: meja kerja Panwaslu", timeout=60)
    wait_idle(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    for row in (0, 1):  # the row-selection boxes of the first two rows
        page.mouse.click(box["x"] + 18, box["y"] + 35 + row * 35 + 17)
        wait_idle(page)
    wait_for_text(page, "Aksi massal untuk 2 laporan terpilih", timeout=60)
    wait_idle(page)
    pick(page, "Tindakan", "Tolak")
    wait_idle(page)
    page.get_by_label("Alasan / catatan (sama untuk semua)").fill("Bukan kejadian pemilu")
    page.get_by_role("button", name="Tolak: 2 laporan").click()
    message = wait_for_text(page, "Belum dikonfirmasi", timeout=60).inner_text()
    numbers = re.findall(r"LLG-\d{4}-\d{6}", message)
    assert len(numbers) == 2 and "Ya, tolak 2 laporan" in message
    assert all(incident(db_url, n)["status"] != "ditolak" for n in numbers)  # nothing saved yet
    page.get_by_text(f"Ya, tolak 2 laporan {numbers[0]}, {numbers[1]}", exact=True).click()
    wait_idle(page)
    page.get_by_role("button", name="Tolak: 2 laporan").click()
    wait_for_text(page, "Tolak: 2 laporan tersimpan", timeout=60)
    assert [incident(db_url, n)["status"] for n in numbers] == ["ditolak", "ditolak"]
    # Afterwards the selection and the bulk form are gone: nothing is left armed.
    wait_until(lambda: page.get_by_text("Aksi massal untuk").count() == 0, timeout=60,
               message="the bulk form gone after the save")

"""Issue 29.2 in Chromium: the desk's report panel is a fragment; it must still open the report asked for
and apply an action once.

Two Baru reports filed through the form's code path. The Panwaslu picks the first, then the second in
"Buka laporan" (a fragment run each): the heading names the report picked each time. "Verifikasi" saved
with a double click verifies the second report once (one audit row), and the first stays Baru.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from browser_helpers import log_in, wait_for_text, wait_idle, wait_until
from journey_data import PANWASLU_PASSWORD, PANWASLU_USER, file_as_rt, incident, seed_store

from kondusif import store
from kondusif.timeutil import now

pytestmark = pytest.mark.browser


def pick_report(page, report_no: str) -> None:
    """Type the number into the picker's search (opening it again if a rerun closed it) and take it."""
    box = page.get_by_role("combobox", name="Buka laporan")
    option = page.get_by_role("option", name=report_no, exact=True)

    def offered() -> bool:
        if option.count() == 0:
            box.click()
            box.fill(report_no)
        return option.count() > 0

    wait_until(offered, timeout=30, interval=0.5, message=f"{report_no} offered by the picker")
    if option.get_attribute("data-focused") == "true":
        # the typed number leaves it first and focused: Enter takes it, as a person typing would (a click can
        # miss when the list opens partly below the window on a slow run)
        box.press("Enter")
    else:
        option.click()


def desk_with_two_reports(app, page, db_url):
    """Two RT reports filed, the app running, the Panwaslu liaison signed in on the desk."""
    seed_store(db_url)
    first = file_as_rt(db_url, now() - timedelta(hours=2))
    second = file_as_rt(db_url, now() - timedelta(hours=1))
    store.dispose_engines()
    running = app(db_url)
    page.goto(running.url)
    log_in(page, PANWASLU_USER, PANWASLU_PASSWORD)
    page.goto(f"{running.url}/insiden")
    wait_for_text(page, "Buka laporan", timeout=60)
    wait_idle(page, timeout=60)
    return first, second


def test_the_picked_report_opens_and_a_double_click_verifies_it_once(app, page, db_url):
    first, second = desk_with_two_reports(app, page, db_url)

    pick_report(page, first)
    wait_for_text(page, f"{first} · Baru", timeout=60)
    wait_idle(page)
    pick_report(page, second)
    wait_for_text(page, f"{second} · Baru", timeout=60)
    wait_idle(page)
    assert page.get_by_text(f"{first} · Baru").count() == 0  # the panel shows one report: the one picked

    verify = page.locator('[data-testid="stRadio"]').get_by_text("Verifikasi", exact=True)
    # A fragment run may show the previous report's actions greyed out until it ends: wait for one set.
    wait_until(lambda: verify.count() == 1, timeout=30, message="the actions of one report")
    verify.click()
    save = page.get_by_role("button", name="Simpan: Verifikasi")
    save.wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_label("Alasan / catatan", exact=False).first.fill("Dicek langsung oleh PPL")
    save.dblclick()
    wait_for_text(page, f"{second} · Diverifikasi", timeout=60)
    wait_idle(page)

    row = incident(db_url, second)
    assert (row["status"], row["version"]) == ("diverifikasi", 2)
    assert store.audit_for(store.get_engine(db_url), "incident", row["id"])["action"].tolist() == ["create", "verify"]
    assert incident(db_url, first)["status"] == "baru"


def test_a_deactivated_panwaslu_loses_the_report_panel_on_the_next_pick(app, page, db_url):
    """Found by attack8: the report panel reran as a fragment with the viewer of the last page run, so an
    account deactivated (or signed out elsewhere) kept opening reports and could still save actions in a
    tab left open; its next pick must end the session as a whole-page click does."""
    from kondusif.accounts import admin
    from kondusif.model import SYSTEM

    first, second = desk_with_two_reports(app, page, db_url)
    pick_report(page, first)
    wait_for_text(page, f"{first} · Baru", timeout=60)
    wait_idle(page)

    admin.set_active(store.get_engine(db_url), SYSTEM, PANWASLU_USER, False)  # the operator, in another office
    pick_report(page, second)
    wait_for_text(page, "Sesi Anda berakhir", timeout=60)
    wait_idle(page)
    assert page.get_by_text(f"{second} · Baru").count() == 0
    assert page.get_by_role("button", name="Keluar").count() == 0

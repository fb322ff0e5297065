"""Issue 31.7: a wall account's forced password change returns to the wall, with its settings.

The kiosk opens /ruang_pantau?segar=30&periode=hari-ini signed out; the operator signs in
with the wall account's one-time password, must change it, and the screen must come back to
the wall (not the map, the account's home page), settings included.
"""

from __future__ import annotations

import pytest
from browser_helpers import submit_login, wait_until

from kondusif import accounts, registry, store
from kondusif.model import Role, Viewer

pytestmark = pytest.mark.browser

KIOSK = "/ruang_pantau?segar=30&periode=hari-ini"
ONE_TIME, NEW = "Sekali-pakai-2018", "Layar-posko-pantau-27"


def test_the_wall_accounts_forced_change_returns_to_the_wall(app, browser, db_url):
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, Viewer("uji", Role.ADMIN), "layar-posko", Role.PEJABAT, ONE_TIME,
                            display_name="Layar posko", must_change=True)
    store.dispose_engines()
    running = app(db_url)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="id-ID")
    page = context.new_page()
    try:
        page.goto(running.url + KIOSK)
        assert submit_login(page, "layar-posko", ONE_TIME).status == 303
        page.get_by_label("Kata sandi/PIN saat ini").fill(ONE_TIME)
        page.get_by_label("Kata sandi/PIN baru", exact=True).fill(NEW)
        page.get_by_label("Ulangi yang baru").fill(NEW)
        with page.expect_response(lambda r: r.url.endswith("/sesi/perbarui"), timeout=60_000) as renewed:
            page.get_by_role("button", name="Simpan").click()
        assert renewed.value.status == 303
        assert renewed.value.headers["location"].endswith(KIOSK), renewed.value.headers["location"]
        page.wait_for_selector("[data-testid=skw-tiles]", timeout=60_000)  # the wall, not the map
        wait_until(lambda: page.url.endswith(KIOSK), message=f"the kiosk URL, not {page.url}")
        assert page.get_by_label("Kata sandi/PIN baru", exact=True).count() == 0  # no password form left
    finally:
        context.close()

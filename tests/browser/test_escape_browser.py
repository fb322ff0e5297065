"""In Chromium: a display name written as a Markdown image is shown as text and fetches nothing."""

from __future__ import annotations

import pytest
from browser_helpers import wait_for_text, wait_idle, wait_until

from kondusif import accounts, registry, store
from kondusif.model import SYSTEM, Role

pytestmark = pytest.mark.browser

HOSTILE = "![x](http://127.0.0.1:9/x.png)"
USERNAME, PASSWORD = "uji-admin", "Rahasia-kota-9"


@pytest.fixture
def seeded_url(db_url) -> str:
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, SYSTEM, USERNAME, Role.ADMIN, PASSWORD, display_name=HOSTILE,
                            must_change=False)
    store.dispose_engines()
    return db_url


def shown(page) -> int:
    """How often the page shows the hostile text as typed (word joiners are invisible)."""
    return page.evaluate("t => document.body.innerText.replaceAll('\\u2060', '').split(t).length - 1", HOSTILE)


def test_markdown_image_in_a_display_name_is_text_and_fetches_nothing(app, page, seeded_url):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    running = app(seeded_url)
    page.goto(running.url)
    wait_for_text(page, "Masuk ke SiKondusif")
    page.get_by_label("Nama pengguna").fill(USERNAME)
    page.get_by_label("Kata sandi atau PIN").fill(PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.get_by_role("button", name="Keluar").wait_for(state="visible", timeout=60_000)
    wait_until(lambda: shown(page) >= 1, message="the name as typed in the sidebar")
    page.goto(running.url.rstrip("/") + "/admin_akun")
    wait_for_text(page, "Kelola akun", timeout=60)
    page.get_by_role("tab", name="Ubah akun").click()
    wait_for_text(page, "Riwayat", timeout=60)  # the chosen account's details (its name) are drawn
    wait_idle(page)
    assert shown(page) >= 2  # sidebar and the account's heading line, as typed
    assert page.locator("img[src*='127.0.0.1:9']").count() == 0
    assert page.locator("a[href*='127.0.0.1:9']").count() == 0
    assert not [u for u in requested if "127.0.0.1:9/" in u], requested

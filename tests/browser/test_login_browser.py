"""In Chromium: a login survives a reload, logout ends it, and a copied cookie is dead afterwards."""

from __future__ import annotations

import time

import pytest
from browser_helpers import wait_for_text, wait_until

from kondusif import accounts, demo, registry, store
from kondusif.auth_tokens import COOKIE_NAME
from kondusif.model import Role, Viewer

pytestmark = pytest.mark.browser

USERNAME, PASSWORD = "uji-pejabat", "Rahasia-kota-9"
MAP_TITLE = "Peta kondusivitas Kota Lubuklinggau"
LOGIN_TITLE = "Masuk ke SiKondusif"


@pytest.fixture
def seeded_url(db_url) -> str:
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, 300, 3)
    accounts.create_account(engine, Viewer("uji", Role.ADMIN), USERNAME, Role.PEJABAT, PASSWORD, display_name="Pejabat Uji",
                            must_change=False)
    accounts.create_account(engine, Viewer("uji", Role.ADMIN), "uji-admin", Role.ADMIN, PASSWORD, must_change=False)
    store.dispose_engines()
    return db_url


def session_cookie(context):
    return next((c for c in context.cookies() if c["name"] == COOKIE_NAME), None)


def login(page, username: str, password: str) -> None:
    wait_for_text(page, LOGIN_TITLE)
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi atau PIN").fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()


def signed_in(page) -> None:
    page.get_by_role("button", name="Keluar").wait_for(state="visible", timeout=60_000)
    wait_for_text(page, MAP_TITLE, timeout=60)


def test_login_survives_reload_and_logout_ends_it(app, page, browser, seeded_url):
    running = app(seeded_url)
    page.goto(running.url)
    login(page, USERNAME, PASSWORD)
    signed_in(page)
    assert page.get_by_text("Pejabat Uji").first.is_visible()

    cookie = wait_until(lambda: session_cookie(page.context), timeout=15, message="login cookie")
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert not cookie["httpOnly"]  # written by the page script; the server re-checks it
    assert cookie["expires"] > time.time() + 11 * 3600

    # A reload is a new Streamlit session: the cookie brings the login back.
    page.reload()
    signed_in(page)
    assert page.get_by_label("Kata sandi atau PIN").count() == 0

    # Logout: one click, back to the login form, cookie gone.
    page.get_by_role("button", name="Keluar").click()
    wait_for_text(page, LOGIN_TITLE)
    wait_until(lambda: session_cookie(page.context) is None, timeout=15, message="cookie deleted")
    page.reload()
    wait_for_text(page, LOGIN_TITLE)
    assert page.get_by_role("button", name="Keluar").count() == 0

    # The copied cookie was invalidated on the server (session epoch), not just deleted.
    other = browser.new_context()
    try:
        other.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path", "sameSite")}])
        stolen = other.new_page()
        stolen.goto(running.url)
        wait_for_text(stolen, LOGIN_TITLE)
        assert stolen.get_by_role("button", name="Keluar").count() == 0
    finally:
        other.close()


def test_deep_link_opens_its_page_after_login(app, page, seeded_url):
    # A fresh server's first request to a page URL: the login form, then that page.
    running = app(seeded_url)
    page.goto(f"{running.url}/ganti_sandi")
    login(page, USERNAME, PASSWORD)
    page.get_by_role("button", name="Keluar").wait_for(state="visible", timeout=60_000)
    wait_for_text(page, "Kata sandi/PIN saat ini")
    assert page.url.split("?")[0].rstrip("/").endswith("/ganti_sandi")
    assert page.get_by_text("Akses ditolak").count() == 0


def test_next_user_does_not_land_on_the_previous_users_page(app, page, seeded_url):
    running = app(seeded_url)
    page.goto(running.url)
    login(page, "uji-admin", PASSWORD)
    page.get_by_role("button", name="Keluar").wait_for(state="visible", timeout=60_000)
    page.goto(f"{running.url}/admin_akun")
    wait_for_text(page, "Kelola akun", timeout=60)
    page.get_by_role("button", name="Keluar").click()
    login(page, USERNAME, PASSWORD)
    signed_in(page)  # the pejabat's home page, not a refusal of the admin page
    assert page.get_by_text("Akses ditolak").count() == 0

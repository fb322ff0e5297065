"""In Chromium: the server sets an HttpOnly cookie at login, a reload at once keeps the login,
logout (a POST) ends it in every tab, and a copied cookie is dead afterwards."""

from __future__ import annotations

import time

import pytest
from browser_helpers import LOGIN_TITLE, log_in, submit_login, wait_for_text, wait_until

from kondusif import accounts, demo, registry, store
from kondusif.accounts.auth_tokens import COOKIE_NAME
from kondusif.model import Role, Viewer

pytestmark = pytest.mark.browser

USERNAME, PASSWORD = "uji-pejabat", "Rahasia-kota-9"
MAP_TITLE = "Peta kondusivitas Kota Lubuklinggau"


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


def signed_in(page) -> None:
    page.get_by_role("button", name="Keluar").wait_for(state="visible", timeout=60_000)
    wait_for_text(page, MAP_TITLE, timeout=60)


def test_login_sets_an_httponly_cookie_that_survives_an_immediate_reload(app, page, browser, seeded_url):
    running = app(seeded_url)
    page.goto(running.url)
    # The 303's own page commits first (a reload during that commit races the browser, not the app).
    with page.expect_navigation(wait_until="commit", timeout=60_000):
        answer = submit_login(page, USERNAME, PASSWORD)
    assert answer.status == 303
    set_cookie = answer.header_value("set-cookie") or ""
    assert f"{COOKIE_NAME}=" in set_cookie and "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie
    # Reload the moment the redirect is in: the cookie came with it, nothing is pending.
    page.reload()
    signed_in(page)
    assert page.get_by_text("Pejabat Uji").first.is_visible()

    cookie = session_cookie(page.context)
    assert cookie is not None
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["expires"] > time.time() + 11 * 3600
    assert COOKIE_NAME not in page.evaluate("document.cookie")  # page scripts cannot read it

    # A new tab of the same browser is signed in too.
    tab = page.context.new_page()
    tab.goto(running.url)
    signed_in(tab)
    tab.close()

    # Logout: one click (a POST), back to the login form, cookie gone.
    page.get_by_role("button", name="Keluar").click()
    wait_for_text(page, LOGIN_TITLE)
    wait_for_text(page, "Anda telah keluar.")
    assert session_cookie(page.context) is None
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
        assert session_cookie(other) is None  # the server deleted the dead cookie
    finally:
        other.close()


def test_logout_in_one_tab_ends_the_next_action_of_another(app, page, seeded_url):
    running = app(seeded_url)
    page.goto(running.url)
    log_in(page, USERNAME, PASSWORD)
    second = page.context.new_page()
    second.goto(running.url)
    signed_in(second)

    page.get_by_role("button", name="Keluar").click()
    wait_for_text(page, LOGIN_TITLE)

    second.get_by_role("link", name="Ganti kata sandi").click()  # the other tab's next action
    wait_for_text(second, LOGIN_TITLE)
    wait_for_text(second, "Sesi Anda berakhir")
    # the signed-in sidebar goes when the run ends (Streamlit drops stale elements then)
    wait_until(lambda: second.get_by_role("button", name="Keluar").count() == 0, message="Keluar gone")
    assert second.get_by_label("Kata sandi/PIN saat ini").count() == 0


def test_a_cross_site_logout_is_refused(app, page, seeded_url):
    running = app(seeded_url)
    page.goto(running.url)
    log_in(page, USERNAME, PASSWORD)
    # A form on another site posting to /sesi/keluar: no same-origin Origin, no CSRF value.
    answer = page.request.post(f"{running.url}/sesi/keluar", form={"csrf": "tebakan"},
                               headers={"Origin": "http://penyerang.example"}, max_redirects=0)
    assert answer.status == 403
    page.reload()
    signed_in(page)


def test_deep_link_opens_its_page_after_login(app, page, seeded_url):
    # A fresh server's first request to a page URL: the login form, then that page.
    running = app(seeded_url)
    page.goto(f"{running.url}/ganti_sandi")
    log_in(page, USERNAME, PASSWORD)
    wait_for_text(page, "Kata sandi/PIN saat ini")
    assert page.url.split("?")[0].rstrip("/").endswith("/ganti_sandi")
    assert page.get_by_text("Akses ditolak").count() == 0


def test_wrong_password_shows_the_generic_message(app, page, seeded_url):
    running = app(seeded_url)
    page.goto(f"{running.url}/ganti_sandi")
    submit_login(page, USERNAME, "salah-sekali-123")
    wait_for_text(page, "Nama pengguna atau kata sandi salah")
    assert page.url.split("?")[0].rstrip("/").endswith("/ganti_sandi")  # still the deep link
    assert session_cookie(page.context) is None


def test_next_user_does_not_land_on_the_previous_users_page(app, page, seeded_url):
    running = app(seeded_url)
    page.goto(running.url)
    log_in(page, "uji-admin", PASSWORD)
    page.goto(f"{running.url}/admin_akun")
    wait_for_text(page, "Kelola akun", timeout=60)
    page.get_by_role("button", name="Keluar").click()
    log_in(page, USERNAME, PASSWORD)
    signed_in(page)  # the pejabat's home page, not a refusal of the admin page
    assert page.get_by_text("Akses ditolak").count() == 0


def test_forced_password_change_renews_the_cookie_and_opens_home(app, page, db_url):
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, 100, 3)
    accounts.create_account(engine, Viewer("uji", Role.ADMIN), "uji-baru", Role.PEJABAT, "Sekali-pakai-2018", must_change=True)
    store.dispose_engines()
    running = app(db_url)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(running.url)
    log_in(page, "uji-baru", "Sekali-pakai-2018")
    page.get_by_label("Kata sandi/PIN saat ini").fill("Sekali-pakai-2018")
    page.get_by_label("Kata sandi/PIN baru", exact=True).fill("Payung-kuda-sungai-71")
    page.get_by_label("Ulangi yang baru").fill("Payung-kuda-sungai-71")
    with page.expect_response(lambda r: r.url.endswith("/sesi/perbarui"), timeout=60_000) as renewed:
        page.get_by_role("button", name="Simpan").click()
    assert renewed.value.status == 303
    page.wait_for_url(running.url + "/", wait_until="commit")
    # at once: the new cookie (new epoch) is already in place. A fresh load of "/" rather than
    # page.reload(), which can meet the page mid-way through its own switch to the home page.
    page.goto(running.url + "/")
    signed_in(page)
    # home: the pejabat's map, run by "/" itself (issue 28: no switch_page rerun; the map adds ?per=...)
    page.get_by_role("heading", name="Peta kondusivitas Kota Lubuklinggau").wait_for(timeout=60_000)
    assert page.url.split("?")[0] == running.url + "/", page.url
    assert violations == []


def test_the_signed_out_page_shows_the_app_icon(app, page, seeded_url):
    """The tab icon of the sign-in page: /media is closed to a browser without a session."""
    running = app(seeded_url)
    page.goto(running.url)
    wait_for_text(page, LOGIN_TITLE, timeout=60)
    href = wait_until(lambda: page.evaluate(
        "() => { const l = document.querySelector(\"link[rel~='icon']\"); "
        "return l && l.href.includes('favicon') ? l.href : null; }"), timeout=30, message="the page's icon link")
    answer = page.request.get(href)
    assert answer.status == 200 and answer.headers["content-type"] == "image/png"
    assert answer.body()[:8] == b"\x89PNG\r\n\x1a\n"

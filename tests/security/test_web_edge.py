"""The HTTP edge (kondusif.web) called as ASGI, the way uvicorn calls it: login/logout routes,
the trusted-proxy rule, open redirects, headers and metrics."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from kondusif import accounts
from kondusif.accounts import auth, auth_tokens
from kondusif.login_throttle import StoreAddressThrottle
from kondusif.model import Role, Viewer
from kondusif.web import routes as web_routes
from kondusif.web.edge import safe_next
from kondusif.web.middleware import SecurityMiddleware

HOST = "sikondusif.lubuklinggau.test"
ORIGIN = f"http://{HOST}"
PASSWORD = "Rahasia-kota-9"


def build_app() -> Starlette:
    async def metrics(_request):
        return PlainTextResponse("# metrik")

    async def page(_request):
        return PlainTextResponse("halaman")

    return Starlette(routes=[*web_routes.routes(), Route("/_stcore/metrics", metrics), Route("/{p:path}", page)],
                     middleware=[Middleware(SecurityMiddleware)])


def call(app, method: str, path: str, *, form: dict | None = None, headers: dict | None = None,
         cookie: str | None = None, peer: str = "10.1.1.1") -> tuple[int, dict[str, list[str]], bytes]:
    """One HTTP request through the ASGI app: (status, headers (lower-case, all values), body)."""
    body = urlencode(form).encode() if form is not None else b""
    raw = [(b"host", HOST.encode())]
    if form is not None:
        raw.append((b"content-type", b"application/x-www-form-urlencoded"))
    if cookie:
        raw.append((b"cookie", f"{auth_tokens.COOKIE_NAME}={cookie}".encode()))
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "headers": raw,
             "client": (peer, 50000), "server": (HOST, 80), "root_path": ""}
    sent: list[dict] = []
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    # Its own thread and loop: Playwright's sync API (browser tests in the same run) keeps a
    # loop running in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    found: dict[str, list[str]] = {}
    for k, v in start["headers"]:
        found.setdefault(k.decode().lower(), []).append(v.decode())
    return start["status"], found, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def session_cookie(headers: dict[str, list[str]]) -> str | None:
    for value in headers.get("set-cookie", []):
        if value.startswith(auth_tokens.COOKIE_NAME + "="):
            return value
    return None


@pytest.fixture
def web(engine, monkeypatch):
    monkeypatch.setattr(web_routes, "THROTTLE", StoreAddressThrottle(engine, max_failures=3))
    monkeypatch.delenv("KONDUSIF_TRUSTED_PROXIES", raising=False)
    accounts.create_account(engine, Viewer("t", Role.ADMIN), "budi", Role.ADMIN, PASSWORD, must_change=False)
    accounts.create_account(engine, Viewer("t", Role.ADMIN), "ani", Role.PEJABAT, PASSWORD, must_change=False)
    return build_app()


def login(app, username="budi", password=PASSWORD, peer="10.1.1.1", headers=None, next_path="/insiden"):
    return call(app, "POST", "/sesi/masuk", form={"username": username, "password": password, "next": next_path},
                headers={"Origin": ORIGIN, **(headers or {})}, peer=peer)


def test_login_sets_the_cookie_in_the_response_and_returns_to_the_page(web):
    status, headers, _ = login(web)
    assert status == 303 and headers["location"] == ["/insiden"]
    cookie = session_cookie(headers)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert f"Max-Age={auth_tokens.max_age_seconds()}" in cookie and "Secure" not in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert auth_tokens.read(token).username == "budi"


def test_wrong_password_returns_to_the_page_with_a_flag_and_no_cookie(web):
    status, headers, _ = login(web, password="salah-sekali")
    assert status == 303 and headers["location"] == ["/insiden?masuk=gagal"]
    assert session_cookie(headers) is None


def test_a_login_posted_from_another_site_is_refused(web):
    status, headers, _ = call(web, "POST", "/sesi/masuk", form={"username": "budi", "password": PASSWORD},
                              headers={"Origin": "http://penyerang.test"})
    assert status == 403 and session_cookie(headers) is None
    assert call(web, "POST", "/sesi/masuk", form={"username": "budi", "password": PASSWORD})[0] == 403


@pytest.mark.parametrize(("given", "expected"), [
    ("//penyerang.test/x", "/"), ("https://penyerang.test", "/"), ("/\\penyerang.test", "/"),
    ("javascript:alert(1)", "/"), ("/peta?kode=16.73.01.1001&masuk=gagal", "/peta?kode=16.73.01.1001"),
    ("/sesi/keluar", "/"),
])
def test_the_return_address_stays_on_this_site(given, expected):
    assert safe_next(given) == expected


def test_secure_cookie_and_client_address_only_through_a_trusted_proxy(web, monkeypatch):
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    # Not trusted: the headers are the client's own words and change nothing.
    assert "Secure" not in session_cookie(login(web, headers=proxied)[1])
    for _ in range(3):
        login(web, password="salah", peer="10.1.1.2", headers={"X-Forwarded-For": f"198.51.100.{_}"})
    assert login(web, peer="10.1.1.2")[1]["location"] == ["/insiden?masuk=dibatasi"]
    # Trusted proxy: Secure behind HTTPS, and the throttle counts the real client address.
    monkeypatch.setenv("KONDUSIF_TRUSTED_PROXIES", "10.9.9.9")
    assert "Secure" in session_cookie(login(web, peer="10.9.9.9", headers=proxied)[1])
    for _ in range(3):
        login(web, password="salah", peer="10.9.9.9", headers={"X-Forwarded-For": "203.0.113.66"})
    assert login(web, peer="10.9.9.9", headers={"X-Forwarded-For": "203.0.113.66"})[1]["location"] == \
        ["/insiden?masuk=dibatasi"]
    assert session_cookie(login(web, peer="10.9.9.9", headers={"X-Forwarded-For": "203.0.113.67"})[1])


def test_logout_needs_the_csrf_value_and_kills_every_copy(web, engine):
    token = session_cookie(login(web)[1]).split(";")[0].split("=", 1)[1]
    # Forged: right origin but no HMAC of the cookie -> refused, session alive.
    assert call(web, "POST", "/sesi/keluar", form={"csrf": "x"}, cookie=token, headers={"Origin": ORIGIN})[0] == 403
    assert auth.restore_session(engine, "budi", 0) is not None
    status, headers, _ = call(web, "POST", "/sesi/keluar", form={"csrf": auth_tokens.csrf_for(token)},
                              cookie=token, headers={"Origin": ORIGIN})
    assert status == 303 and "Max-Age=0" in session_cookie(headers)
    assert auth.restore_session(engine, "budi", 0) is None  # epoch bumped


def test_headers_metrics_and_dead_cookies(web):
    status, headers, _ = call(web, "GET", "/")
    assert status == 200 and "frame-ancestors 'self'" in headers["content-security-policy"][0]
    assert headers["x-content-type-options"] == ["nosniff"] and headers["referrer-policy"] == ["same-origin"]
    admin = session_cookie(login(web)[1]).split(";")[0].split("=", 1)[1]
    official = session_cookie(login(web, "ani")[1]).split(";")[0].split("=", 1)[1]
    assert call(web, "GET", "/_stcore/metrics")[0] == 404
    assert call(web, "GET", "/_stcore/metrics", cookie=official)[0] == 404
    assert call(web, "GET", "/_stcore/metrics", cookie=admin)[0] == 200
    forged = auth_tokens.issue("budi", 0, secret="kunci-lain-yang-bukan-milik-instalasi-ini")
    assert "Max-Age=0" in session_cookie(call(web, "GET", "/peta", cookie=forged)[1])
    assert session_cookie(call(web, "GET", "/peta", cookie=admin)[1]) is None


def test_media_needs_a_live_session(web, engine):
    """Issue 27 item 8: report photos and downloads under /media only for a signed-in session."""
    media = "/media/3f2a9c0d1e4b5a6978877665544332211aabbccddeeff00112233.jpg"
    status, _, body = call(web, "GET", media)
    assert status == 404 and "Masuk dulu" in body.decode() and b"halaman" not in body
    forged = auth_tokens.issue("budi", 0, secret="kunci-lain-yang-bukan-milik-instalasi-ini")
    assert call(web, "GET", media, cookie=forged)[0] == 404
    official = session_cookie(login(web, "ani")[1]).split(";")[0].split("=", 1)[1]
    assert call(web, "GET", media, cookie=official)[0] == 200
    auth.end_sessions(engine, "ani")  # signed out everywhere: the old cookie no longer fetches media
    assert call(web, "GET", media, cookie=official)[0] == 404
    accounts.create_account(engine, Viewer("t", Role.ADMIN), "citra", Role.PEJABAT, PASSWORD, must_change=True)
    first_login = session_cookie(login(web, "citra")[1]).split(";")[0].split("=", 1)[1]
    assert call(web, "GET", media, cookie=first_login)[0] == 404  # password change still pending


def test_renewal_ticket_gives_a_cookie_only_for_the_current_epoch(web, engine):
    epoch = auth.change_password(engine, "budi", PASSWORD, "Kuda-sungai-payung-71")
    stale = auth_tokens.issue_ticket("budi", epoch - 1)
    status, headers, _ = call(web, "POST", "/sesi/perbarui", form={"ticket": stale}, headers={"Origin": ORIGIN})
    assert headers["location"] == ["/"] and "Max-Age=0" in session_cookie(headers)
    fresh = auth_tokens.issue_ticket("budi", epoch)
    status, headers, _ = call(web, "POST", "/sesi/perbarui", form={"ticket": fresh, "next": "/"},
                              headers={"Origin": ORIGIN})
    token = session_cookie(headers).split(";")[0].split("=", 1)[1]
    assert auth_tokens.read(token).epoch == epoch


def test_tiles_are_allowed_only_from_the_configured_host(monkeypatch):
    from kondusif.config import settings
    from kondusif.web.middleware import content_security_policy

    monkeypatch.setenv("KONDUSIF_TILE_URL", "https://{s}.tile.kota-lubuklinggau.test/{z}/{x}/{y}.png")
    settings.cache_clear()
    img = next(d for d in content_security_policy("/").split("; ") if d.startswith("img-src"))
    assert img == "img-src 'self' data: blob: https://*.tile.kota-lubuklinggau.test"
    monkeypatch.delenv("KONDUSIF_TILE_URL")
    settings.cache_clear()
    img = next(d for d in content_security_policy("/").split("; ") if d.startswith("img-src"))
    assert img == "img-src 'self' data: blob:"


def test_the_rt_page_has_the_strictest_policy_and_the_app_keeps_its_own():
    """Issue 26: /rt/ and its API allow no inline code, no eval and no framing; the app's policy is unchanged."""
    from kondusif.web.middleware import content_security_policy

    for path in ("/rt", "/rt/", "/rt/rt.js", "/rt/api/saya"):
        policy = dict(d.split(" ", 1) for d in content_security_policy(path).split("; "))
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'", path
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
        assert "unsafe" not in content_security_policy(path)
    assert "'unsafe-inline'" in content_security_policy("/")  # Streamlit's emotion styles still need it
    assert content_security_policy("/rtx") == content_security_policy("/")

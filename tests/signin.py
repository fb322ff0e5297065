"""Sign an AppTest page test in the way a browser does: no Viewer planted in session state.

`sign_in(at, viewer)` creates the account of `viewer` in the test's store (role, scope and
name as given; the password `PASSWORD`), POSTs the login form to the real `/sesi/masuk`
route (kondusif.web.routes, called as ASGI like uvicorn does), takes the signed token
from the Set-Cookie of its answer, and hands it to the AppTest as the cookie its
browser sends. The app then reads it from `st.context.cookies` and checks signature,
age, epoch and the account exactly as on a real page load (kondusif.ui.session).

AppTest has no way to seed cookies (`AppTest.context` refuses them: cookies belong to
the session's client, which AppTest replaces by a mock). `client_context` below stands
in for that client: it answers `st.context.cookies` with the cookies stored on the
AppTest under `BROWSER_COOKIES` (one jar per AppTest, i.e. per browser tab), and the
autouse fixture in tests/conftest.py installs it for every test. The app never reads
that key; only the stand-in client does.

Independent of page files: callers open whatever page they like after `sign_in`.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from urllib.parse import urlencode

from starlette.applications import Starlette
from streamlit.testing.v1 import AppTest

from kondusif import accounts, registry, store
from kondusif.accounts import auth_tokens
from kondusif.model import SYSTEM, Viewer
from kondusif.web import routes

PASSWORD = "Uji-Masuk-Kondusif-2018!"  # strong enough for every role (RT may use it instead of a PIN)
HOST = "sikondusif.lubuklinggau.test"
BROWSER_COOKIES = "_test_browser_cookies"  # read by the stand-in client only, never by the app


def ensure_account(viewer: Viewer, password: str = PASSWORD, *, must_change: bool = False) -> None:
    """The account behind `viewer` in the current store (created once; same role and scope)."""
    engine = store.get_engine()
    if accounts.get_account(engine, SYSTEM, viewer.username) is not None:
        return
    if viewer.kelurahan:
        registry.ensure_rt_registry(engine)  # an RT scope must name an RT of the registry
    accounts.create_account(engine, SYSTEM, viewer.username, viewer.role, password,
                            display_name=viewer.display_name, kecamatan=viewer.kecamatan,
                            kelurahan=viewer.kelurahan, rt=viewer.rt, must_change=must_change)


def post_login(username: str, password: str = PASSWORD, peer: str = "10.9.9.9") -> tuple[int, str, str | None]:
    """POST /sesi/masuk as a browser on this site: (status, Location, session token or None)."""
    app = Starlette(routes=routes.routes())
    body = urlencode({"username": username, "password": password, "next": "/"}).encode()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": routes.LOGIN_PATH, "raw_path": routes.LOGIN_PATH.encode(),
             "query_string": b"", "root_path": "", "client": (peer, 50000), "server": (HOST, 80),
             "headers": [(b"host", HOST.encode()), (b"origin", f"http://{HOST}".encode()),
                         (b"content-type", b"application/x-www-form-urlencoded")]}
    sent: list[dict] = []
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    # Its own thread and loop: Playwright's sync API may hold a loop in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = [(k.decode().lower(), v.decode()) for k, v in start["headers"]]
    location = next((v for k, v in headers if k == "location"), "")
    token = None
    for name, value in headers:
        if name == "set-cookie" and value.startswith(auth_tokens.COOKIE_NAME + "="):
            token = value.split(";", 1)[0].split("=", 1)[1] or None
    return start["status"], location, token


def login_cookie(viewer: Viewer) -> str:
    """Create the account of `viewer` if needed and log in through the route: the cookie value."""
    ensure_account(viewer)
    status, location, token = post_login(viewer.username)
    assert status == 303 and token, f"login of {viewer.username} failed: {status} {location}"
    return token


def carry_cookie(at: AppTest, token: str | None) -> AppTest:
    """The browser of `at` sends `token` as the session cookie from its next page load on."""
    at.session_state[BROWSER_COOKIES] = {auth_tokens.COOKIE_NAME: token} if token else {}
    return at


def sign_in(at: AppTest, viewer: Viewer) -> AppTest:
    """Sign `at` in as `viewer` through the real login route and cookie (not run yet)."""
    return carry_cookie(at, login_cookie(viewer))


def client_context(real):
    """A stand-in for Streamlit's session client context: cookies from the AppTest's jar."""

    def context():
        import streamlit as st

        try:
            jar = st.session_state.get(BROWSER_COOKIES)
        except Exception:  # noqa: BLE001 - outside a script run there is no session state
            jar = None
        if jar is None:
            return real()
        return SimpleNamespace(cookies=dict(jar), headers=[], remote_ip="127.0.0.1")

    return context

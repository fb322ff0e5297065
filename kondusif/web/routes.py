"""POST routes that start and end a session; the cookie is set in their HTTP response.

Each answers with a 303 redirect to a local page, so the browser's next request is an
ordinary page load that already carries (or no longer carries) the cookie: a reload
or a new tab right after login is signed in, and a deep link opens its page.
"""

from __future__ import annotations

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from kondusif import store
from kondusif.accounts import auth, auth_tokens
from kondusif.login_throttle import StoreAddressThrottle
from kondusif.web import rtpage, smssync
from kondusif.web.edge import (
    client_address,
    delete_session_cookie,
    safe_next,
    same_origin,
    set_session_cookie,
)

LOGIN_PATH = "/sesi/masuk"
LOGOUT_PATH = "/sesi/keluar"
RENEW_PATH = "/sesi/perbarui"
LOGIN_PAGE = "/"  # signed out, every address shows the login form; "/" needs no page lookup

# In the store, not this process's memory: every app process behind nginx counts the same failures.
THROTTLE = StoreAddressThrottle()
FOREIGN = "Permintaan ditolak: formulir tidak berasal dari halaman SiKondusif. Muat ulang halaman lalu coba lagi."


def _foreign() -> Response:
    return PlainTextResponse(FOREIGN, status_code=403)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=10)
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def login(request: Request) -> Response:
    """Check the password (behind the per-address throttle); on success set the cookie."""
    if not same_origin(request):
        return _foreign()
    form = await _form(request)
    target = form.get("next") or "/"
    result = await run_in_threadpool(
        auth.authenticate_from, store.get_engine(), THROTTLE, client_address(request),
        form.get("username", "")[:64], form.get("password", "")[:256],
    )
    if not result.ok or result.viewer is None:
        code = "dibatasi" if result.message == auth.THROTTLED else "gagal"
        return RedirectResponse(safe_next(target, masuk=code), status_code=303)
    # issue 26: a Ketua RT lands on the light page /rt/; staff keep the Streamlit app
    response = RedirectResponse(safe_next(rtpage.landing_for(result.viewer, safe_next(target))), status_code=303)
    set_session_cookie(response, request, auth_tokens.issue(result.viewer.username, result.epoch))
    return response


async def logout(request: Request) -> Response:
    """End every session of the account (epoch bump) and delete this browser's cookie.

    Cross-site forgery is refused twice: the Origin must be this app, and the form
    must carry the HMAC of the (HttpOnly) cookie, which another site cannot know.
    """
    if not same_origin(request):
        return _foreign()
    form = await _form(request)
    token = request.cookies.get(auth_tokens.COOKIE_NAME)
    if token:
        if not hmac.compare_digest(form.get("csrf", ""), auth_tokens.csrf_for(token)):
            return _foreign()
        claims = auth_tokens.read(token)
        if claims is not None:
            engine = store.get_engine()
            sess = await run_in_threadpool(auth.restore_session, engine, claims.username, claims.epoch)
            if sess is not None:
                await run_in_threadpool(auth.end_sessions, engine, claims.username)
    response = RedirectResponse(safe_next(LOGIN_PAGE, keluar="1"), status_code=303)
    delete_session_cookie(response, request)
    return response


async def renew(request: Request) -> Response:
    """Trade a short-lived ticket (after one's own password change) for a fresh cookie."""
    if not same_origin(request):
        return _foreign()
    form = await _form(request)
    claims = auth_tokens.read_ticket(form.get("ticket"))
    sess = None
    if claims is not None:
        sess = await run_in_threadpool(auth.restore_session, store.get_engine(), claims.username, claims.epoch)
    if claims is None or sess is None:  # sess is None whenever claims is
        response = RedirectResponse(LOGIN_PAGE, status_code=303)
        delete_session_cookie(response, request)
        return response
    response = RedirectResponse(safe_next(form.get("next") or "/"), status_code=303)
    set_session_cookie(response, request, auth_tokens.issue(claims.username, claims.epoch))
    return response


def routes() -> list[Route]:
    return [
        Route(LOGIN_PATH, login, methods=["POST"]),
        Route(LOGOUT_PATH, logout, methods=["POST"]),
        Route(RENEW_PATH, renew, methods=["POST"]),
        *rtpage.routes(),  # issue 26: the light RT page and its JSON API
        *smssync.routes(),  # issue 15: the SMSsync sync URL (secret-authenticated, no cookie)
    ]

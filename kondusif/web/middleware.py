"""Security headers on every response, metrics for admins only, /media for sessions only, dead cookies deleted.

Content-Security-Policy, as measured in Chromium on every page (docs/architecture.md):
- scripts: only this origin plus the hashes of the app page's inline scripts; no
  'unsafe-eval' anywhere. 'unsafe-inline' only in the streamlit-folium component iframe,
  because folium writes its map as inline <script> whose text changes with the data.
- styles: this origin + 'unsafe-inline' (Streamlit's emotion CSS-in-JS writes <style>).
- images: this origin, data:/blob: (Leaflet icons, st.image), the configured tile host.
- fonts: this origin + data:; frames: this origin (component iframes) and their srcdoc;
  frame-ancestors 'self'; objects none; forms post only to this origin.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kondusif import access, store
from kondusif.accounts import auth, auth_tokens
from kondusif.config import settings
from kondusif.web.edge import delete_session_cookie
from kondusif.web.page_scripts import RENEW_SCRIPT_HTML, SCREEN_SCRIPT_HTML

METRICS_PATH = "/_stcore/metrics"
# Streamlit's media endpoint: report photos (st.image) and downloads (PDF, CSV). Served
# only to a signed-in session (issue 27 item 8); the file names are unguessable content
# hashes handed out only by pages that already checked role and scope for that content.
MEDIA_PREFIX = "/media/"
# The map: streamlit-folium's iframe writes folium's map as inline <script> blocks whose
# text changes with the data, so neither a hash nor a nonce can name them.
INLINE_SCRIPT_FRAMES = ("/component/streamlit_folium.",)
# Paths that serve the app page itself (index.html for every page URL); assets and
# API paths are skipped by the dead-cookie check.
_ASSET_PREFIXES = ("/_stcore/", "/static/", "/media/", "/component/", "/app/static/", "/sesi/", "/auth/")


def tile_origin() -> str:
    """scheme://host of the configured tile server ('' without one)."""
    url = settings().tile_url
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "a"))
    host = parts.netloc.replace("a.", "*.", 1) if "{s}." in url else parts.netloc
    return f"{parts.scheme}://{host}" if parts.scheme and host else ""


def _inline_hashes(html_text: str) -> list[str]:
    """CSP hash sources for the inline <script> blocks of a page we serve unchanged."""
    bodies = re.findall(r"<script>(.*?)</script>", html_text, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in bodies]


@lru_cache(maxsize=1)
def _page_script_hashes() -> tuple[str, ...]:
    """Streamlit's index.html carries one tiny inline script; our renewal form and screen script two more."""
    import streamlit

    index = Path(streamlit.__file__).parent / "static" / "index.html"
    found = _inline_hashes(index.read_text(encoding="utf-8")) if index.exists() else []
    return tuple(found + _inline_hashes(RENEW_SCRIPT_HTML) + _inline_hashes(SCREEN_SCRIPT_HTML))


# Issue 26: the light RT page (kondusif.web.rtpage) has no inline script or style at all.
RT_PAGE_PREFIX = "/rt/"


def rt_page_policy(img: str) -> str:
    """/rt/: only files of this origin; no inline code, no eval, no frames, no other host but tiles."""
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'", img, "font-src 'self'",
        "connect-src 'self'", "worker-src 'self'", "manifest-src 'self'", "frame-src 'none'",
        "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
    ])


def content_security_policy(path: str = "/") -> str:
    """The policy for a response to `path`: strict for the app, stricter for /rt/, looser for the map's iframe."""
    tiles = tile_origin()
    img = "img-src 'self' data: blob:" + (f" {tiles}" if tiles else "")
    if path.startswith(RT_PAGE_PREFIX) or path == RT_PAGE_PREFIX.rstrip("/"):
        return rt_page_policy(img)
    if path.startswith(INLINE_SCRIPT_FRAMES):
        scripts = "script-src 'self' 'unsafe-inline'"
    else:
        scripts = " ".join(["script-src 'self'", *_page_script_hashes()])
    return "; ".join([
        "default-src 'self'",
        scripts,
        "style-src 'self' 'unsafe-inline'",
        img,
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self' blob: data:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])


def security_headers(path: str = "/") -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(path),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "SAMEORIGIN",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def _session_row(token: str | None) -> auth.Session | None:
    claims = auth_tokens.read(token)
    if claims is None:
        return None
    return auth.restore_session(store.get_engine(), claims.username, claims.epoch)


def _token_alive(token: str) -> bool:
    """False for a forged, expired or revoked token; True when the store cannot answer
    (a database outage must not sign everybody out)."""
    if auth_tokens.read(token) is None:
        return False
    try:
        return _session_row(token) is not None
    except Exception:  # noqa: BLE001 - store down: the app page shows its own message
        return True


def _may_fetch_media(token: str | None) -> bool:
    """A live session that finished its first-login password change (the store down = no)."""
    if not token:
        return False
    try:
        sess = _session_row(token)
    except Exception:  # noqa: BLE001 - no store, no proof of a session
        return False
    return sess is not None and not sess.must_change


def _is_admin(token: str | None) -> bool:
    try:
        sess = _session_row(token)
    except Exception:  # noqa: BLE001
        return False
    return sess is not None and access.allows(sess.viewer, "system.metrics") and not sess.must_change


class SecurityMiddleware:
    """Pure ASGI middleware (WebSockets pass through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        headers = security_headers(scope.get("path", "/"))
        token = conn.cookies.get(auth_tokens.COOKIE_NAME)
        path = scope.get("path", "")
        if path.rstrip("/") == METRICS_PATH and not await run_in_threadpool(_is_admin, token):
            response = PlainTextResponse("Tidak ditemukan.", status_code=404, headers=headers)
            await response(scope, receive, send)
            return
        if path.startswith(MEDIA_PREFIX) and not await run_in_threadpool(_may_fetch_media, token):
            response = PlainTextResponse("Tidak ditemukan. Masuk dulu ke SiKondusif.", status_code=404,
                                         headers=headers)
            await response(scope, receive, send)
            return
        drop = bool(token) and not path.startswith(_ASSET_PREFIXES) and \
            not await run_in_threadpool(_token_alive, cast(str, token))  # bool(token): a str
        deleting = PlainTextResponse("")
        if drop:
            delete_session_cookie(deleting, conn)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                for name, value in headers.items():
                    out[name] = value
                if drop:
                    out.append("set-cookie", deleting.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, send_with_headers)

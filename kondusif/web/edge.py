"""Who is asking, over what: client address, HTTPS, same-origin, the cookie itself."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlencode, urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import Response

from kondusif.accounts import auth_tokens
from kondusif.config import settings


def trusted_proxies() -> set[str]:
    """Addresses of reverse proxies whose X-Forwarded-* headers are believed.

    KONDUSIF_TRUSTED_PROXIES (comma-separated) or `trusted_proxies = [...]` in
    kondusif.toml; empty by default, so a client cannot pick its own address.
    """
    return set(settings().trusted_proxies)


def _peer(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else ""


def _from_trusted_proxy(conn: HTTPConnection) -> bool:
    peer = _peer(conn)
    return bool(peer) and peer in trusted_proxies()


def client_address(conn: HTTPConnection) -> str:
    """The client's address: the peer, or the nearest untrusted X-Forwarded-For hop
    when the peer is a trusted proxy."""
    peer = _peer(conn)
    if not _from_trusted_proxy(conn):
        return peer or "tidak-diketahui"
    trusted = trusted_proxies()
    hops = [h.strip() for h in conn.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break
        if hop not in trusted:
            return hop
    return peer


def is_https(conn: HTTPConnection) -> bool:
    if conn.url.scheme in ("https", "wss"):
        return True
    return _from_trusted_proxy(conn) and conn.headers.get("x-forwarded-proto", "").lower() == "https"


def same_origin(conn: HTTPConnection) -> bool:
    """A state-changing POST must come from a page of this app (Origin, else Referer)."""
    host = conn.headers.get("host", "")
    forwarded = conn.headers.get("x-forwarded-host") if _from_trusted_proxy(conn) else None
    hosts = {host} | ({forwarded} if forwarded else set())
    source = conn.headers.get("origin") or conn.headers.get("referer")
    if not source or source == "null":
        return False
    return urlsplit(source).netloc in hosts


def safe_next(value: object, **query: str) -> str:
    """A local path to go to after a form (never another host), with `query` added."""
    text = str(value or "/")[:2000]
    parts = urlsplit(text)
    if parts.scheme or parts.netloc or not text.startswith("/") or text.startswith(("//", "/\\")):
        text, parts = "/", urlsplit("/")
    if parts.path.startswith("/sesi/"):
        parts = urlsplit("/")
    kept = [kv for kv in parts.query.split("&") if kv and not kv.startswith(("masuk=", "keluar="))]
    kept += [urlencode({k: v}) for k, v in query.items()]
    return parts.path + (("?" + "&".join(kept)) if kept else "")


def set_session_cookie(response: Response, conn: HTTPConnection, token: str) -> None:
    """The login cookie, set by the server: the page's JavaScript can never read it."""
    response.set_cookie(auth_tokens.COOKIE_NAME, token, max_age=auth_tokens.max_age_seconds(), path="/",
                        httponly=True, samesite="strict", secure=is_https(conn))


def delete_session_cookie(response: Response, conn: HTTPConnection) -> None:
    response.delete_cookie(auth_tokens.COOKIE_NAME, path="/", httponly=True, samesite="strict",
                           secure=is_https(conn))

"""Who is asking, over what: client address, HTTPS, same-origin, the cookie itself."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import unquote_to_bytes, urlencode, urlsplit

from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request
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


class BodyTooLarge(Exception):
    """The body passed the limit of its route (refused before it is all in memory)."""


class FieldNotText(ValueError):
    """A form field whose bytes are not UTF-8; `field` names it for the message."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused (BodyTooLarge) as soon as it passes `limit` bytes (a lying Content-Length too)."""
    declared = request.headers.get("content-length")
    if declared and declared.strip().isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def parse_form(request: Request, body: bytes, **limits: Any) -> FormData:
    """Starlette's form parser over a body already read, refusing text that is not UTF-8 (FieldNotText).

    Starlette decodes a broken multipart field as Latin-1 and broken %-escapes as U+FFFD: the
    report would be stored garbled instead of the sender being told.
    """
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, replay).form(**limits)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        for field, value in form.multi_items():
            if isinstance(value, str) and not value.isascii() and value.encode("utf-8") not in body:
                raise FieldNotText(field)
    else:
        for pair in body.split(b"&"):
            raw_name, _, raw_value = pair.partition(b"=")
            for part in (raw_name, raw_value):
                try:
                    unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
                except UnicodeDecodeError:
                    raise FieldNotText(unquote_to_bytes(raw_name).decode("utf-8", "replace")) from None
    return form

"""gzip for the text files the app serves (issue 26 item 4), Streamlit's bundle compressed once.

Streamlit's own gzip middleware deliberately skips its static bundle (/static/, about 2.7 MB
of JS/CSS on a cold load) and media. On a phone network those bytes are most of the wait,
so this wrapper gzips exactly the file paths below (Starlette's GZipMiddleware: only when the
browser accepts gzip, only bodies of at least `minimum_size`, never a response that is already
encoded). /media/ (photos, PDFs with range requests) and the websocket pass untouched.
Behind nginx the same types are compressed there too (deploy/nginx site: `gzip on`).

Issue 29: Streamlit's bundle files are named by their content and never change while the app
runs, yet gzip ran again for every browser without them cached, on the server's event loop
(about 0.1 s of CPU per cold page load, holding up every session's websocket meanwhile). Their
compressed form is kept in memory (bounded) and sent as is.
"""

from __future__ import annotations

import gzip

import anyio
from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Streamlit's bundle, the vendored map files (static/ served at /app/static/), component
# iframes, and the light RT page with its JSON.
COMPRESSED_PREFIXES = ("/static/", "/app/static/", "/component/", "/rt/")
IMMUTABLE_PREFIX = "/static/"  # Streamlit's bundle: file names carry a hash of the content
MINIMUM_SIZE = 1024
CACHE_FILE_BYTES = 16 * 1024 * 1024  # a larger file is compressed per request
CACHE_TOTAL_BYTES = 64 * 1024 * 1024  # compressed bytes kept; the bundle is about 7 MB


class StaticGZipMiddleware:
    """gzip for COMPRESSED_PREFIXES only; every other request goes straight to the app."""

    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE, compresslevel: int = 6) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=compresslevel)
        self.minimum_size, self.compresslevel = minimum_size, compresslevel
        self.kept: dict[str, tuple[list[tuple[bytes, bytes]], bytes]] = {}
        self.kept_bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(COMPRESSED_PREFIXES):
            await self.app(scope, receive, send)
        elif path.startswith(IMMUTABLE_PREFIX) and _plain_get_with_gzip(scope):
            await self._send_kept(path, scope, receive, send)
        else:
            await self.gzip(scope, receive, send)

    async def _send_kept(self, path: str, scope: Scope, receive: Receive, send: Send) -> None:
        """The compressed file from memory, compressed (off the event loop) and kept on first use."""
        hit = self.kept.get(path)
        if hit is None:
            messages: list[Message] = []

            async def collect(message: Message) -> None:
                messages.append(message)

            await self.app(scope, receive, collect)
            hit = await self._keep(path, messages)
            if hit is None:  # not a whole plain 200 worth compressing: sent as the app made it
                for message in messages:
                    await send(message)
                return
        headers, body = hit
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _keep(self, path: str, messages: list[Message]) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        start = messages[0] if messages and messages[0]["type"] == "http.response.start" else None
        if start is None or start["status"] != 200:
            return None
        headers = Headers(raw=start.get("headers", []))
        body = b"".join(m.get("body", b"") for m in messages[1:] if m["type"] == "http.response.body")
        if ("content-encoding" in headers or "set-cookie" in headers or len(body) < self.minimum_size
                or len(body) > CACHE_FILE_BYTES):
            return None
        packed = await anyio.to_thread.run_sync(gzip.compress, body, self.compresslevel)
        raw = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length", b"vary")]
        raw += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding"),
                (b"content-length", str(len(packed)).encode())]
        if self.kept_bytes + len(packed) <= CACHE_TOTAL_BYTES and path not in self.kept:
            self.kept[path] = (raw, packed)
            self.kept_bytes += len(packed)
        return raw, packed


def _plain_get_with_gzip(scope: Scope) -> bool:
    """A GET that accepts gzip and asks for no range or revalidation (those go the usual way)."""
    headers = Headers(scope=scope)
    return (scope.get("method") == "GET" and "gzip" in headers.get("accept-encoding", "")
            and not any(h in headers for h in ("range", "if-none-match", "if-modified-since")))

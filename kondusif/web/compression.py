"""gzip for the text files the app serves (issue 26 item 4).

Streamlit's own gzip middleware deliberately skips its static bundle (/static/, about 2.7 MB
of JS/CSS on a cold load) and media. On a phone network those bytes are most of the wait,
so this wrapper gzips exactly the file paths below (Starlette's GZipMiddleware: only when the
browser accepts gzip, only bodies of at least `minimum_size`, never a response that is already
encoded). /media/ (photos, PDFs with range requests) and the websocket pass untouched.
Behind nginx the same types are compressed there too (deploy/nginx site: `gzip on`).
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

# Streamlit's bundle, the vendored map files (static/ served at /app/static/), component
# iframes, and the light RT page with its JSON.
COMPRESSED_PREFIXES = ("/static/", "/app/static/", "/component/", "/rt/")
MINIMUM_SIZE = 1024


class StaticGZipMiddleware:
    """gzip for COMPRESSED_PREFIXES only; every other request goes straight to the app."""

    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE, compresslevel: int = 6) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=compresslevel)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith(COMPRESSED_PREFIXES):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)

"""Issue 26 item 4: gzip for the static text files (Streamlit's bundle skipped by its own gzip), not media."""

from __future__ import annotations

import gzip

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from kondusif.web.compression import StaticGZipMiddleware
from tests.rtpage.asgi import Browser

TEXT = "function lapor(){return 'amplop';}\n" * 400  # 14 KB of JS-like text


def build(*inner: Middleware) -> Starlette:
    async def js(_r):
        return Response(TEXT, media_type="text/javascript")

    async def photo(_r):
        return Response(TEXT.encode(), media_type="image/jpeg")

    async def tiny(_r):
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/static/js/index.js", js), Route("/rt/rt.js", js), Route("/media/foto.jpg", photo),
                             Route("/rt/kecil", tiny), Route("/halaman", js)],
                     middleware=[Middleware(StaticGZipMiddleware), *inner])


def fetch(app, path):
    return Browser(app).request("GET", path, headers={"Accept-Encoding": "gzip, br"})


def test_static_text_is_gzipped_media_and_pages_are_not():
    app = build()
    for path in ("/static/js/index.js", "/rt/rt.js"):
        status, headers, body = fetch(app, path)
        assert status == 200 and headers["content-encoding"] == ["gzip"], path
        assert gzip.decompress(body).decode() == TEXT and len(body) < len(TEXT) // 10
    status, headers, body = fetch(app, "/media/foto.jpg")
    assert "content-encoding" not in headers and body == TEXT.encode()
    assert "content-encoding" not in fetch(app, "/halaman")[1]  # Streamlit's own gzip decides there
    assert "content-encoding" not in fetch(app, "/rt/kecil")[1]  # under 1 KB: not worth it
    # a browser that does not accept gzip gets plain bytes
    assert "content-encoding" not in Browser(app).request("GET", "/rt/rt.js")[1]


def test_a_response_already_gzipped_inside_is_not_gzipped_twice():
    app = build(Middleware(GZipMiddleware, minimum_size=500))
    status, headers, body = fetch(app, "/rt/rt.js")
    assert headers["content-encoding"] == ["gzip"]
    assert gzip.decompress(body).decode() == TEXT


def test_streamlits_bundle_is_compressed_once_and_then_sent_from_memory():
    """Issue 29: the bundle's file names carry a hash of their content, so each is gzipped once
    (not again on the event loop for every browser without it cached)."""
    calls: list[str] = []

    async def js(request):
        calls.append(request.url.path)
        return Response(TEXT, media_type="text/javascript", headers={"X-Content-Type-Options": "nosniff"})

    async def gone(_r):
        return PlainTextResponse("tidak ada", status_code=404)

    app = Starlette(routes=[Route("/static/js/index.abc123.js", js), Route("/static/js/hilang.js", gone)],
                    middleware=[Middleware(StaticGZipMiddleware)])
    bodies = []
    for _ in range(3):
        status, headers, body = fetch(app, "/static/js/index.abc123.js")
        assert status == 200 and headers["content-encoding"] == ["gzip"]
        assert headers["content-length"] == [str(len(body))] and headers["x-content-type-options"] == ["nosniff"]
        assert gzip.decompress(body).decode() == TEXT
        bodies.append(body)
    assert calls == ["/static/js/index.abc123.js"] and bodies[0] == bodies[1] == bodies[2]

    # Plain bytes for a browser without gzip, a revalidation and a range go to the app as before.
    assert Browser(app).request("GET", "/static/js/index.abc123.js")[2] == TEXT.encode()
    Browser(app).request("GET", "/static/js/index.abc123.js",
                         headers={"Accept-Encoding": "gzip", "If-None-Match": '"x"'})
    assert len(calls) == 3
    status, headers, body = fetch(app, "/static/js/hilang.js")
    assert status == 404 and body == b"tidak ada" and "content-encoding" not in headers

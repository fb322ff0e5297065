"""In Chromium: security headers on every response, zero CSP violations while the map, a chart
and the PDF preview render, nothing fetched from another host, and no traceback on a crash."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlparse

import pytest
from browser_helpers import log_in, wait_for_text, wait_until

from kondusif import accounts, demo, registry, store
from kondusif.model import Role, Viewer
from kondusif.ui.errors import MESSAGE

pytestmark = pytest.mark.browser

ADMIN, PASSWORD = "uji-admin", "Rahasia-kota-9"
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


@pytest.fixture
def seeded_url(db_url) -> str:
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, 300, 3)
    accounts.create_account(engine, Viewer("uji", Role.ADMIN), ADMIN, Role.ADMIN, PASSWORD, must_change=False)
    store.dispose_engines()
    return db_url


def headers_of(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 - the local test server
        return {k.lower(): v for k, v in resp.headers.items()}


def test_security_headers_on_the_root_and_on_a_page(app, seeded_url):
    running = app(seeded_url)
    for path in ("/", "/insiden", "/laporan_mingguan"):
        h = headers_of(running.url + path)
        csp = h["content-security-policy"]
        directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
        assert directives["default-src"] == ["'self'"]
        assert directives["frame-ancestors"] == ["'self'"]
        assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
        assert directives["img-src"][0] == "'self'" and not any("http" in s for s in directives["img-src"])
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "same-origin"


def test_map_chart_and_pdf_preview_render_with_zero_csp_violations(app, page, seeded_url):
    running = app(seeded_url)
    host = urlparse(running.url).netloc
    violations: list[str] = []
    foreign: list[str] = []
    page.context.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.context.on("request", lambda r: foreign.append(r.url)
                    if urlparse(r.url).scheme in ("http", "https") and urlparse(r.url).netloc != host else None)
    page.goto(running.url)
    log_in(page, ADMIN, PASSWORD)

    page.wait_for_selector(MAP_FRAME, timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    wait_until(lambda: frame.locator("path.sk-kel").count() == 72, timeout=60, message="the map's kelurahan")
    wait_until(lambda: page.locator(".vega-embed svg, .vega-embed canvas").count() > 0, timeout=60,
               message="an Altair chart")

    page.goto(f"{running.url}/laporan_mingguan")
    page.get_by_role("button", name="Buat laporan PDF").click(timeout=60_000)
    wait_until(lambda: page.evaluate(
        "() => Array.from(document.querySelectorAll('[data-testid=stImage] img'))"
        ".filter(i => i.complete && i.naturalWidth > 300).length") >= 1,
        timeout=120, message="the PDF preview images")

    assert violations == []
    assert foreign == []  # no font, favicon or CDN request leaves the app
    icon = page.evaluate("() => document.querySelector('link[rel~=icon]')?.href || ''")
    assert urlparse(icon).netloc == host


def test_a_crash_shows_an_indonesian_message_and_no_traceback(app, page, tmp_path):
    broken = tmp_path / "rusak.db"
    broken.write_text("ini bukan basis data SQLite " * 200)
    running = app(f"sqlite:///{broken}")
    page.goto(running.url)
    wait_for_text(page, MESSAGE[:40], timeout=60)
    body = page.locator("body").inner_text()
    for leak in ("Traceback", ".py", str(tmp_path), "/work", "DatabaseError", "sqlite"):
        assert leak not in body, leak
    assert "file is not a database" in running.log()  # the detail goes to the server log

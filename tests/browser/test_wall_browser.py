"""Ruang pantau in Chromium (issue 16 acceptance): a report inserted in the store appears on the
screen within the refresh interval without a page reload, the map keeps the zoom the room set,
a new berat report and a kelurahan turning Rawan are highlighted, and no reporter identity
reaches the page (HTML of the page and the map frame, and every websocket frame)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from browser_helpers import ARTIFACTS, app_env, page_in, run_app, submit_login, wait_until

from kondusif import accounts, alerts, store
from kondusif.model import Incident, Role, Viewer
from kondusif.timeutil import now

pytestmark = pytest.mark.browser

# (The wall's other tests are in tests/wall/; this one lives here for the session's one Playwright.)
NAME, PHONE, ACCOUNT = "Budi Rahasiawan", "081299887766", "rt-rahasia-akun"  # must never reach the wall
TIMUR1 = "16.73.01.1001"  # Air Kuti, Lubuk Linggau Timur I

REFRESH = 5  # seconds, from the URL
KIOSK = f"/ruang_pantau?segar={REFRESH}&periode=24j"
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
PASSWORD = "Rahasia-pantau-27"
OPERATOR = Viewer("uji-admin", Role.ADMIN, "Admin Uji")
DEADLINE = REFRESH + 40  # the next refresh, plus room for a machine shared by many test runs


def _report(title: str, severity: str, status: str, minutes_ago: int, kelurahan: str = TIMUR1) -> Incident:
    """Filed `minutes_ago` (so the ones set up before the page opens are not 'just arrived')."""
    at = now() - timedelta(minutes=minutes_ago)
    return Incident(kode_kelurahan=kelurahan, rt=2, category="intimidasi", severity=severity, status=status,
                    title=title, occurred_at=at, reported_at=at, reporter_name=NAME, reporter_phone=PHONE,
                    created_by=ACCOUNT)


@pytest.fixture
def live_db(db_url) -> str:
    """Two verified berat reports in one kelurahan this past hour (Waspada), one elsewhere, and accounts."""
    engine = store.get_engine(db_url)
    with store.write(engine) as conn:
        store.insert_incidents(conn, [
            _report("Ancaman di posko A", "berat", "diverifikasi", 50),
            _report("Ancaman di posko B", "berat", "diverifikasi", 40),
            _report("Spanduk dirusak", "ringan", "baru", 30, kelurahan="16.73.08.1003"),
        ])
    for username, role in (("uji-panwaslu", Role.PANWASLU), ("uji-admin2", Role.ADMIN)):
        accounts.create_account(engine, OPERATOR, username, role, PASSWORD, must_change=False)
    store.dispose_engines()
    return db_url


@pytest.fixture
def running(live_db):
    with run_app(app_env(live_db)) as app:
        yield app


@pytest.fixture
def page(browser, request, running):
    """A 1920×1080 page (the TV); screenshot to test-artifacts/ on failure."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="id-ID")
    yield from page_in(context, request)


def _open(page, running, username: str):
    """Open the kiosk URL signed out, sign in, come back to it; returns the map frame and the websocket log."""
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda payload: frames.append(payload if isinstance(payload, bytes) else payload.encode())))
    page.goto(running.url + KIOSK)
    submit_login(page, username, PASSWORD)
    page.wait_for_selector("[data-testid=skw-tiles]", timeout=60_000)
    assert page.url.endswith(KIOSK), page.url  # the deep link survived the login
    frame = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    frame.wait_for_function("() => window.SiKondusifWall && window.SiKondusifWall.applied > 0", timeout=60_000)
    return frame, frames


def _identity_absent(page, frames: list[bytes]) -> None:
    html = page.content() + "".join(f.content() for f in page.frames)
    wire = b"".join(frames)
    assert "Ancaman di posko A" in html and b"Ancaman di posko A" in wire  # the checks read real data
    for secret in (NAME, PHONE, ACCOUNT):
        assert secret not in html, secret
        assert secret.encode() not in wire, secret


def test_new_report_appears_without_reload_and_the_map_keeps_its_zoom(running, page, live_db):
    frame, frames = _open(page, running, "uji-panwaslu")
    kel = frame.locator(f"path.sk-kel[data-kode='{TIMUR1}']")
    assert kel.get_attribute("fill") == "#f5a623"  # Waspada, painted from the page's data
    # The room zooms in on one area; marks on both windows tell a reload from a refresh.
    frame.evaluate("() => { map_div.setView([-3.2950, 102.8600], 15); window.__kept = 'iframe'; }")
    page.evaluate("() => { window.__kept = 'page'; }")
    applied = frame.evaluate("() => window.SiKondusifWall.applied")

    # A refresh with no new data redraws only the clock: the other blocks keep their DOM nodes.
    blocks = ["[data-testid=skw-tiles]", "[data-testid=skw-ticker]", "[data-testid=skw-alerts]", ".sk-wall-data"]
    page.evaluate("(sels) => sels.forEach(s => { document.querySelector(s).__kept = s; })", blocks)
    stamp = page.locator(".skw-meta").inner_text()
    wait_until(lambda: page.locator(".skw-meta").inner_text() != stamp, timeout=DEADLINE, message="a refresh")
    kept = page.evaluate("(sels) => sels.map(s => document.querySelector(s).__kept === s)", blocks)
    assert kept == [True, True, True, True], dict(zip(blocks, kept, strict=True))
    assert frame.evaluate("() => window.SiKondusifWall.applied") == applied  # same data: the map did nothing

    engine = store.get_engine(live_db)
    with store.write(engine) as conn:  # two more verified berat reports: the kelurahan turns Rawan
        rows = store.insert_incidents(conn, [_report("Ancaman di posko C", "berat", "diverifikasi", 3),
                                             _report("Bentrok di posko D", "berat", "diverifikasi", 1)])
        # (an import can carry old times: what is new is what reached this screen since its last refresh)
        alerts.check_new_incidents(conn, rows)
    newest = rows[-1]["report_no"]

    row = page.locator(f".skw-row[data-no='{newest}']")
    wait_until(lambda: row.count() == 1, timeout=DEADLINE, message="the new report in the ticker")
    assert "BARU" in row.inner_text() and "skw-new" in row.get_attribute("class")
    assert "Bentrok di posko D" in row.inner_text()
    wait_until(lambda: frame.evaluate("() => window.SiKondusifWall.applied") > applied, timeout=DEADLINE,
               message="the map applying the new data")
    dot = frame.locator(f"path.sk-wall-inc[data-no='{newest}']")
    wait_until(lambda: dot.count() == 1, timeout=DEADLINE, message="the new report's dot on the map")
    assert "sk-wall-flash" in dot.get_attribute("class")
    wait_until(lambda: kel.get_attribute("fill") == "#d73027", timeout=DEADLINE, message="the kelurahan Rawan")
    assert "sk-wall-flash" in kel.get_attribute("class")
    tiles = page.locator("[data-testid=skw-tiles]").inner_text()
    assert "BARU" in tiles  # the Rawan tile names the kelurahan that just turned
    alert_box = page.locator("[data-testid=skw-alerts]")
    wait_until(lambda: alert_box.count() == 1 and newest in alert_box.inner_text(), timeout=DEADLINE,
               message="the berat alert in the open alerts")

    # No reload, same map document, same zoom and place.
    assert page.evaluate("() => window.__kept") == "page"
    assert frame.evaluate("() => window.__kept") == "iframe"
    view = frame.evaluate("() => [map_div.getZoom(), map_div.getCenter().lat, map_div.getCenter().lng]")
    assert view[0] == 15 and abs(view[1] - -3.2950) < 1e-4 and abs(view[2] - 102.8600) < 1e-4

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ruang_pantau_1920.png"))
    _identity_absent(page, frames)

    # The highlight is for a minute: then the row, the dot and the kelurahan are plain again.
    wait_until(lambda: "BARU" not in page.locator(f".skw-row[data-no='{newest}']").inner_text(),
               timeout=60 + DEADLINE, message="the ticker highlight to end")
    wait_until(lambda: "sk-wall-flash" not in (dot.get_attribute("class") or "")
               and "sk-wall-flash" not in (kel.get_attribute("class") or ""), timeout=DEADLINE,
               message="the map highlights to end")
    # the counts are their own fragment, refreshed on its own tick: it drops the mark by its next refresh
    wait_until(lambda: "BARU" not in page.locator("[data-testid=skw-tiles]").inner_text(), timeout=DEADLINE,
               message="the Rawan tile's highlight to end")
    assert frame.evaluate("() => map_div.getZoom()") == 15


def test_admin_sees_no_reporter_identity_on_the_wall(running, page):
    _frame, frames = _open(page, running, "uji-admin2")
    # A refresh must have passed too: its frames are checked as well.
    stamp = page.locator(".skw-meta").inner_text()
    wait_until(lambda: page.locator(".skw-meta").inner_text() != stamp, timeout=DEADLINE, message="a refresh")
    assert "Peringatan dikirim ke akun pejabat dan panwaslu." in page.content()
    _identity_absent(page, frames)

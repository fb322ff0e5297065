"""Ruang pantau in Chromium (issue 16 acceptance): a report inserted in the store appears on the
screen within the refresh interval without a page reload, the map keeps the zoom the room set,
a new berat report and a kelurahan turning Rawan are highlighted, and no reporter identity
reaches the page (HTML of the page and the map frame, and every websocket frame)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from browser_helpers import ARTIFACTS, app_env, page_in, run_app, submit_login, wait_until

from kondusif import accounts, alerts, registry, store, workflow
from kondusif.intake import pipeline
from kondusif.model import Incident, Role, Viewer, new_id
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


def _open(page, running, username: str, kiosk: str = KIOSK):
    """Open the kiosk URL signed out, sign in, come back to it; returns the map frame and the websocket log."""
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda payload: frames.append(payload if isinstance(payload, bytes) else payload.encode())))
    page.goto(running.url + kiosk)
    submit_login(page, username, PASSWORD)
    page.wait_for_selector("[data-testid=skw-tiles]", timeout=60_000)
    assert page.url.endswith(kiosk), page.url  # the deep link survived the login
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


# --------------------------------------------------------------------------- issue 30.8 and 29.3

# segar=3600: the wall's own refresh would come in an hour; what appears sooner came through the change check.
SLOW_KIOSK = "/ruang_pantau?segar=3600&periode=24j"
RT_HEAD = Viewer("rt-1673011001-003", Role.RT, "Ketua RT 03", kelurahan=TIMUR1, rt=3)  # the sample registry's RT

# Every element with its own text inside `root_selector`, with its computed font size in px.
TEXT_SIZES = """
(root) => {
  const out = [];
  document.querySelectorAll(root).forEach((box) => box.querySelectorAll("*").forEach((el) => {
    const own = Array.from(el.childNodes).filter((n) => n.nodeType === 3 && n.textContent.trim()).map(
      (n) => n.textContent.trim()).join(" ");
    if (own && el.getClientRects().length) out.push([own.slice(0, 40), parseFloat(getComputedStyle(el).fontSize)]);
  }));
  return out;
}
""".strip()


def _file(engine, severity: str, title: str, minutes_ago: int) -> str:
    """A report filed through the form's write path (as the Ketua RT of RT 03 would); its number."""
    out = pipeline.submit_form(engine, RT_HEAD, {
        "category": "intimidasi", "severity": severity, "title": title, "description": title + ".",
        "occurred_at": now() - timedelta(minutes=minutes_ago)}, new_id())
    assert out.ok, out.errors
    return str(out.report_no)


def _small(sizes: list) -> list:
    return [(text, px) for text, px in sizes if px < 16]


def test_the_wall_from_three_metres_and_in_seconds(running, page, live_db, browser):
    engine = store.get_engine(live_db)
    registry.ensure_rt_registry(engine)
    # Same RT, no coordinates: the dots lie on one point. The ringan is newer, the berat must stay on top.
    berat = _file(engine, "berat", "Ancaman di rumah ketua RT", 20)
    ringan = _file(engine, "ringan", "Spanduk dicoret dekat rumah ketua RT", 10)
    original = store.get_incident(engine, berat, OPERATOR)
    twin_no = _file(engine, "sedang", "Ancaman yang sama dilaporkan lagi", 15)
    twin = store.get_incident(engine, twin_no, OPERATOR)
    workflow.mark_duplicate(engine, OPERATOR, twin["id"], int(twin["version"]), original["report_no"],
                            "Kejadian yang sama")
    store.dispose_engines()

    frame, _frames = _open(page, running, "uji-panwaslu", SLOW_KIOSK)
    # 24 hours: the three reports of the fixture and the two filed above; the duplicate is not counted.
    assert page.locator("[data-testid=skw-tiles] .skw-n").first.inner_text() == "5"
    order = frame.evaluate("() => Array.from(document.querySelectorAll('path.sk-wall-inc')).map("
                           "p => p.getAttribute('data-no'))")
    assert twin_no not in order and len(order) == 5
    assert order.index(berat) > order.index(ringan)  # drawn later: on top
    # The dot a viewer sees at that point is the berat one.
    top = frame.evaluate("""(no) => {  // (dots ignore the mouse on the wall: let the hit test see them)
        document.querySelectorAll('path.sk-wall-inc').forEach((p) => { p.style.pointerEvents = 'auto'; });
        const r = document.querySelector(`path.sk-wall-inc[data-no='${no}']`).getBoundingClientRect();
        const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return hit && hit.getAttribute('data-no'); }""", ringan)
    assert top == berat

    # Read from three metres: the legend, its notes and the page's notes at 16 px or more.
    legend = frame.evaluate(TEXT_SIZES, ".sk-legend")
    assert any("Tingkat kondusivitas" in t for t, _ in legend) and not _small(legend), legend
    page_text = page.evaluate(TEXT_SIZES, ".skw")
    assert "duplikat tidak digambar" in page.locator("[data-testid=skw-map-note]").inner_text()
    assert len(page_text) > 20 and not _small(page_text), _small(page_text)  # the note, tiles, ticker, alerts
    # A tooltip says only what the wall has: no side panel to click through to.
    frame.evaluate("""(k) => map_div.eachLayer((l) => {
        if (l.feature && l.feature.properties && l.feature.properties.k === k && l.openTooltip) l.openTooltip(); })""",
                   TIMUR1)  # (as a hover does; a TV has no mouse)
    tip = frame.locator(".leaflet-tooltip").first
    wait_until(lambda: tip.count() == 1 and tip.is_visible(), timeout=30, message="a kelurahan tooltip")
    assert "Kec. " in tip.inner_text() and "Klik" not in tip.inner_text() and "samping" not in tip.inner_text()
    assert not _small(frame.evaluate(TEXT_SIZES, ".leaflet-tooltip"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ruang_pantau_1920_legend.png"))

    # Issue 29.3: a new berat report through the form reaches the map without a reload and long before
    # the hour-long refresh: only the change check can have brought it.
    page.evaluate("() => { window.__kept = 'page'; }")
    stamp = page.locator(".skw-meta").inner_text()
    fresh = _file(store.get_engine(live_db), "berat", "Bentrok di depan posko", 0)
    dot = frame.locator(f"path.sk-wall-inc[data-no='{fresh}']")
    wait_until(lambda: dot.count() == 1, timeout=60, message="the new berat report's dot")
    assert page.evaluate("() => window.__kept") == "page"
    assert page.locator(f".skw-row[data-no='{fresh}']").count() == 1  # the ticker has it too
    assert page.locator("[data-testid=skw-tiles] .skw-n").first.inner_text() == "6"
    assert page.locator(".skw-meta").inner_text() != stamp  # the blocks were drawn again from new data
    order = frame.evaluate("() => Array.from(document.querySelectorAll('path.sk-wall-inc')).map("
                           "p => p.getAttribute('data-no'))")
    assert order[-1] == fresh  # the newest berat on top of everything

    # The same wall at 1366 and 360 px: the legend fits inside the map, the text keeps its size at 1366.
    for width, height in ((1366, 768), (360, 740)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
        small = context.new_page()
        try:
            small_frame, _ = _open(small, running, "uji-panwaslu", SLOW_KIOSK)
            if width == 1366:
                assert not _small(small.evaluate(TEXT_SIZES, ".skw"))
                assert not _small(small_frame.evaluate(TEXT_SIZES, ".sk-legend"))
                # The map's frame may still be settling to its final size on a busy machine: wait for the fit.
                small_frame.wait_for_function("""() => {
                    const m = document.querySelector('.leaflet-container').getBoundingClientRect();
                    const l = document.querySelector('.sk-legend').getBoundingClientRect();
                    return l.left >= m.left && l.right <= m.right && l.top >= m.top && l.bottom <= m.bottom; }""",
                                              timeout=30_000)
            small.screenshot(path=str(ARTIFACTS / f"ruang_pantau_{width}.png"), full_page=True)
        finally:
            context.close()

"""Issue 12 in Chromium, desktop 1366x900 and phone 360x740: what only a browser shows.

- 3: the first real click on a kelurahan polygon opens its panel.
- 4: after a period change the kelurahan select box reads the panel's level.
- 7: on a phone the sidebar closes after a tap on a menu item.
- 8: on a phone the map comes before the figures; legend and layer box start folded;
  "Laporan saya" shows the status without sideways scrolling.
- 10: the uploader and the filters speak Indonesian; the uploader shows the real 5 MB limit.
- 11: figures and their labels are not cut off; kecamatan names do not overlap.
- 12: /masuk opens without "Page not found"; a forced password change ends on the home page.
"""

from __future__ import annotations

import pytest
from browser_helpers import wait_for_text, wait_idle, wait_until

from kondusif import accounts, demo, registry, store
from kondusif.model import SYSTEM, Role
from lubuklinggau_geo import gazetteer

pytestmark = pytest.mark.browser

PANWASLU, PASSWORD = "uji-layar", "Rahasia-layar-27"
RT_USER, RT_ONE_TIME, RT_NEW = "rt-layar-01", "Sekali-pakai-2018", "829163"
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
MAP_TITLE = "Peta kondusivitas Kota Lubuklinggau"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def screen_db(db_url) -> str:
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, 2000, 5)
    accounts.create_account(engine, SYSTEM, PANWASLU, Role.PANWASLU, PASSWORD, display_name="Panwaslu Layar",
                            must_change=False)
    accounts.create_account(engine, SYSTEM, RT_USER, Role.RT, RT_ONE_TIME, kelurahan="16.73.01.1001", rt=1,
                            must_change=True)
    store.dispose_engines()
    return db_url


def new_page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="id-ID")
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    return pg


def sign_in(pg, url: str, username: str, password: str, path: str = "") -> None:
    pg.goto(f"{url}/{path}")
    wait_for_text(pg, "Masuk ke SiKondusif", timeout=60)
    pg.get_by_label("Nama pengguna").fill(username)
    pg.get_by_label("Kata sandi atau PIN").fill(password)
    pg.get_by_role("button", name="Masuk", exact=True).click()
    pg.get_by_role("button", name="Keluar").wait_for(state="attached", timeout=60_000)


def map_ready(pg):
    pg.wait_for_selector(MAP_FRAME, timeout=60_000)
    frame = pg.frame_locator(MAP_FRAME)
    wait_until(lambda: frame.locator("path.sk-kel").count() == 72, timeout=60, message="72 kelurahan")
    wait_until(lambda: frame.locator(".sk-kec-label").count() == 8, timeout=30, message="8 kecamatan names")
    wait_idle(pg, timeout=60)
    return frame


def panel_heading(pg) -> str:
    return pg.locator("h4").first.inner_text().strip()


def kel_select_text(pg) -> str:
    """What the panel's select box shows (its text and its input's value)."""
    box = pg.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(has_text="Kelurahan").first
    return box.evaluate("e => e.innerText + ' ' + [...e.querySelectorAll('input')].map(i => i.value).join(' ')")


def cut_off_texts(pg) -> list[str]:
    """Metric labels and values whose text is wider than its box (drawn with an ellipsis)."""
    return pg.evaluate(
        """() => [...document.querySelectorAll(
              '[data-testid="stMetricLabel"] p, [data-testid="stMetricLabel"] div, [data-testid="stMetricValue"] > div')]
            .filter(e => e.offsetWidth > 0 && e.scrollWidth > e.clientWidth + 1)
            .map(e => e.textContent)"""
    )


def overlapping_labels(pg) -> list[tuple[str, str]]:
    handle = pg.wait_for_selector(MAP_FRAME).content_frame()
    return handle.evaluate(
        """() => {
            const r = [...document.querySelectorAll('.sk-kec-label span')]
              .map(s => [s.textContent, s.getBoundingClientRect()]);
            const out = [];
            for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
              const a = r[i][1], b = r[j][1];
              if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
                out.push([r[i][0], r[j][0]]);
            }
            return out;
        }"""
    )


def page_not_found_shown(pg) -> bool:
    return pg.get_by_text("Page not found").count() > 0


def test_desktop_map_login_url_click_labels_and_figures(app, browser, screen_db):
    running = app(screen_db)
    # 12: /masuk is the login form itself, three loads in a row, no "Page not found" dialog.
    for _ in range(3):
        pg = new_page(browser, DESKTOP)
        pg.goto(f"{running.url}/masuk")
        wait_for_text(pg, "Masuk ke SiKondusif", timeout=60)
        wait_idle(pg)
        assert not page_not_found_shown(pg)
        assert pg.get_by_label("Nama pengguna").is_editable()
        pg.context.close()

    pg = new_page(browser, DESKTOP)
    try:
        sign_in(pg, running.url, PANWASLU, PASSWORD)
        wait_for_text(pg, MAP_TITLE, timeout=60)
        frame = map_ready(pg)
        assert pg.url.split("?")[0] == running.url + "/"  # "/" runs the home screen itself (issue 28: one run)
        assert not page_not_found_shown(pg)

        # 3: one real mouse click on a polygon selects its kelurahan.
        shown = panel_heading(pg)
        target = next(k for k in ("16.73.01.1001", "16.73.02.1002", "16.73.04.1001")
                      if gazetteer.kelurahan_name(k) not in shown)
        name = gazetteer.kelurahan_name(target)
        poly = frame.locator(f"path.sk-kel[data-kode='{target}']")
        box = poly.bounding_box()
        hit = pg.wait_for_selector(MAP_FRAME).content_frame().evaluate(
            """(kode) => { const p = document.querySelector(`path[data-kode='${kode}']`);
                 const r = p.getBoundingClientRect();
                 for (let fy = 0.5; fy < 0.95; fy += 0.05) for (let fx = 0.5; fx < 0.95; fx += 0.05) {
                   for (const [x, y] of [[r.left + r.width * fx, r.top + r.height * fy],
                                         [r.left + r.width * (1 - fx), r.top + r.height * (1 - fy)]]) {
                     if (document.elementFromPoint(x, y) === p) return [x - r.left, y - r.top];
                   }
                 }
                 return null; }""", target)
        assert hit is not None and box is not None
        poly.click(position={"x": hit[0], "y": hit[1]})
        wait_until(lambda: panel_heading(pg) == name, timeout=30, message=f"panel of {name} after one click")
        assert name in kel_select_text(pg)

        # 11: nothing cut off, kecamatan names apart.
        assert cut_off_texts(pg) == []
        assert overlapping_labels(pg) == []

        # 4: change the period; the select box and the panel name the same level.
        pg.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Periode").click()
        pg.get_by_role("option", name="Masa kampanye").click()
        wait_idle(pg, timeout=60)
        wait_until(lambda: "Masa kampanye" in pg.locator('[data-testid="stMetricLabel"]').first.inner_text(),
                   timeout=60, message="figures of the campaign period")
        wait_idle(pg, timeout=60)
        panel = pg.locator('[data-testid="stMarkdownContainer"]').filter(has=pg.locator("h4")).first.inner_text()
        select = kel_select_text(pg)
        level_in_select = next(lv for lv in ("Kondusif", "Waspada", "Rawan") if f"— {lv}" in select)
        assert panel_heading(pg) in select
        assert f"· {level_in_select} ·" in panel.replace("\n", " "), (select, panel)
        assert cut_off_texts(pg) == []  # "Laporan · Masa kampanye" in full

        # 10: the filters offer no English "Select all".
        kategori = pg.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Kategori")
        kategori.scroll_into_view_if_needed()
        kategori.locator("input").first.click()
        pg.locator('[role="option"]').first.wait_for(timeout=15_000)
        options = pg.locator('[role="option"]').all_inner_texts()
        assert options and not any("Select" in o for o in options), options
    finally:
        pg.context.close()


def test_phone_map_first_folded_controls_sidebar_closes(app, browser, screen_db):
    running = app(screen_db)
    pg = new_page(browser, PHONE)
    try:
        sign_in(pg, running.url, PANWASLU, PASSWORD)
        wait_for_text(pg, MAP_TITLE, timeout=60)
        frame = map_ready(pg)

        # 8: the map comes right after the title, before the five figures.
        map_top = pg.locator(MAP_FRAME).bounding_box()["y"]
        figures_top = pg.locator('[data-testid="stMetric"]').first.bounding_box()["y"]
        assert map_top < figures_top, (map_top, figures_top)
        assert map_top < PHONE["height"], map_top  # visible without scrolling
        # Compact figures: two to a row.
        boxes = [pg.locator('[data-testid="stMetric"]').nth(i).bounding_box() for i in range(2)]
        assert abs(boxes[0]["y"] - boxes[1]["y"]) < 2, boxes
        # Legend and layer box start folded; the legend opens on a tap.
        assert "sk-folded" in frame.locator(".sk-legend").get_attribute("class")
        assert not frame.locator(".sk-legend-body").is_visible()
        assert frame.locator(".leaflet-control-layers-expanded").count() == 0
        iframe_box = pg.locator(MAP_FRAME).bounding_box()
        toggle_box = frame.locator(".sk-legend-toggle").bounding_box()
        assert toggle_box["y"] + toggle_box["height"] <= iframe_box["y"] + iframe_box["height"], (toggle_box, iframe_box)
        frame.locator(".sk-legend-toggle").click()
        frame.locator(".sk-legend-body").wait_for(state="visible")
        assert "Tingkat kondusivitas" in frame.locator(".sk-legend").inner_text()

        # 11 at 360 px.
        assert cut_off_texts(pg) == []
        assert overlapping_labels(pg) == []

        # 7: open the sidebar, tap a menu item: the new page is shown and the sidebar closed.
        sidebar = pg.locator('[data-testid="stSidebar"]')
        pg.locator('[data-testid="stExpandSidebarButton"]').click()
        wait_until(lambda: sidebar.bounding_box()["width"] > 200 and sidebar.bounding_box()["x"] >= 0,
                   timeout=15, message="sidebar open")
        pg.get_by_role("link", name="Insiden").click()
        wait_for_text(pg, "Insiden: meja kerja Panwaslu", timeout=60)
        wait_until(lambda: (sidebar.bounding_box() or {"x": -1, "width": 0})["x"]
                   + (sidebar.bounding_box() or {"width": 0})["width"] <= 0,
                   timeout=15, message="sidebar closed after navigation")
        assert pg.get_by_role("heading", name="Insiden: meja kerja Panwaslu").is_visible()
    finally:
        pg.context.close()


def test_phone_forced_password_change_lands_home_with_indonesian_uploader(app, browser, screen_db):
    running = app(screen_db)
    pg = new_page(browser, PHONE)
    try:
        sign_in(pg, running.url, RT_USER, RT_ONE_TIME, "lapor")  # "/" sends an RT to /rt/ (issue 26)
        wait_for_text(pg, "Kata sandi/PIN saat ini", timeout=60)
        pg.get_by_role("textbox", name="Kata sandi/PIN saat ini").fill(RT_ONE_TIME)
        pg.get_by_role("textbox", name="Kata sandi/PIN baru").fill(RT_NEW)
        pg.get_by_role("textbox", name="Ulangi yang baru").fill(RT_NEW)
        pg.get_by_role("button", name="Simpan").click()
        # 12: straight to the RT's home page, the report form; the change form is gone.
        wait_for_text(pg, "Kirim laporan", timeout=60)
        pg.get_by_role("heading", name="Kirim laporan").wait_for(timeout=60_000)
        # the home screen at "/" (run there directly after the cookie renewal) or at its own URL
        home_urls = (running.url + "/", running.url + "/lapor")
        wait_until(lambda: pg.url.split("?")[0] in home_urls, timeout=30, message="URL of the home page")
        assert pg.get_by_label("Kata sandi/PIN saat ini").count() == 0
        wait_idle(pg, timeout=60)

        # 10: the photo uploader in Indonesian, with the real 5 MB limit.
        uploader = pg.locator('[data-testid="stFileUploader"]').first
        uploader.scroll_into_view_if_needed()
        wait_until(lambda: "Maks. 5 MB per berkas" in uploader.inner_text(), timeout=15,
                   message="Indonesian uploader text")
        text = uploader.inner_text()
        assert "Upload" not in text and "Drag and drop" not in text and "per file" not in text, text
        assert "50" not in text, text

        # 8: "Laporan saya": the status of each report is on screen without sideways scrolling.
        pg.get_by_text("Laporan saya (10 terakhir)").click()
        mine = pg.locator('[data-testid="stExpander"]').filter(has_text="Laporan saya")
        wait_until(lambda: "LLG-" in mine.inner_text(), timeout=30, message="own reports listed")
        statuses = ("Baru", "Diverifikasi", "Ditindaklanjuti", "Selesai", "Ditolak", "Duplikat")
        lines = mine.locator('[data-testid="stMarkdownContainer"]').filter(has_text="LLG-")
        assert lines.count() >= 1
        for i in range(lines.count()):
            line = lines.nth(i)
            assert any(s in line.inner_text() for s in statuses), line.inner_text()
            box = line.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert pg.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        overflow = pg.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stExpander"] *')]
                 .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
                 .length""")
        assert overflow == 0
    finally:
        pg.context.close()

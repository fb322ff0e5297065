"""Three real journeys in Chromium against `streamlit run dashboard.py` (no internet):

1. a Ketua RT on a 360×740 phone logs in, taps the place on the form's small map,
   files a report and gets its number;
2. a Panwaslu liaison logs in, finds that report with the filters, verifies it, and the
   map shows the kelurahan go from Kondusif to Waspada;
3. a pejabat opens the map, clicks that kelurahan (its panel shows Waspada), and downloads
   the weekly PDF of the report's week, which opens and lists the report and the kelurahan.

The store (tests/browser/journey_data.py) puts the kelurahan just below the Waspada
threshold, so that verifying the new berat report is what lifts it. Journeys 2 and 3 file
the report through the form's own code path (pipeline.submit_form) so each runs alone.
Every wait is on a condition; a failing step leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from browser_helpers import ARTIFACTS, page_in, wait_for_text, wait_idle, wait_until
from journey_data import (
    DECOY,
    DESCRIPTION,
    KEL,
    PANWASLU_PASSWORD,
    PANWASLU_USER,
    PEJABAT_PASSWORD,
    PEJABAT_USER,
    RT_NO,
    RT_PIN,
    RT_USER,
    TITLE,
    file_as_rt,
    incident,
    inside_point,
    kel_name,
    level_now,
    seed_store,
    verify,
)
from pypdf import PdfReader

from kondusif import store
from kondusif.report.week import week_of
from kondusif.status import LEVEL_COLORS, Level
from kondusif.timeutil import now
from lubuklinggau_geo.locate import locate

pytestmark = pytest.mark.browser

MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
MAP_TITLE = "Peta kondusivitas Kota Lubuklinggau"
REPORT_NO = re.compile(r"LLG-\d{4}-\d{6}")


# --------------------------------------------------------------------------- fixtures and steps


@pytest.fixture
def journey_db(db_url) -> str:
    seed_store(db_url)
    store.dispose_engines()
    return db_url


@pytest.fixture
def phone(browser, request, app):
    """A 360×740 touch phone in Lubuklinggau (Indonesian locale, WIB clock); screenshot on failure."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="id-ID", timezone_id="Asia/Jakarta")
    yield from page_in(context, request)


def log_in(page, username: str, password: str) -> None:
    wait_for_text(page, "Masuk ke SiKondusif", timeout=60)
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi atau PIN").fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.get_by_role("button", name="Keluar").wait_for(state="attached", timeout=60_000)


def choose(page, scope, label: str, option: str, exact: bool = True) -> None:
    """Pick `option` in the (multi)select box `label`: type to narrow the list, then pick it.

    `exact=False` for options that carry more than the typed text ("Air Kuti — Kondusif").
    """
    box = scope.get_by_role("combobox", name=label)
    box.click()
    box.press_sequentially(option)
    page.get_by_role("option", name=option, exact=exact).first.click()
    # A multiselect stays open for more. Looked up by its state, not as `box`: a pick may rerun the whole
    # page (the map's panel after a write elsewhere), and while it reruns the old box can still be shown.
    still_open = scope.get_by_role("combobox", name=label, expanded=True)
    if still_open.count():
        still_open.first.press("Escape")


def open_page(page, link: str, title: str) -> None:
    page.get_by_role("link", name=link).click()
    wait_for_text(page, title, timeout=60)


def map_polygons(page):
    page.wait_for_selector(MAP_FRAME, timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    wait_until(lambda: frame.locator("path.sk-kel").count() > 0, timeout=60, message="kelurahan in the map")
    return frame


def fill_of(page, code: str) -> str:
    """The fill colour the map gives a kelurahan (its level)."""
    return page.frame_locator(MAP_FRAME).locator(f"path.sk-kel[data-kode='{code}']").get_attribute("fill") or ""


def panel_text(page) -> str:
    """The kelurahan panel beside the map: its heading's block (name, level, score, reasons)."""
    heading = page.locator("h4").first
    heading.wait_for(timeout=60_000)
    return heading.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]").inner_text()


def snapshot(page, name: str) -> None:
    """A screenshot of a journey's end state in test-artifacts/, for people to look at."""
    wait_idle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def tap_map_at(page, lat: float, lon: float) -> None:
    """Tap the small map of the form where (lat, lon) is drawn."""
    page.wait_for_selector(MAP_FRAME, timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)  # the kelurahan outline
    handle = page.wait_for_selector(MAP_FRAME).content_frame()
    point = handle.evaluate(
        """([lat, lon]) => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            const p = map.latLngToContainerPoint([lat, lon]);
            const size = map.getSize();
            return {x: p.x, y: p.y, w: size.x, h: size.y};
        }""",
        [lat, lon],
    )
    assert 0 < point["x"] < point["w"] and 0 < point["y"] < point["h"], point
    iframe = page.locator(MAP_FRAME)
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    page.touchscreen.tap(box["x"] + point["x"], box["y"] + point["y"])


# --------------------------------------------------------------------------- journey 1


def test_rt_head_files_a_report_with_a_location_on_a_phone(app, phone, journey_db):
    running = app(journey_db)
    opened = now()
    phone.goto(running.url + "/lapor")  # the Streamlit form; "/" sends an RT to /rt/ (issue 26)
    log_in(phone, RT_USER, RT_PIN)
    wait_for_text(phone, f"RT {RT_NO:02d}, Kelurahan {kel_name()}", timeout=60)  # the form, for their own RT

    # Where it happened: switch the small map on and tap the spot.
    phone.get_by_text("Tandai lokasi di peta (opsional)").tap()
    lat, lon = inside_point()
    tap_map_at(phone, lat, lon)
    shown = wait_for_text(phone, "Titik:", timeout=60).inner_text()
    got_lat, got_lon = (float(x) for x in re.findall(r"-?\d+\.\d+", shown)[:2])
    assert abs(got_lat - lat) < 5e-4 and abs(got_lon - lon) < 5e-4, (shown, lat, lon)
    # The run that drew the point has reached past the place of the warning ("Hapus titik" is
    # drawn after it) and finished: only now does "no warning" mean something.
    phone.get_by_role("button", name="Hapus titik").wait_for(state="visible", timeout=60_000)
    wait_idle(phone)
    assert phone.get_by_text("di luar Kelurahan").count() == 0

    choose(phone, phone, "Kategori", "Politik uang")
    phone.locator('[data-testid="stRadio"]').get_by_text("Berat", exact=True).tap()
    phone.get_by_label("Judul singkat").fill(TITLE)
    phone.get_by_label("Uraian").fill(DESCRIPTION)
    wait_idle(phone)
    phone.get_by_role("button", name="Kirim laporan").tap()

    answer = wait_for_text(phone, "Nomor laporan Anda", timeout=60).inner_text()
    found = REPORT_NO.search(answer)
    assert found, answer
    row = incident(journey_db, found.group())
    assert (row["kode_kelurahan"], row["rt"], row["category"], row["severity"], row["status"], row["source"],
            row["created_by"], row["title"]) == (KEL, RT_NO, "politik_uang", "berat", "baru", "form", RT_USER, TITLE)
    assert row["lat"] is not None and locate(row["lat"], row["lon"]) == KEL
    # The form's default time is the minute it was opened: between opening it and the stored filing time.
    assert opened.replace(second=0, microsecond=0) <= row["occurred_at"] <= row["reported_at"]
    assert found.group().startswith(f"LLG-{row['occurred_at'].year}-")
    snapshot(phone, "journey1_rt_report_number.png")


# --------------------------------------------------------------------------- journey 2


def test_panwaslu_finds_and_verifies_the_report_and_the_map_shows_the_new_level(app, page, journey_db):
    report_no = file_as_rt(journey_db)
    assert level_now(journey_db) == Level.KONDUSIF  # the store's premise: "baru" alone stays below Waspada
    running = app(journey_db)
    page.goto(running.url)
    log_in(page, PANWASLU_USER, PANWASLU_PASSWORD)
    wait_for_text(page, MAP_TITLE, timeout=60)

    # Before: the map shows the kelurahan Kondusif, one verified and one new berat report in 72 h.
    map_polygons(page)
    choose(page, page.locator('[data-testid="stMain"]'), "Kelurahan", kel_name(), exact=False)
    wait_until(lambda: "Kondusif" in panel_text(page) and kel_name() in panel_text(page), timeout=60,
               message="the kelurahan's panel, Kondusif")
    assert "belum diverifikasi" in panel_text(page)
    assert fill_of(page, KEL) == LEVEL_COLORS[Level.KONDUSIF]

    # Find the report with the filters: the kelurahan in the sidebar, then its number in the search box.
    open_page(page, "Insiden", "Insiden: meja kerja Panwaslu")
    wait_idle(page)
    choose(page, page.locator('[data-testid="stSidebar"]'), "Kelurahan", kel_name())
    wait_for_text(page, f"Kelurahan {kel_name()}", timeout=60)  # the filter's description
    search = page.get_by_role("textbox", name="Cari judul, uraian atau no. laporan")
    search.fill(report_no)
    search.press("Enter")
    wait_for_text(page, "Menampilkan 1–1 dari 1 laporan", timeout=60)
    choose(page, page, "Buka laporan", report_no)
    wait_for_text(page, f"{report_no} · Baru", timeout=60)

    page.locator('[data-testid="stRadio"]').get_by_text("Verifikasi", exact=True).click()
    page.get_by_role("button", name="Simpan: Verifikasi").click()
    wait_for_text(page, f"{report_no} · Diverifikasi", timeout=60)
    assert incident(journey_db, report_no)["status"] == "diverifikasi"
    audit = store.audit_for(store.get_engine(journey_db), "incident", incident(journey_db, report_no)["id"])
    assert audit["actor"].tolist()[-1] == PANWASLU_USER and audit["to_status"].tolist()[-1] == "diverifikasi"

    # After: the map shows the kelurahan Waspada, with the verification as its reason.
    open_page(page, "Peta kondusivitas", MAP_TITLE)
    map_polygons(page)
    # the panel draws its heading before its reasons: wait for both (fails after 60 s if the reason never shows)
    wait_until(lambda: "Waspada" in panel_text(page) and kel_name() in panel_text(page)
               and "2 laporan berat terverifikasi" in panel_text(page), timeout=60,
               message="the kelurahan's panel, Waspada, with the verification as its reason")
    wait_until(lambda: fill_of(page, KEL) == LEVEL_COLORS[Level.WASPADA], timeout=60, message="the Waspada fill")
    snapshot(page, "journey2_map_after_verification.png")


# --------------------------------------------------------------------------- journey 3


def test_pejabat_clicks_the_kelurahan_and_downloads_the_weekly_pdf(app, page, journey_db, tmp_path):
    report_no = file_as_rt(journey_db)
    verify(journey_db, report_no)
    assert level_now(journey_db) == Level.WASPADA
    week = week_of(incident(journey_db, report_no)["occurred_at"])
    running = app(journey_db)
    page.goto(running.url)
    log_in(page, PEJABAT_USER, PEJABAT_PASSWORD)
    wait_for_text(page, MAP_TITLE, timeout=60)

    frame = map_polygons(page)
    wait_until(lambda: frame.locator("path.sk-kel").count() == 72, timeout=60, message="72 kelurahan")
    wait_until(lambda: kel_name(DECOY) in panel_text(page), timeout=60, message="the Rawan kelurahan first")
    frame.locator(f"path.sk-kel[data-kode='{KEL}']").dispatch_event("click")
    page.get_by_role("heading", name=kel_name()).wait_for(timeout=60_000)
    wait_until(lambda: "Waspada" in panel_text(page), timeout=60, message="Waspada in the panel")
    assert kel_name(DECOY) not in panel_text(page)

    open_page(page, "Laporan mingguan", "Dokumen PDF mingguan")
    wait_idle(page)
    choose(page, page, "Minggu (Senin 00.00 – Minggu 24.00 WIB)", week.short_label)  # issue 30.5: in words
    wait_for_text(page, f"Laporan {week.short_label}", timeout=60)
    page.get_by_role("button", name="Buat laporan PDF").click()
    wait_for_text(page, f"Laporan {week.short_label} versi 1 dibuat", timeout=180)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Unduh PDF").click()
    pdf_path = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf_path)
    snapshot(page, "journey3_weekly_pdf.png")
    assert pdf_path.name.endswith(".pdf") and week.key in pdf_path.name

    reader = PdfReader(pdf_path)
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    assert len(reader.pages) >= 2
    assert report_no in text and kel_name() in text
    assert re.search(rf"{re.escape(kel_name())},\s*RT {RT_NO:02d}", text), "the report listed with its place"
    assert re.search(rf"^{re.escape(kel_name())} Waspada\b", text, re.M), "the kelurahan row shows Waspada"
    with store.get_engine(journey_db).connect() as conn:
        archived = conn.execute(sa.select(store.snapshots.c.pdf).where(store.snapshots.c.week == week.key)).scalar()
    assert archived == pdf_path.read_bytes()  # the download is the archived snapshot, byte for byte

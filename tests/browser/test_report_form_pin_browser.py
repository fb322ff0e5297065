"""Issue 26: on the Streamlit report form (/lapor) at 360 px, a tap on the small map draws a pin
at the tapped point after the rerun, not only the coordinates in text."""

from __future__ import annotations

import pytest
from browser_helpers import page_in, wait_for_text, wait_idle, wait_until
from journey_data import RT_NO, RT_PIN, RT_USER, inside_point, kel_name, seed_store

from kondusif import store

pytestmark = pytest.mark.browser

MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


@pytest.fixture
def form_db(db_url) -> str:
    seed_store(db_url)
    store.dispose_engines()
    return db_url


@pytest.fixture
def phone(browser, request, app):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="id-ID", timezone_id="Asia/Jakarta")
    yield from page_in(context, request)


def to_screen(page, lat: float, lon: float) -> dict:
    """Where (lat, lon) is drawn in the map iframe, in iframe pixels."""
    frame = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    return frame.evaluate(
        """([lat, lon]) => {
            const map = Object.values(window).find(v => v instanceof L.Map);
            const p = map.latLngToContainerPoint([lat, lon]);
            return {x: p.x, y: p.y};
        }""",
        [lat, lon],
    )


def test_a_tap_on_the_form_map_draws_a_pin_at_the_tapped_place(app, phone, form_db):
    running = app(form_db)
    phone.goto(running.url + "/lapor")
    wait_for_text(phone, "Masuk ke SiKondusif", timeout=60)
    phone.get_by_label("Nama pengguna").fill(RT_USER)
    phone.get_by_label("Kata sandi atau PIN").fill(RT_PIN)
    phone.get_by_role("button", name="Masuk", exact=True).click()
    wait_for_text(phone, f"RT {RT_NO:02d}, Kelurahan {kel_name()}", timeout=60)

    phone.get_by_text("Tandai lokasi di peta (opsional)").tap()
    frame = phone.frame_locator(MAP_FRAME)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)  # the kelurahan outline
    assert frame.locator("path.leaflet-interactive").count() == 1  # no pin before the tap
    lat, lon = inside_point()
    point = to_screen(phone, lat, lon)
    iframe = phone.locator(MAP_FRAME)
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    assert box is not None and box["width"] <= 360
    phone.touchscreen.tap(box["x"] + point["x"], box["y"] + point["y"])
    wait_for_text(phone, "Titik:", timeout=60)
    phone.get_by_role("button", name="Hapus titik").wait_for(state="visible", timeout=60_000)
    wait_idle(phone)

    # The pin: a second interactive path (the circle marker) whose centre is the tapped point.
    wait_until(lambda: frame.locator("path.leaflet-interactive").count() == 2, timeout=30,
               message="a pin drawn after the tap")
    pin = frame.locator("path.leaflet-interactive").nth(1).bounding_box()
    assert pin is not None
    centre_x, centre_y = pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] / 2
    tapped_x, tapped_y = box["x"] + point["x"], box["y"] + point["y"]
    assert abs(centre_x - tapped_x) <= 4 and abs(centre_y - tapped_y) <= 4, (pin, tapped_x, tapped_y)
